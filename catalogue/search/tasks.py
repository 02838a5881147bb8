"""Celery tasks of the search index: the periodic sweep and the facet-total recount."""

from celery import shared_task

from catalogue.search.index import (
    search_index_datasets,
    search_totals_rebuild,
    stale_dataset_ids,
    upstream_failure_drift,
)


@shared_task(name="catalogue.search_index_sweep")
def search_index_sweep() -> int:
    """Re-index datasets changed without signals (queryset.update(), bulk writes,
    lineage closure rebuilds); the facet totals follow by the same deltas."""
    ids = sorted(set(stale_dataset_ids()) | set(upstream_failure_drift()))
    if ids:
        search_index_datasets(ids)
    return len(ids)


@shared_task(name="catalogue.search_totals_rebuild")
def search_totals_recount() -> None:
    """Recount the search facet totals from the entries, healing any drift."""
    search_totals_rebuild()
