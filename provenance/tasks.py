"""Celery tasks: nudges that apply work already recorded as rows, and the sweep that finishes what a nudge missed."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from provenance import lineage
from provenance.openlineage import openlineage_event_apply, openlineage_events_apply_pending

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
    """One event (the nudge before batches; kept so messages already queued still apply)."""
    openlineage_event_apply(event_id=event_id)


@shared_task(
    name="provenance.openlineage_apply_pending",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def openlineage_apply_pending() -> int:
    """Apply the pending OpenLineage events in batches, oldest first, until none is left
    (a nudge that finds them already claimed by another worker finds nothing: harmless)."""
    total = 0
    limit = settings.OPENLINEAGE_APPLY_BATCH
    while True:
        claimed = openlineage_events_apply_pending(limit=limit)
        total += claimed
        if claimed < limit:
            return total


@shared_task(name="provenance.lineage_sweep")
def lineage_sweep() -> dict:
    """Periodic: apply any lineage request or OpenLineage event that no nudge reached, and compact
    the closure when churn has left it well over its fresh size (``lineage_compact_if_bloated``)."""
    # Events younger than this are probably still on their way through their own task.
    cutoff = timezone.now() - timedelta(seconds=10)
    # A failed (poison) event waits for an admin's "apply again", so the sweep never spins on it;
    # one that fails here is marked failed, not raised.
    events = openlineage_events_apply_pending(limit=1000, received_before=cutoff)
    applied = lineage.lineage_process_pending()
    if applied or events:
        logger.info("lineage sweep applied %s requests and %s events", applied, events)
    # Autovacuum may be off or slow, and never shrinks an index: the sweep keeps the closure near
    # its fresh size itself (a few reads of pg_class when there is nothing to do).
    compacted = lineage.lineage_compact_if_bloated()
    return {"requests": applied, "events": events, "compacted": compacted}
