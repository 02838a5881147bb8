"""What search knows about words: the synonyms people search by, and the catalogue's vocabulary.

Both are read at search time, so a synonym a publisher adds works on the next search
without reindexing a single dataset.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalogue.models import Organisation


class Synonym(models.Model):
    """Two phrases that mean the same thing to someone searching ("labour" and "labor",
    "GDP" and "gross domestic product"), matched both ways.

    Rows are never deleted: a removed synonym keeps who removed it and when, so the
    synonyms page shows the whole history of who added and removed what. Shipped
    synonyms (catalogue/search/data/synonyms.csv, put in after every migrate) have no author.
    """

    phrase = models.CharField(max_length=100, db_index=True)
    equivalent = models.CharField(max_length=100, db_index=True)
    shipped = models.BooleanField(default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The organisation the author was acting for: the history says "Jo Bloggs (ONS)".
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["phrase", "equivalent"]
        constraints = [
            # One current row per pair; the service stores each pair in alphabetical order.
            models.UniqueConstraint(
                fields=["phrase", "equivalent"], condition=Q(removed_at__isnull=True), name="synonym_unique_current"
            ),
            models.CheckConstraint(condition=Q(phrase__lt=models.F("equivalent")), name="synonym_pair_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.phrase} = {self.equivalent}"


class SearchWord(models.Model):
    """A word of the catalogue's own vocabulary (titles, keywords, themes and glossary
    concept labels of what everyone may read), offered as "did you mean" for a misspelt
    search. ``datasets`` is how many catalogued datasets use it, as of the last recount
    (catalogue.search.vocabulary.vocabulary_rebuild); words seen since count 1 until then.

    PostgreSQL finds near words with a pg_trgm GIN index (migration 0001); SQLite with difflib.
    """

    word = models.CharField(max_length=40, primary_key=True)
    datasets = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return self.word
