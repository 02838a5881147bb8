"""Writing the search index: one SearchEntry per dataset, and the facet totals.

An entry carries, besides the dataset's own words, the labels of the glossary concepts its
fields measure (published schemes only), so a search for "household" finds a dataset whose
field ``hh_ref`` measures the concept Household. A changed concept records search work for
those datasets (catalogue.glossary.services).

Called by the outbox's search drain after every write that changes what the search page
shows (catalogue.outbox), by the
``search_reindex`` command after bulk loads, and by a periodic sweep that catches writes
made past the services (bulk loads) and the "upstream failed" marks the lineage closure moves.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from types import SimpleNamespace

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import BooleanField, Case, ExpressionWrapper, F, Func, IntegerField, Q, TextField, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalogue import outbox
from catalogue.access import catalogued_q, is_catalogued
from catalogue.glossary.models import Concept, ConceptScheme
from catalogue.locks import SEARCH_ENTRIES, lock_datasets
from catalogue.models import (
    Dataset,
    Distribution,
    Field,
    SearchEntry,
    SearchFacetTotal,
    ValidationCheck,
)
from catalogue.search.vocabulary import vocabulary_add, vocabulary_rebuild
from provenance.models import Derivation, LineageEdge
from provenance.queries import datasets_with_failed_upstream_ids, failing_dataset_ids

# Scopes of the precomputed facet totals (see SearchFacetTotal).
SCOPE_PUBLIC = "public"
SCOPE_ALL = "all"
TOTAL_KEY = "*"
SAMPLE_BUCKETS = 64
BATCH_SIZE = 2000


def entry_scopes(status: str, access_rights: str) -> tuple[str, ...]:
    """The facet-total scopes an entry counts in. Withdrawn datasets keep their page but leave search."""
    if status == Dataset.Status.WITHDRAWN:
        return ()
    if is_catalogued(SimpleNamespace(status=status, access_rights=access_rights)):
        return (SCOPE_PUBLIC, SCOPE_ALL)
    return (SCOPE_ALL,)


def _keys(facet_keys: str) -> list[str]:
    return facet_keys.split()


def _entries_for(dataset_ids: list[int]) -> list[SearchEntry]:
    """Build (unsaved) entries for the datasets that still exist, in a fixed number of queries."""
    datasets = list(
        Dataset.objects.filter(id__in=dataset_ids).values(
            "id",
            "status",
            "access_rights",
            "publisher_id",
            "title",
            "description",
            "licence_id",
            "frequency_id",
            "quality_score",
            "quality_band",
            "modified",
            "updated_at",
        )
    )
    if not datasets:
        return []
    ids = [d["id"] for d in datasets]
    keywords = defaultdict(list)
    for dataset_id, keyword_id, name in Dataset.keywords.through.objects.filter(dataset_id__in=ids).values_list(
        "dataset_id", "keyword_id", "keyword__name"
    ):
        keywords[dataset_id].append((keyword_id, name))
    themes = defaultdict(list)
    for dataset_id, term_id in Dataset.themes.through.objects.filter(dataset_id__in=ids).values_list(
        "dataset_id", "vocabularyterm_id"
    ):
        themes[dataset_id].append(term_id)
    formats = defaultdict(set)
    for dataset_id, format_id in Distribution.objects.filter(dataset_id__in=ids, format__isnull=False).values_list(
        "dataset_id", "format_id"
    ):
        formats[dataset_id].add(format_id)
    fields = defaultdict(list)
    measured = defaultdict(set)
    for dataset_id, name, title, definition, concept_uri in Field.objects.filter(dataset_id__in=ids).values_list(
        "dataset_id", "name", "title", "definition", "concept_uri"
    ):
        fields[dataset_id].append((name, title, definition))
        if concept_uri:
            measured[dataset_id].add(concept_uri)
    concept_labels = _concept_labels(set().union(*measured.values())) if measured else {}
    with_lineage = set()
    for derived_id, source_id in (
        Derivation.objects.current()
        .filter(Q(derived_id__in=ids) | Q(source_id__in=ids))
        .values_list("derived_id", "source_id")
    ):
        with_lineage.update((derived_id, source_id))
    # A check's latest run decides whether it currently fails; older runs are history.
    latest_outcome: dict[tuple[int, str], str] = {}
    for dataset_id, name, outcome in (
        ValidationCheck.objects.filter(dataset_id__in=ids)
        .order_by("dataset_id", "name", "-run_at", "-id")
        .values_list("dataset_id", "name", "outcome")
    ):
        latest_outcome.setdefault((dataset_id, name), outcome)
    failing = {d for (d, _), outcome in latest_outcome.items() if outcome == ValidationCheck.Outcome.FAIL}
    # Datasets fed (at any depth) by a dataset whose latest run of a check failed.
    ancestors = defaultdict(set)
    for ancestor_id, descendant_id in LineageEdge.objects.filter(descendant_id__in=ids).values_list(
        "ancestor_id", "descendant_id"
    ):
        ancestors[descendant_id].add(ancestor_id)
    all_ancestors = set().union(*ancestors.values()) if ancestors else set()
    failing_ancestors = failing_dataset_ids(list(all_ancestors)) if all_ancestors else set()
    upstream_failing = {pk for pk, found in ancestors.items() if found & failing_ancestors}

    entries = []
    for d in datasets:
        pk = d["id"]
        keys = [f"p{d['publisher_id']}", f"a{d['access_rights']}"]
        keys += [f"t{t}" for t in sorted(themes[pk])]
        keys += [f"k{k}" for k, _ in sorted(keywords[pk])]
        keys += [f"f{f}" for f in sorted(formats[pk])]
        if d["licence_id"]:
            keys.append(f"l{d['licence_id']}")
        if d["frequency_id"]:
            keys.append(f"r{d['frequency_id']}")
        keys.append(f"q{d['quality_band'] or 'none'}")
        keys.append("h1" if pk in with_lineage else "h0")
        keys.append("x1" if pk in failing else "x0")
        if pk in upstream_failing:
            keys.append("u1")
        # A fixed 1-in-64 bucket, so a very broad search can count facets over a sample.
        keys.append(f"b{pk % SAMPLE_BUCKETS}")
        field_names = [" ".join(filter(None, (name.replace("_", " "), title))) for name, title, _ in fields[pk]]
        # The labels of the concepts the fields measure count as field names do.
        field_names += [concept_labels[uri] for uri in sorted(measured[pk]) if uri in concept_labels]
        entries.append(
            SearchEntry(
                dataset_id=pk,
                status=d["status"],
                access_rights=d["access_rights"],
                publisher_id=d["publisher_id"],
                title=d["title"],
                description=d["description"],
                # Keywords on the first line, field names after: ranking reads the first line only.
                keywords_text=" ".join(name for _, name in keywords[pk]) + "\n" + " ".join(field_names),
                fields_text="\n".join(definition for _, _, definition in fields[pk] if definition),
                facet_keys=" " + " ".join(keys) + " ",
                quality_score=d["quality_score"],
                quality_band=d["quality_band"],
                modified=d["modified"] or d["updated_at"],
                indexed_at=timezone.now(),
            )
        )
    return entries


def _concept_labels(uris: set[str]) -> dict[str, str]:
    """The preferred, alternative and hidden labels of the concepts of published glossary
    schemes with these IRIs, one string per concept IRI. One query."""
    rows = Concept.objects.filter(uri__in=uris, scheme__status=ConceptScheme.Status.PUBLISHED).values_list(
        "uri", "pref_label", "alt_labels", "hidden_labels"
    )
    return {uri: " ".join([pref, *(alt or []), *(hidden or [])]) for uri, pref, alt, hidden in rows}


def _apply_total_deltas(deltas: Counter) -> None:
    by_scope = defaultdict(dict)
    for (scope, key), delta in deltas.items():
        if delta:
            by_scope[scope][key] = delta
    for scope, changes in by_scope.items():
        SearchFacetTotal.objects.bulk_create(
            [SearchFacetTotal(scope=scope, key=key, count=0) for key in changes], ignore_conflicts=True
        )
        SearchFacetTotal.objects.filter(scope=scope, key__in=list(changes)).update(
            count=F("count")
            + Case(*[When(key=key, then=Value(delta)) for key, delta in changes.items()], output_field=IntegerField())
        )


def _count_into(deltas: Counter, status: str, access_rights: str, facet_keys: str, sign: int) -> None:
    for scope in entry_scopes(status, access_rights):
        deltas[(scope, TOTAL_KEY)] += sign
        for key in _keys(facet_keys):
            deltas[(scope, key)] += sign


def _update_documents(dataset_ids: list[int]) -> None:
    if connection.vendor != "postgresql" or not dataset_ids:
        return
    SearchEntry.objects.filter(dataset_id__in=dataset_ids).update(
        document=SearchVector("title", weight="A", config="english")
        + SearchVector("keywords_text", weight="B", config="english")
        + SearchVector("description", "fields_text", weight="C", config="english"),
        rank_document=SearchVector("title", weight="A", config="english")
        + SearchVector(
            Func(F("keywords_text"), Value("\n"), Value(1), function="split_part", output_field=TextField()),
            weight="B",
            config="english",
        ),
    )


def search_index_datasets(dataset_ids: Iterable[int], *, update_totals: bool = True) -> int:
    """Bring the search entries of these datasets up to date (and drop entries of deleted ones).

    Returns the number of entries written. Atomic, so the facet totals always match the entries.
    """
    ids = sorted({int(i) for i in dataset_ids if i is not None})
    if not ids:
        return 0
    with transaction.atomic():
        # Without it, two workers indexing a new dataset both see no entry and both add it
        # to the facet totals.
        lock_datasets(SEARCH_ENTRIES, ids)
        old = {
            row["dataset_id"]: row
            for row in SearchEntry.objects.select_for_update()
            .filter(dataset_id__in=ids)
            .values("dataset_id", "status", "access_rights", "facet_keys")
        }
        entries = _entries_for(ids)
        deltas: Counter = Counter()
        if update_totals:
            for row in old.values():
                _count_into(deltas, row["status"], row["access_rights"], row["facet_keys"], -1)
            for entry in entries:
                _count_into(deltas, entry.status, entry.access_rights, entry.facet_keys, +1)
        gone = set(ids) - {e.dataset_id for e in entries}
        if gone:
            SearchEntry.objects.filter(dataset_id__in=gone).delete()
        SearchEntry.objects.bulk_create(
            entries,
            update_conflicts=True,
            unique_fields=["dataset"],
            update_fields=[
                "status",
                "access_rights",
                "publisher",
                "title",
                "description",
                "keywords_text",
                "fields_text",
                "facet_keys",
                "quality_score",
                "quality_band",
                "modified",
                "indexed_at",
            ],
        )
        _update_documents([e.dataset_id for e in entries])
        if update_totals:
            _apply_total_deltas(deltas)
        # New words of what everyone may read join the "did you mean" vocabulary at once.
        vocabulary_add(
            e.title + " " + e.keywords_text.split("\n", 1)[0]
            for e in entries
            if SCOPE_PUBLIC in entry_scopes(e.status, e.access_rights)
        )
    return len(entries)


def search_forget_dataset(dataset_id: int) -> None:
    """Take a dataset that is being deleted out of the facet totals (its entry goes by cascade)."""
    row = SearchEntry.objects.filter(dataset_id=dataset_id).values("status", "access_rights", "facet_keys").first()
    if row:
        deltas: Counter = Counter()
        _count_into(deltas, row["status"], row["access_rights"], row["facet_keys"], -1)
        _apply_total_deltas(deltas)


def search_totals_rebuild() -> None:
    """Recount the facet totals from the entries (after bulk loads, and periodically to heal drift)."""
    counts: Counter = Counter()
    if connection.vendor == "postgresql":
        # The "public" scope is the access rule's catalogued condition, compiled by the ORM.
        entries = (
            SearchEntry.objects.exclude(status=Dataset.Status.WITHDRAWN)
            .annotate(catalogued=ExpressionWrapper(catalogued_q(), output_field=BooleanField()))
            .values("catalogued", "facet_keys")
        )
        sql, params = entries.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT m.catalogued, k, count(*)
                FROM ({sql}) AS m, unnest(string_to_array(btrim(m.facet_keys), ' ') || %s::text) AS k
                GROUP BY 1, 2
                """,  # noqa: S608 - the ORM's own SQL, with its parameters passed separately
                [*params, TOTAL_KEY],
            )
            for public, key, n in cursor.fetchall():
                counts[(SCOPE_ALL, key)] += n
                if public:
                    counts[(SCOPE_PUBLIC, key)] += n
    else:
        for status, access, facet_keys in SearchEntry.objects.values_list("status", "access_rights", "facet_keys"):
            _count_into(counts, status, access, facet_keys, +1)
    with transaction.atomic():
        SearchFacetTotal.objects.all().delete()
        SearchFacetTotal.objects.bulk_create(
            [SearchFacetTotal(scope=scope, key=key, count=n) for (scope, key), n in counts.items() if n]
        )


def search_reindex_all(*, batch_size: int = BATCH_SIZE, progress=None) -> int:
    """Rebuild every entry in batches, then recount the totals."""
    written = 0
    last_id = 0
    requested_up_to = outbox.last_id(outbox.Kind.SEARCH)
    while True:
        ids = list(Dataset.objects.filter(id__gt=last_id).order_by("id").values_list("id", flat=True)[:batch_size])
        if not ids:
            break
        written += search_index_datasets(ids, update_totals=False)
        last_id = ids[-1]
        if progress:
            progress(written)
    SearchEntry.objects.exclude(dataset_id__in=Dataset.objects.values("id")).delete()
    search_totals_rebuild()
    vocabulary_rebuild()
    outbox.covered(outbox.Kind.SEARCH, requested_up_to)
    return written


def stale_dataset_ids(limit: int = BATCH_SIZE) -> list[int]:
    """Datasets whose entry is missing or older than the dataset (writes that recorded no search work)."""
    return list(
        Dataset.objects.annotate(
            score_now=Coalesce("quality_score", -1), score_indexed=Coalesce("search_entry__quality_score", -1)
        )
        .filter(
            Q(search_entry__isnull=True)
            | Q(updated_at__gt=F("search_entry__indexed_at"))
            | ~Q(quality_band=F("search_entry__quality_band"))
            | ~Q(score_now=F("score_indexed"))
        )
        .values_list("id", flat=True)[:limit]
    )


def upstream_failure_drift() -> list[int]:
    """Datasets whose "upstream failing" mark no longer matches the lineage closure.

    The lineage worker moves the closure after a derivation changes, after the change's own
    search work ran, so a periodic sweep compares and re-indexes the difference.
    """
    wanted = datasets_with_failed_upstream_ids()
    marked = set(SearchEntry.objects.filter(facet_keys__contains=" u1 ").values_list("dataset_id", flat=True))
    return sorted(wanted ^ marked)


def descendant_ids(dataset_id: int) -> list[int]:
    """Every dataset fed by this one, from the lineage closure."""
    return list(LineageEdge.objects.filter(ancestor_id=dataset_id).values_list("descendant_id", flat=True))
