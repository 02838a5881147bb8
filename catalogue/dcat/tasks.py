"""Celery task that keeps the stored DCAT-AP records current (found by config.celery)."""

from celery import shared_task

from catalogue.dcat.records import refresh_pending


@shared_task(name="catalogue.rdf_refresh")
def rdf_refresh() -> int:
    """Drain the outbox's RDF work: rebuild the records it names."""
    return refresh_pending()
