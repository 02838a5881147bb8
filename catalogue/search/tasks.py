"""Celery tasks of the search index: the periodic sweep and the facet-total recount."""

from celery import shared_task

from catalogue import outbox
from catalogue.search.index import (
    search_index_datasets,
    search_totals_rebuild,
    stale_dataset_ids,
    upstream_failure_drift,
)
from catalogue.search.vocabulary import vocabulary_rebuild


@shared_task(name="catalogue.search_drain")
def search_drain() -> int:
    """Drain the outbox's search work: bring the entries it names up to date."""
    return outbox.drain(outbox.Kind.SEARCH, lambda rows: search_index_datasets(outbox.targets(rows)), batch_size=2000)


@shared_task(name="catalogue.search_index_sweep")
def search_index_sweep() -> int:
    """Re-index datasets whose entry disagrees with them although no work was recorded:
    bulk loads, and the "upstream check failed" mark after the lineage closure moved."""
    ids = sorted(set(stale_dataset_ids()) | set(upstream_failure_drift()))
    if ids:
        search_index_datasets(ids)
    return len(ids)


@shared_task(name="catalogue.search_totals_rebuild")
def search_totals_recount() -> None:
    """Recount the search facet totals from the entries, healing any drift, and the "did you
    mean" vocabulary (dropping words no catalogued dataset uses any more)."""
    search_totals_rebuild()
    vocabulary_rebuild()
