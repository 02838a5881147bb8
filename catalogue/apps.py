from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "Catalogue"

    def ready(self):
        from lib.rdf_offline import disable_remote_jsonld_contexts

        disable_remote_jsonld_contexts()

        # Publisher: recompute the quality score and re-check links on every change.
        import catalogue.quality_signals  # noqa: F401
