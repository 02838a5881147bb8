from django.apps import AppConfig


class HarvestConfig(AppConfig):
    """Harvesting other catalogues (DCAT-AP RDF, CKAN action APIs) into this one, as Celery jobs."""

    name = "catalogue.harvest"
    label = "harvest"
    verbose_name = "Harvesting"
