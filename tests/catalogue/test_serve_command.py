"""`make run`'s two start-up duties for operators: the PostgreSQL database DATABASE_URL names
is created when missing (or the command says how), and stopping the server (SIGTERM, or
Ctrl-C) stops the Celery worker and beat it started, leaving no process behind."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

MANAGE = [sys.executable, "manage.py"]
BROKER = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/15"


def server_params() -> dict:
    """The local PostgreSQL the suite runs on (or, on SQLite, the default local server)."""
    db = settings.DATABASES["default"]
    if settings.IS_POSTGRES:
        return {"user": db["USER"], "password": db["PASSWORD"], "host": db["HOST"], "port": db["PORT"] or 5432}
    return {"user": "postgres", "password": "", "host": "127.0.0.1", "port": 5432}


def manage(env_changes: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(env_changes)
    return subprocess.run(
        [*MANAGE, *args], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR, timeout=timeout
    )


def database_exists(name: str) -> bool:
    with psycopg2.connect(dbname="postgres", **server_params()) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


@pytest.fixture
def throwaway_database():
    name = f"provcat_throwaway_{uuid.uuid4().hex[:12]}"
    yield name
    conn = psycopg2.connect(dbname="postgres", **server_params())
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    conn.close()


def test_a_missing_postgresql_database_is_created_then_found(throwaway_database):
    p = server_params()
    url = f"postgres://{p['user']}:{p['password'] or ''}@{p['host']}:{p['port']}/{throwaway_database}"
    assert not database_exists(throwaway_database)
    first = manage({"DATABASE_URL": url}, "database_create")
    assert first.returncode == 0, first.stderr
    assert f"Created the PostgreSQL database '{throwaway_database}'" in first.stdout
    assert database_exists(throwaway_database)
    again = manage({"DATABASE_URL": url}, "database_create")
    assert again.returncode == 0 and "is there" in again.stdout


def test_an_unreachable_server_is_explained_not_a_traceback():
    out = manage({"DATABASE_URL": "postgres://postgres@127.0.0.1:1/provcat"}, "database_create")
    assert out.returncode == 1
    assert "Cannot reach PostgreSQL for DATABASE_URL (127.0.0.1:1" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_user_who_may_not_create_databases_is_told_how(throwaway_database):
    p = server_params()
    role = f"provcat_nocreate_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(dbname="postgres", **p)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'not-a-secret' NOCREATEDB")
    try:
        url = f"postgres://{role}:not-a-secret@{p['host']}:{p['port']}/{throwaway_database}"
        out = manage({"DATABASE_URL": url}, "database_create")
        assert out.returncode == 1
        assert "could not be created" in out.stderr
        assert f"createdb -h {p['host']} -p {p['port']} -U postgres -O {role} {throwaway_database}" in out.stderr
        assert not database_exists(throwaway_database)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP ROLE {role}")
        admin.close()


# Stopping the server.


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (children, their children, ...), from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    """Running (a zombie, dead but not yet reaped by init, does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory):
    """A database of the serve command's own (the suite's test database may be in memory)."""
    var = tmp_path_factory.mktemp("serve-var")
    out = manage({"PROVCAT_VAR_DIR": str(var), "CELERY_BROKER_URL": ""}, "migrate", "--no-input", timeout=300)
    assert out.returncode == 0, out.stderr
    return var


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_stopping_the_server_stops_the_worker_and_beat_it_started(migrated_sqlite, tmp_path, stop):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({"PROVCAT_VAR_DIR": str(migrated_sqlite), "CELERY_BROKER_URL": BROKER, "PROVCAT_LINK_CHECKS": "false"})
    log = tmp_path / "serve.log"
    server = subprocess.Popen(
        [*MANAGE, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        # Serving, with the worker's main process, its pool and beat running below it.
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, log.read_text()
            celery = {pid for pid in descendants(server.pid) if "celery" in command_line(pid)}
            try:
                answered = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status
            except OSError:
                answered = None
            if answered and len(celery) >= 3:
                break
            assert time.monotonic() < deadline, f"not serving with a worker: {celery}\n{log.read_text()}"
            time.sleep(0.5)
        started = descendants(server.pid)

        server.send_signal(stop)
        assert server.wait(timeout=60) == 0, log.read_text()
        left = {pid: command_line(pid) for pid in started if alive(pid)}
        assert left == {}, log.read_text()
        assert "Stopping the Celery worker and beat" in log.read_text()
    finally:
        if server.poll() is None:
            server.kill()
