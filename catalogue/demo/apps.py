from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The realistic demo catalogue: its loader, the `load_demo` command and the sample files it serves."""

    name = "catalogue.demo"
    label = "demo"
    verbose_name = "Demo catalogue"
