from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "Catalogue"

    def ready(self):
        # Signal handlers that keep derived state current on every write: the quality score
        # and link checks, the stored DCAT-AP records, and the search index.
        import catalogue.dcat.signals  # noqa: F401
        import catalogue.quality.signals  # noqa: F401
        import catalogue.search.signals  # noqa: F401
        from lib.rdf_offline import disable_remote_jsonld_contexts

        disable_remote_jsonld_contexts()
