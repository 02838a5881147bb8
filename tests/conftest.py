"""Shared fixtures: the named personas and a small catalogue to act on.

- ``alice``: admin of the Office for Health Statistics (ohs)
- ``bob``: editor at ohs
- ``vera``: viewer at ohs
- ``charlie``: signed in, no membership anywhere
- ``anon``: not signed in
"""

import socket

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from rest_framework.test import APIClient

from catalogue.models import Dataset, Membership, Organisation, VocabularyTerm


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    # Tests run tasks in-process unless they go through a real worker on purpose.
    from config.celery import app

    app.conf.task_always_eager = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield


@pytest.fixture(autouse=True)
def _commits_run_on_commit_work(request, monkeypatch):
    """Tests on the ``db`` fixture run inside a transaction that never commits, so the
    outbox's on-commit nudges would never run and derived state (search entries, stored
    records, scores, the lineage closure) would never follow a write. Here, when the
    outermost atomic block the code under test opened closes without an error (in
    production: the commit), the callbacks waiting for that commit run, exactly as they
    would after a real one. Transactional tests commit for real and need none of this."""
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        return
    from django.db import transaction
    from django.db.transaction import Atomic

    original_exit = Atomic.__exit__

    def exit_and_run_commit_hooks(self, exc_type, exc_value, traceback):
        result = original_exit(self, exc_type, exc_value, traceback)
        connection = transaction.get_connection(self.using)
        committed = exc_type is None and not self._from_testcase
        if committed and connection.atomic_blocks and all(b._from_testcase for b in connection.atomic_blocks):
            while connection.run_on_commit:
                waiting, connection.run_on_commit = connection.run_on_commit, []
                for _, callback, _ in waiting:
                    callback()
        return result

    monkeypatch.setattr(Atomic, "__exit__", exit_and_run_commit_hooks)


@pytest.fixture(autouse=True)
def _own_rate_limit_counters(settings):
    """Every test client is 127.0.0.1, so rate limits would count across tests (and across
    parallel workers, in the shared Redis). Each test counts in its own process-memory
    cache instead, and talks to no Redis it did not ask for; tests/test_rate_limits.py puts
    the configured shared cache back to test the limits themselves."""
    import uuid

    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex},
    }


@pytest.fixture(autouse=True)
def _no_link_checks(settings):
    # Saving a distribution nudges a link check of its URLs; tests that want one switch it on
    # (and serve the links from 127.0.0.1), so no test reaches outside by accident.
    settings.PROVCAT_LINK_CHECKS = False


@pytest.fixture(autouse=True)
def _controlled_vocabularies(request):
    """Transactional tests (live_server, real workers) empty every table when they end,
    including the vocabularies the migrations loaded; put them back for such tests."""
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        import importlib

        from django.apps import apps

        request.getfixturevalue("transactional_db")
        migration = importlib.import_module("catalogue.migrations.0003_load_vocabularies")
        if not VocabularyTerm.objects.exists():
            migration.load_vocabularies(apps, None)


@pytest.fixture
def ohs(db):
    return Organisation.objects.create(name="Office for Health Statistics", slug="ohs", abbreviation="OHS")


@pytest.fixture
def dft(db):
    return Organisation.objects.create(name="Department for Transport", slug="dft", abbreviation="DfT")


def _user(username, **extra):
    return get_user_model().objects.create_user(username, f"{username}@example.gov", "correct-horse-battery", **extra)


@pytest.fixture
def alice(ohs):
    user = _user("alice")
    Membership.objects.create(user=user, organisation=ohs, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def bob(ohs):
    user = _user("bob")
    Membership.objects.create(user=user, organisation=ohs, role=Membership.Role.EDITOR)
    return user


@pytest.fixture
def vera(ohs):
    user = _user("vera")
    Membership.objects.create(user=user, organisation=ohs, role=Membership.Role.VIEWER)
    return user


@pytest.fixture
def charlie(db):
    return _user("charlie")


@pytest.fixture
def anon():
    return AnonymousUser()


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        if user is not None and user.is_authenticated:
            client.force_login(user)
        return client

    return make


def client_as(user):
    """A REST client authenticated as ``user`` (anonymous for None)."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def term(scheme, code):
    return VocabularyTerm.objects.get(scheme=scheme, code=code)


@pytest.fixture
def make_dataset(ohs):
    def make(title="Hospital admissions", *, publisher=None, status=Dataset.Status.PUBLISHED, **fields):
        from catalogue import services
        from catalogue.actors import system_actor

        fields.setdefault("description", f"{title}: counts by region and month.")
        fields.setdefault("licence", term("licence", "OGL_3_0"))
        return services.dataset_import(
            user=system_actor("tests"),
            organisation=publisher or ohs,
            data={"title": title, "status": status, **fields},
        )

    return make


def _real_services_configured(settings) -> bool:
    return settings.IS_POSTGRES and bool(settings.CELERY_BROKER_URL)


@pytest.fixture
def celery_worker_process(transactional_db, settings, tmp_path):
    """A real Celery worker process on the configured Redis broker, reading and writing
    the test database. Tasks must be sent with ``apply_async`` while this runs; the
    fixture switches eager mode off for the test.

    Needs PostgreSQL and Redis (the test database must be reachable from another
    process), which is how `.ci/run` runs the suite.
    """
    import os
    import subprocess
    import sys
    import time

    from django.db import connection

    from config.celery import app

    if not _real_services_configured(settings):
        pytest.skip("needs DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://... (as .ci/run sets)")

    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    queue = f"provcat-test-{os.getpid()}-{time.monotonic_ns()}"
    log = tmp_path / "worker.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=info",
        ],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_default_queue = queue
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Celery worker did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield process
    finally:
        app.conf.task_always_eager = True
        app.conf.task_default_queue = settings.CELERY_TASK_DEFAULT_QUEUE
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for(predicate, timeout=30.0, interval=0.2):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


@pytest.fixture
def keep_test_connection():
    # Called as a plain WSGI app, Django would close the test's database connection at the
    # end of each request (its test client switches this off the same way).
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def no_sockets(monkeypatch):
    """Any attempt to open a connection fails the test: own links must not use the network."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a socket was opened: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)


class CommittingClient(APIClient):
    """Runs each request's on-commit callbacks, as a real commit would: derived work (a score,
    a preview) is done by the task the outbox nudges when the change commits."""

    capture = None

    def generic(self, *args, **kwargs):
        with self.capture(execute=True):
            return super().generic(*args, **kwargs)


@pytest.fixture
def committing_api(bob, django_capture_on_commit_callbacks):
    """The REST API as bob, with each request's on-commit work run."""
    client = CommittingClient()
    client.capture = staticmethod(django_capture_on_commit_callbacks)
    client.force_authenticate(bob)
    return client
