"""The catalogue's own vocabulary, for "did you mean".

Words of the titles, keywords, themes and glossary concept labels of what everyone may
read (published, public datasets; published glossary schemes), so a suggestion never
reveals a word of a restricted title. Indexing adds the words of each catalogued entry
as it is written (``vocabulary_add``); a recount (``vocabulary_rebuild``, run by the
periodic facet-total recount and after ``search_reindex``) counts them exactly and drops
words nothing uses any more.

Near words: PostgreSQL's pg_trgm trigram similarity over a GIN index; SQLite: difflib.
"""

import difflib
from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper

from catalogue.access import catalogued_q
from catalogue.glossary.models import Concept, ConceptScheme
from catalogue.models import Dataset, SearchEntry, VocabularyTerm
from catalogue.search.models import SearchWord
from catalogue.search.words import vocabulary_words

# A near word must be at least this similar (pg_trgm similarity, difflib ratio).
TRIGRAM_THRESHOLD = 0.3
DIFFLIB_CUTOFF = 0.75


def vocabulary_add(texts: Iterable[str]) -> None:
    """Add the words of ``texts`` (of catalogued datasets) that the vocabulary lacks. One query."""
    words: set[str] = set()
    for text in texts:
        words |= vocabulary_words(text)
    if words:
        SearchWord.objects.bulk_create([SearchWord(word=w, datasets=1) for w in sorted(words)], ignore_conflicts=True)


def _entry_counts() -> Counter:
    """word -> number of catalogued datasets whose title or keywords use it."""
    counts: Counter = Counter()
    entries = (
        SearchEntry.objects.exclude(status=Dataset.Status.WITHDRAWN)
        .annotate(catalogued=ExpressionWrapper(catalogued_q(), output_field=BooleanField()))
        .filter(catalogued=True)
    )
    if connection.vendor == "postgresql":
        sql, params = entries.values("dataset_id", "title", "keywords_text").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT w, count(DISTINCT m.dataset_id)
                FROM ({sql}) AS m,
                     regexp_split_to_table(lower(m.title || ' ' || split_part(m.keywords_text, E'\\n', 1)),
                                           '[^[:alpha:]]+') AS w
                WHERE length(w) BETWEEN 3 AND 40
                GROUP BY w
                """,  # noqa: S608 - the ORM's own SQL, with its parameters passed separately
                params,
            )
            counts.update(dict(cursor.fetchall()))
        return counts
    for title, keywords_text in entries.values_list("title", "keywords_text"):
        counts.update(vocabulary_words(title + " " + keywords_text.split("\n", 1)[0]))
    return counts


def vocabulary_rebuild() -> int:
    """Recount the vocabulary from the catalogued entries, the theme labels and the labels
    of published glossary concepts. Returns the number of words."""
    counts = _entry_counts()
    for label in VocabularyTerm.objects.filter(scheme=VocabularyTerm.Scheme.THEME).values_list("label", flat=True):
        for word in vocabulary_words(label):
            counts[word] = max(counts[word], 1)
    for pref, alt in Concept.objects.filter(scheme__status=ConceptScheme.Status.PUBLISHED).values_list(
        "pref_label", "alt_labels"
    ):
        for word in vocabulary_words(" ".join([pref, *(alt or [])])):
            counts[word] = max(counts[word], 1)
    with transaction.atomic():
        SearchWord.objects.all().delete()
        SearchWord.objects.bulk_create([SearchWord(word=w, datasets=n) for w, n in counts.items()], batch_size=5000)
    return len(counts)


def known_words(words: Iterable[str]) -> set[str]:
    """Which of ``words`` the vocabulary has. One query."""
    words = set(words)
    return set(SearchWord.objects.filter(word__in=words).values_list("word", flat=True)) if words else set()


def nearest_word(word: str) -> str | None:
    """The vocabulary's word most like ``word`` (a likely misspelling of it), or None.

    Ties go to the word more datasets use. PostgreSQL: one query on the trigram index.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT word FROM search_searchword
                WHERE word %% %s AND similarity(word, %s) >= %s AND word <> %s
                ORDER BY similarity(word, %s) DESC, datasets DESC, word
                LIMIT 1
                """,
                [word, word, TRIGRAM_THRESHOLD, word, word],
            )
            row = cursor.fetchone()
        return row[0] if row else None
    return nearest_in(word, dict(SearchWord.objects.values_list("word", "datasets")))


def nearest_in(word: str, vocabulary: dict[str, int]) -> str | None:
    """SQLite's way (difflib): the closest word of ``vocabulary`` (word -> datasets using it)."""
    close = difflib.get_close_matches(word, list(vocabulary), n=5, cutoff=DIFFLIB_CUTOFF)
    close = [w for w in close if w != word]
    if not close:
        return None
    best = difflib.SequenceMatcher(None, word, close[0]).ratio()
    ties = [w for w in close if difflib.SequenceMatcher(None, word, w).ratio() == best]
    return max(ties, key=lambda w: (vocabulary[w], w))
