from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    """Search on `/`: the words people use (synonyms publishers add, the catalogue's own
    vocabulary for "did you mean") live here beside the index and the query."""

    name = "catalogue.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # After every migrate, and after a flush (which tests' transactional databases do
        # between tests), as Django does for permissions: the shipped synonyms are there.
        post_migrate.connect(_ship_synonyms, sender=self)


def _ship_synonyms(sender, using="default", **kwargs) -> None:
    from catalogue.search.services import synonyms_ship

    synonyms_ship(using=using)
