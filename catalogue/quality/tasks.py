"""Celery tasks that keep the quality score and the link checks current.

Changes record quality and link-check work in the outbox (catalogue.outbox) in their own
transaction; these tasks drain it when nudged after commit, and the outbox sweep drains
whatever a nudge missed. The sweeps here catch what no change recorded: datasets never
scored (bulk loads) and links not checked for too long.
"""

from celery import shared_task
from django.conf import settings

from catalogue import outbox
from catalogue.models import Dataset
from catalogue.quality import services
from catalogue.queries import distributions_due_for_link_check
from config.celery import task_send_quietly

# Datasets scored per pass: the facts and records of a batch are gathered in a fixed number
# of queries, so bigger batches mean fewer round trips (and more memory per pass).
SCORING_BATCH = 500


def _assess(rows) -> None:
    services.quality_assess_many(outbox.targets(rows))


@shared_task(name="catalogue.quality_score_datasets")
def quality_score_datasets() -> int:
    """Drain the outbox's quality work: score the datasets it names."""
    return outbox.drain(outbox.Kind.QUALITY, _assess, batch_size=SCORING_BATCH)


@shared_task(name="catalogue.quality_sweep")
def quality_sweep(limit: int = 200) -> int:
    """Score datasets that were never scored (loaded in bulk, past the services)."""
    ids = list(
        Dataset.objects.filter(quality_scored_at__isnull=True).order_by("pk").values_list("pk", flat=True)[:limit]
    )
    for start in range(0, len(ids), SCORING_BATCH):
        services.quality_assess_many(ids[start : start + SCORING_BATCH])
    return len(ids)


def _check_links(rows) -> None:
    for distribution_id in outbox.targets(rows):
        link_check_distribution(distribution_id)


@shared_task(name="catalogue.link_check_distributions", soft_time_limit=600, time_limit=660)
def link_check_distributions() -> int:
    """Drain the outbox's link-check work. The requests wait on the network, so they run
    outside any transaction; a check repeated after a crash does no harm."""
    return outbox.drain(outbox.Kind.LINK_CHECK, _check_links, batch_size=20, in_transaction=False)


@shared_task(name="catalogue.link_check_distribution", soft_time_limit=120, time_limit=150)
def link_check_distribution(distribution_id: int) -> None:
    services.link_check_record(
        distribution_id=distribution_id,
        allow_loopback=settings.PROVCAT_ALLOW_LOOPBACK_FETCH,
        timeout=settings.PROVCAT_LINK_CHECK_TIMEOUT,
    )


@shared_task(name="catalogue.link_check_sweep")
def link_check_sweep(limit: int = 100) -> int:
    """Check the links never checked, or checked longest ago."""
    if not settings.PROVCAT_LINK_CHECKS:
        return 0
    ids = list(distributions_due_for_link_check(settings.PROVCAT_LINK_CHECK_MAX_AGE_HOURS)[:limit])
    for distribution_id in ids:
        task_send_quietly(link_check_distribution, distribution_id)
    return len(ids)
