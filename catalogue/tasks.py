"""Celery tasks of the catalogue core: the worker heartbeat and the outbox sweep."""

from celery import shared_task
from django.utils import timezone

from catalogue import outbox
from catalogue.models import WorkerHeartbeat


@shared_task(name="catalogue.worker_heartbeat")
def worker_heartbeat(hostname: str | None = None) -> str:
    """Record that a worker is alive and can write to the database."""
    name = hostname or worker_heartbeat.request.hostname or "eager"
    WorkerHeartbeat.objects.update_or_create(hostname=name, defaults={"seen_at": timezone.now()})
    return name


@shared_task(name="catalogue.outbox_sweep")
def outbox_sweep() -> dict:
    """Periodic: drain the outbox work that no nudge reached (Redis down, a worker killed)."""
    return outbox.sweep()
