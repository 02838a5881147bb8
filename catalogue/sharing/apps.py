from django.apps import AppConfig


class SharingConfig(AppConfig):
    """The data-sharing register: agreements between organisations, the access they grant, the public register."""

    name = "catalogue.sharing"
    label = "sharing"
    verbose_name = "Data sharing"
