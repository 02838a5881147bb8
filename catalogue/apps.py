from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "Catalogue"

    def ready(self):
        # rdflib must never fetch a JSON-LD context from the internet.
        from lib.rdf_offline import disable_remote_jsonld_contexts

        disable_remote_jsonld_contexts()
