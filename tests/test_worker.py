"""A task sent through Redis runs on a real Celery worker process and writes to the database."""

import pytest

from catalogue.models import WorkerHeartbeat
from catalogue.tasks import worker_heartbeat
from tests.conftest import wait_for


@pytest.mark.worker
def test_task_sent_through_redis_runs_on_a_real_worker(celery_worker_process):
    result = worker_heartbeat.apply_async(kwargs={"hostname": "ci-worker"})
    assert not result.id.startswith("eager")  # really sent, not run in-process

    beat = wait_for(lambda: WorkerHeartbeat.objects.filter(hostname="ci-worker").first())
    assert beat.seen_at is not None
    assert celery_worker_process.poll() is None  # the worker is still alive and did the work
