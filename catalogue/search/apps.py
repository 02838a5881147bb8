from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Search on `/`: the words people use (synonyms publishers add, the catalogue's own
    vocabulary for "did you mean") live here beside the index and the query."""

    name = "catalogue.search"
    label = "search"
    verbose_name = "Search"
