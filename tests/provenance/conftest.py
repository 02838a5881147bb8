import pytest

from catalogue.actors import system_actor
from provenance.services import derivation_add


@pytest.fixture
def derive(django_capture_on_commit_callbacks):
    """Record derivations through the service and let the on-commit nudge run (eager Celery)."""

    def make(*pairs, **extra):
        extra.setdefault("user", system_actor("tests"))
        with django_capture_on_commit_callbacks(execute=True):
            return [derivation_add(derived=derived, source=source, **extra) for source, derived in pairs]

    return make
