from celery import shared_task
from django.utils import timezone

from catalogue.models import WorkerHeartbeat


@shared_task(name="catalogue.worker_heartbeat")
def worker_heartbeat(hostname: str | None = None) -> str:
    """Record that a worker is alive and can write to the database."""
    name = hostname or worker_heartbeat.request.hostname or "eager"
    WorkerHeartbeat.objects.update_or_create(hostname=name, defaults={"seen_at": timezone.now()})
    return name


@shared_task(name="catalogue.search_index_sweep")
def search_index_sweep() -> int:
    """Analyst: re-index datasets changed without signals (queryset.update(), bulk writes,
    lineage closure rebuilds); the facet totals follow by the same deltas."""
    from catalogue.search.index import search_index_datasets, stale_dataset_ids, upstream_failure_drift

    ids = sorted(set(stale_dataset_ids()) | set(upstream_failure_drift()))
    if ids:
        search_index_datasets(ids)
    return len(ids)


@shared_task(name="catalogue.search_totals_rebuild")
def search_totals_rebuild() -> None:
    """Analyst: recount the search facet totals from the entries, healing any drift."""
    from catalogue.search.index import search_totals_rebuild as rebuild

    rebuild()


# DCAT: the stored-RDF refresh task and its sweep live with the RDF mapping.
from catalogue.rdf.tasks import rdf_refresh, rdf_refresh_sweep  # noqa: E402,F401
