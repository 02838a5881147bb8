from django.apps import AppConfig

from lib.rdf_offline import disable_remote_jsonld_contexts


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "Catalogue"

    def ready(self):
        # rdflib must never fetch a JSON-LD context from the internet.
        disable_remote_jsonld_contexts()
