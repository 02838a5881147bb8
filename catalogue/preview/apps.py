from django.apps import AppConfig


class PreviewConfig(AppConfig):
    """Previews of distributions' data: the first rows of CSV, XLSX, ODS and JSON files."""

    name = "catalogue.preview"
    label = "preview"
    verbose_name = "Data previews"
