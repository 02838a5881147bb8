"""Celery tasks that keep previews current.

A distribution whose links change records preview work in the outbox (catalogue.outbox) in
the same transaction; ``preview_distributions`` drains it when nudged after commit, and the
outbox sweep drains whatever a nudge missed. ``preview_sweep`` (beat, hourly) previews what no
change recorded: distributions never previewed (bulk loads, the demo once its server answers)
and previews older than PROVCAT_PREVIEW_MAX_AGE_HOURS.
"""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from catalogue import outbox
from catalogue.preview import services
from catalogue.preview.queries import distributions_due_for_preview
from config.celery import task_send_quietly

logger = logging.getLogger(__name__)


def _refresh(rows) -> None:
    for distribution_id in outbox.targets(rows):
        try:
            preview_distribution(distribution_id)
        except SoftTimeLimitExceeded:
            raise
        except Exception:  # one distribution must not hold up the others' previews for ever
            logger.exception("preview of distribution %s failed", distribution_id)


@shared_task(name="catalogue.preview_distributions", soft_time_limit=600, time_limit=660)
def preview_distributions() -> int:
    """Drain the outbox's preview work. The fetches wait on the network, so they run outside
    any transaction; a preview made twice after a crash does no harm."""
    return outbox.drain(outbox.Kind.PREVIEW, _refresh, batch_size=20, in_transaction=False)


@shared_task(name="catalogue.preview_distribution", soft_time_limit=120, time_limit=150)
def preview_distribution(distribution_id: int) -> None:
    services.preview_refresh(
        distribution_id=distribution_id,
        allow_loopback=settings.PROVCAT_ALLOW_LOOPBACK_FETCH,
        timeout=settings.PROVCAT_PREVIEW_TIMEOUT,
        max_bytes=settings.PROVCAT_PREVIEW_MAX_BYTES,
    )


@shared_task(name="catalogue.preview_sweep", soft_time_limit=1800, time_limit=1860)
def preview_sweep(limit: int = 100, retry_failed: bool = False) -> int:
    """Preview the distributions never previewed, then those tried longest ago (failures are
    tried again after an hour). ``retry_failed`` tries every failed one now: the serve command
    asks for it once the server answers, since the demo's links point at the server itself and
    failed while it was not up yet."""
    if not (settings.PROVCAT_PREVIEWS and settings.PROVCAT_LINK_CHECKS):
        return 0
    failed_before = timezone.now() if retry_failed else None
    due = distributions_due_for_preview(settings.PROVCAT_PREVIEW_MAX_AGE_HOURS, failed_before=failed_before)
    ids = list(due[:limit])
    for distribution_id in ids:
        task_send_quietly(preview_distribution, distribution_id)
    return len(ids)
