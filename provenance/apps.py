from django.apps import AppConfig


class ProvenanceConfig(AppConfig):
    name = "provenance"
    verbose_name = "Provenance and lineage"

    def ready(self):
        from provenance import signals  # noqa: F401  (connects the lineage request signals)
