"""The lineage graph is maintained by real Celery workers, and survives a broker outage."""

import logging

import pytest

from catalogue.actors import system_actor
from catalogue.models import DerivedWork
from config.celery import app
from provenance.models import LineageEdge
from provenance.services import derivation_add
from provenance.tasks import lineage_sweep
from tests.conftest import wait_for


def lineage_waiting(**filters) -> bool:
    return DerivedWork.objects.filter(kind=DerivedWork.Kind.LINEAGE, **filters).exists()


def in_graph(source, derived) -> bool:
    return LineageEdge.objects.filter(ancestor=source, descendant=derived, depth=1).exists()


def use_broker(url: str) -> None:
    """Point this process's Celery producer at ``url``, dropping pooled connections to the old one."""
    app.conf.broker_url = app.conf.broker_write_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.worker
def test_derivation_added_through_the_service_is_put_in_the_graph_by_a_real_worker(celery_worker_process, make_dataset):
    source, derived = make_dataset("Census"), make_dataset("Population estimates")
    derivation_add(
        derived=derived, source=source, user=system_actor("tests")
    )  # commits; the on-commit nudge goes through Redis
    assert wait_for(lambda: in_graph(source, derived))
    assert not lineage_waiting()


@pytest.mark.worker
def test_derivation_added_while_redis_is_down_is_in_the_graph_after_it_returns(
    celery_worker_process, make_dataset, caplog
):
    source, derived = make_dataset("Census"), make_dataset("Population estimates")
    working_broker = app.conf.broker_url
    use_broker("redis://127.0.0.1:1/0")  # nothing listens there: Redis is "down" for this process
    try:
        with caplog.at_level(logging.WARNING):
            derivation = derivation_add(derived=derived, source=source, user=system_actor("tests"))  # must not raise
        assert "Could not queue provenance.lineage_process" in caplog.text
        assert "Connection refused" in caplog.text or "Error 111" in caplog.text  # really unreachable
    finally:
        use_broker(working_broker)  # Redis is back
    assert derivation.pk is not None
    assert lineage_waiting(target_id=derived.pk, source_id=source.pk)
    assert not in_graph(source, derived)

    # No manual step: beat sends the periodic sweep, the worker applies the waiting request.
    lineage_sweep.apply_async()
    assert wait_for(lambda: in_graph(source, derived))
    assert not lineage_waiting()
