"""Celery tasks: nudges that apply work already recorded as rows, and the sweep that finishes what a nudge missed."""

import logging
from datetime import timedelta

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from provenance import lineage
from provenance.models import OpenLineageEvent
from provenance.openlineage import openlineage_event_apply

logger = logging.getLogger(__name__)


@shared_task(
    name="provenance.lineage_process",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def lineage_process() -> int:
    """Apply pending lineage rebuild requests (idempotent: a repeat finds nothing or re-applies the same)."""
    return lineage.lineage_process_pending()


@shared_task(
    name="provenance.openlineage_process_event",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def openlineage_process_event(event_id: int) -> None:
    openlineage_event_apply(event_id=event_id)


@shared_task(name="provenance.lineage_sweep")
def lineage_sweep() -> dict:
    """Periodic: apply any lineage request or OpenLineage event that no nudge reached."""
    # Events younger than this are probably still on their way through their own task.
    cutoff = timezone.now() - timedelta(seconds=10)
    events = list(
        # A failed (poison) event waits for an admin's "apply again", so the sweep never spins on it.
        OpenLineageEvent.objects.filter(processed_at__isnull=True, failed_at__isnull=True, received_at__lt=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:1000]
    )
    for event_id in events:
        openlineage_event_apply(event_id=event_id)  # a poison event is marked failed, not raised
    applied = lineage.lineage_process_pending()
    if applied or events:
        logger.info("lineage sweep applied %s requests and %s events", applied, len(events))
    return {"requests": applied, "events": len(events)}
