"""Celery tasks of the catalogue core: the worker heartbeat and the outbox sweep."""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.utils import timezone

from catalogue import outbox
from catalogue.models import WorkerHeartbeat


@shared_task(name="catalogue.worker_heartbeat")
def worker_heartbeat(hostname: str | None = None) -> str:
    """Record that a worker is alive and can write to the database."""
    name = hostname or worker_heartbeat.request.hostname or "eager"
    WorkerHeartbeat.objects.update_or_create(hostname=name, defaults={"seen_at": timezone.now()})
    return name


@worker_ready.connect
def _heartbeat_when_ready(sender=None, **kwargs) -> None:
    """/healthz shows a new worker from its start, not only after beat's first minute."""
    try:
        worker_heartbeat(hostname=getattr(sender, "hostname", None) or "worker")
    except Exception:  # the database is not there yet: beat's heartbeat will follow
        logging.getLogger("provcat.tasks").warning("Could not record the worker's first heartbeat", exc_info=True)


@shared_task(name="catalogue.outbox_sweep")
def outbox_sweep() -> dict:
    """Periodic: drain the outbox work that no nudge reached (Redis down, a worker killed)."""
    return outbox.sweep()
