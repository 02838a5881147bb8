from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "Catalogue"

    def ready(self):
        from lib.rdf_offline import disable_remote_jsonld_contexts

        disable_remote_jsonld_contexts()

        # Analyst: keep the search index current on every write.
        import catalogue.search.signals  # noqa: F401

        # Publisher: recompute the quality score and re-check links on every change.
        import catalogue.quality_signals  # noqa: F401

        # DCAT: keep each catalogued dataset's stored RDF current on every change.
        import catalogue.rdf.signals  # noqa: F401
