from django.apps import AppConfig


class GlossaryConfig(AppConfig):
    """Shared definitions: SKOS concept schemes owned by organisations, the data dictionary
    fields that measure their concepts, and the compatibility check between datasets."""

    name = "catalogue.glossary"
    label = "glossary"
    verbose_name = "Glossary"
