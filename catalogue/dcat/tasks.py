"""Celery tasks that keep the stored RDF current (found by config.celery)."""

from celery import shared_task

from catalogue.dcat.records import refresh_pending


@shared_task(name="catalogue.rdf_refresh")
def rdf_refresh(dataset_ids: list[int]) -> int:
    """The nudge after a change: handle the waiting requests for these datasets."""
    return refresh_pending(dataset_ids)


@shared_task(name="catalogue.rdf_refresh_sweep")
def rdf_refresh_sweep() -> int:
    """The periodic sweep: handle every waiting request, whatever nudge was lost."""
    return refresh_pending()
