"""Celery tasks that keep the quality score and the link checks current.

Each change records that the score must be recomputed (Dataset.quality_requested_at,
in the same transaction as the change); the task is only a nudge sent on commit, and
the periodic sweep finishes whatever a nudge missed.
"""

from celery import shared_task
from django.conf import settings
from django.db import transaction

from catalogue.quality import services
from config.celery import task_send_quietly


def quality_request(dataset_ids) -> None:
    """Record that these datasets' scores are out of date, and nudge the task once per transaction."""
    ids = {i for i in dataset_ids if i is not None}
    if not ids:
        return
    services.quality_mark_stale(dataset_ids=ids)
    connection = transaction.get_connection()
    pending = getattr(connection, "_provcat_quality_pending", None)
    callback = getattr(connection, "_provcat_quality_callback", None)
    # A rolled-back transaction drops our callback; start a new batch then.
    if pending is None or not any(entry[1] is callback for entry in connection.run_on_commit):
        pending = set()

        def send(pending=pending):
            connection._provcat_quality_pending = None
            task_send_quietly(quality_score_datasets, sorted(pending))

        connection._provcat_quality_pending = pending
        connection._provcat_quality_callback = send
        pending.update(ids)
        transaction.on_commit(send)
        return
    pending.update(ids)


@shared_task(name="catalogue.quality_score_datasets")
def quality_score_datasets(dataset_ids: list[int]) -> int:
    for dataset_id in dataset_ids:
        services.quality_assess(dataset_id=dataset_id)
    return len(dataset_ids)


@shared_task(name="catalogue.quality_sweep")
def quality_sweep(limit: int = 200) -> int:
    """Score the datasets whose last change was never scored (a lost nudge, a bulk load)."""
    from catalogue.queries import datasets_awaiting_score

    ids = list(datasets_awaiting_score().values_list("pk", flat=True)[:limit])
    for dataset_id in ids:
        services.quality_assess(dataset_id=dataset_id)
    return len(ids)


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
    from catalogue.queries import distributions_due_for_link_check

    ids = list(distributions_due_for_link_check(settings.PROVCAT_LINK_CHECK_MAX_AGE_HOURS)[:limit])
    for distribution_id in ids:
        task_send_quietly(link_check_distribution, distribution_id)
    return len(ids)
