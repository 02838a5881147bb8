"""OpenLineage intake bench: what a request costs the web process and what it leaves the worker.

Four modes (DATABASE_URL names the database; use a copy of the bench catalogue, never the
original, and a CELERY_BROKER_URL database no worker reads, so nudges queue and nothing runs):

``request`` (the issue 11 bench; in process, through the Django test client, on any database):

    .venv/bin/python bench/openlineage_intake.py request [--batch 1000] [--fan-out 20 50]

  a batch of ``--batch`` small RunEvents stored in one request, then for each N of
  ``--fan-out`` one COMPLETE RunEvent with N inputs and N outputs, timed in the request and
  then applied as the worker applies it.

``http``: events accepted (201) per second over HTTP, against gunicorn with 2 sync workers
started from ``--root`` (a checkout of the code) on 127.0.0.1:``--port``, by ``--clients``
client processes posting for ``--seconds`` each: batches of ``--batch`` events to
/api/v1/lineage/batch, and (``--batch 1``) single events to /api/v1/lineage. Throttles off.

``apply``: events applied to the graph per second by the code in ``--root``, end to end:
``--events`` COMPLETE RunEvents (one input, one output) stored as the intake stores them, then
applied as one worker applies them (the old code: one event per task, in id order; the new:
batches claimed together), then the lineage closure work they recorded drained once. Events
name catalogued datasets of the copy (an alias is added to a random sample), or with
``--stubs`` a share of new names that become stub datasets; ``--seed`` picks the same datasets
on every copy, so old and new code apply the same events on two copies of one catalogue.

``compare``: ``http`` and ``apply`` for the old code (``--before``, port + 1) and this code,
one after the other on the same database, with the load average beside each figure:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/provcat_bench_h3 CELERY_BROKER_URL=redis://127.0.0.1:6379/3 \\
      .venv/bin/python bench/openlineage_intake.py compare --before /tmp/h3-before --port 8130
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/client/python"
BENCH_USER = "bench-ol"


def _code_root(argv: list[str]) -> Path:
    # --root picks the checkout whose code is imported (the old code for the "before" figures).
    if "--root" in argv:
        return Path(argv[argv.index("--root") + 1]).resolve()
    return HERE


sys.path.insert(0, str(_code_root(sys.argv)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("API_THROTTLE_OPENLINEAGE", "none")
os.environ.setdefault("API_THROTTLE_USER", "none")


def run_event(namespace: str, inputs: list[str], outputs: list[str]) -> dict:
    return {
        "eventType": "COMPLETE",
        "eventTime": datetime.now(UTC).isoformat(),
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": namespace, "name": "nightly_build"},
        "inputs": [{"namespace": namespace, "name": name} for name in inputs],
        "outputs": [{"namespace": namespace, "name": name} for name in outputs],
    }


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def backend_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) the database server process ``pid`` has used, when it runs on
    this machine (/proc); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _django():
    import django

    django.setup()


def bench_token() -> str:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    user, _ = get_user_model().objects.get_or_create(username=BENCH_USER, defaults={"is_superuser": True})
    return Token.objects.get_or_create(user=user)[0].key


# --- request: the issue 11 bench, in process ---------------------------------------------------


def request_mode(args) -> None:
    _django()
    from django.core.management import call_command
    from django.test import Client

    import provenance.openlineage
    from provenance.models import Derivation
    from provenance.openlineage import openlineage_event_apply

    call_command("migrate", verbosity=0)
    provenance.openlineage._nudge = lambda *ids: None  # applied by hand below
    headers = {"HTTP_AUTHORIZATION": f"Bearer {bench_token()}"}
    client = Client()
    print(f"# {platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}")

    run = uuid.uuid4().hex[:8]
    events = [run_event(f"bench://{run}", [f"in_{i}"], [f"out_{i}"]) for i in range(args.batch)]
    body = json.dumps(events)
    started = time.perf_counter()
    response = client.post("/api/v1/lineage/batch", body, content_type="application/json", **headers)
    elapsed = time.perf_counter() - started
    print(
        f"batch of {args.batch} events ({len(body) / 1024:.0f} KB): {response.status_code} "
        f"in {elapsed:.2f} s ({elapsed / args.batch * 1000:.2f} ms per event, in the request)"
    )

    for n in args.fan_out:
        namespace = f"bench://{run}/fan{n}"
        event = run_event(namespace, [f"in_{i}" for i in range(n)], [f"out_{i}" for i in range(n)])
        body = json.dumps(event)
        started = time.perf_counter()
        response = client.post("/api/v1/lineage", body, content_type="application/json", **headers)
        in_request = time.perf_counter() - started
        if response.status_code != 201:
            print(f"{n} x {n} event ({len(body) / 1024:.1f} KB): {response.status_code} {response.content[:200]!r}")
            continue
        started = time.perf_counter()
        openlineage_event_apply(event_id=response.json()["id"])
        applying = time.perf_counter() - started
        made = Derivation.objects.filter(derived__aliases__namespace=namespace).count()
        print(
            f"{n} x {n} event ({len(body) / 1024:.1f} KB): {response.status_code} in {in_request * 1000:.0f} ms "
            f"in the request; applied by the worker in {applying:.1f} s, {made} derivations"
        )


# --- http: accepted events per second against gunicorn -----------------------------------------


def start_gunicorn(root: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DEBUG="false",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789abcdef",
        ALLOWED_HOSTS=HOST,
        SECURE_COOKIES="false",
        LOG_LEVEL="WARNING",
        API_THROTTLE_OPENLINEAGE="none",
        API_THROTTLE_USER="none",
    )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "config.wsgi", "--workers", "2", "--bind", f"{HOST}:{port}", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=root, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def _client(job: tuple) -> tuple[int, int, int, list[float]]:
    """One client process: post the same-shaped body until the time is up; (events accepted,
    requests answered 201, other answers, latencies)."""
    port, token, batch, seconds, seed = job
    tag = f"bench-http://{seed}"
    if batch == 1:
        path, body = "/api/v1/lineage", json.dumps(run_event(tag, ["in_0"], ["out_0"]))
    else:
        events = [run_event(tag, [f"in_{i}"], [f"out_{i}"]) for i in range(batch)]
        path, body = "/api/v1/lineage/batch", json.dumps(events)
    # As behind the TLS-terminating proxy Provcat expects with DEBUG off (config/settings.py).
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}", "X-Forwarded-Proto": "https"}
    accepted = ok = failed = 0
    latencies = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        answer = response.read()
        conn.close()
        latencies.append(time.perf_counter() - started)
        if response.status == 201:
            ok += 1
            accepted += json.loads(answer)["accepted"]
        else:
            failed += 1
    return accepted, ok, failed, latencies


def http_figures(port: int, token: str, batch: int, clients: int, seconds: float) -> dict:
    with multiprocessing.get_context("spawn").Pool(clients) as pool:
        started = time.perf_counter()
        results = pool.map(_client, [(port, token, batch, seconds, i) for i in range(clients)])
        elapsed = time.perf_counter() - started
    latencies = sorted(x for *_, found in results for x in found)
    accepted = sum(r[0] for r in results)
    return {
        "batch": batch,
        "clients": clients,
        "events_per_s": round(accepted / elapsed),
        "requests_201": sum(r[1] for r in results),
        "other_answers": sum(r[2] for r in results),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1) if latencies else None,
        "load": load(),
    }


def http_mode(args) -> list[dict]:
    _django()
    token = bench_token()
    from django.db import connection

    connection.close()  # never stay connected while the server runs
    server = start_gunicorn(_code_root(sys.argv) if args.root else HERE, args.port)
    rows = []
    try:
        for batch in args.batches:
            row = http_figures(args.port, token, batch, args.clients, args.seconds)
            print(json.dumps(row), flush=True)
            rows.append(row)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


# --- apply: events applied to the graph per second, end to end ---------------------------------


def _aliased_sample(count: int, tag: str, seed: int | None = None) -> list[str]:
    """``count`` random catalogued datasets given an alias under ``bench-apply://<tag>``; with
    ``seed``, the same datasets on every copy of the catalogue (old and new code alike)."""
    from catalogue.models import Dataset
    from provenance.models import DatasetAlias

    if seed is None:
        ids = list(Dataset.objects.order_by("?").values_list("id", flat=True)[:count])
    else:
        ids = random.Random(seed).sample(sorted(Dataset.objects.values_list("id", flat=True)), count)
    names = [f"ds_{pk}" for pk in ids]
    DatasetAlias.objects.bulk_create(
        [
            DatasetAlias(namespace=f"bench-apply://{tag}", name=name, dataset_id=pk)
            for name, pk in zip(names, ids, strict=True)
        ]
    )
    return names


def apply_mode(args) -> dict:
    _django()
    from django.db import connection

    import provenance.openlineage as ol
    from provenance.lineage import lineage_process_pending
    from provenance.models import Derivation, OpenLineageEvent

    ol._nudge = lambda *ids: None  # the bench is the worker
    from django.contrib.auth import get_user_model

    token = bench_token()
    user = get_user_model().objects.get(auth_token__key=token)
    # Whatever an earlier run (or the http mode) stored and nobody applied is not this run's work.
    OpenLineageEvent.objects.filter(processed_at__isnull=True, failed_at__isnull=True).delete()
    tag = uuid.uuid4().hex[:8]
    rng = random.Random(tag if args.seed is None else args.seed)
    catalogued = _aliased_sample(2 * args.events, tag, args.seed)
    namespace = f"bench-apply://{tag}"
    events = []
    for i in range(args.events):
        source = catalogued[2 * i]
        output = f"stub_{i}" if rng.random() < args.stubs else catalogued[2 * i + 1]
        events.append(run_event(namespace, [source], [output]))
    for start in range(0, len(events), 100):
        ol.openlineage_events_store(events=events[start : start + 100], user=user)
    batched = hasattr(ol, "openlineage_events_apply_pending")
    load_before = load()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM provenance_lineageedge")
        closure_before = cursor.fetchone()[0]
        cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT 0")
        backend = cursor.fetchone()[0]
    db_started = backend_cpu(backend)
    started, cpu_started = time.perf_counter(), time.process_time()
    if batched:
        while ol.openlineage_events_apply_pending(limit=args.apply_batch):
            pass
    else:  # one task per event, in id order, as the old nudges queued them
        pending = OpenLineageEvent.objects.filter(processed_at__isnull=True, failed_at__isnull=True)
        for event_id in pending.order_by("id").values_list("id", flat=True):
            ol.openlineage_event_apply(event_id=event_id)
    applied, applied_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    db_applied = backend_cpu(backend)
    lineage_process_pending(batch_size=1000)
    while lineage_process_pending(batch_size=1000):
        pass
    total, total_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    db_total = backend_cpu(backend)
    mine = OpenLineageEvent.objects.filter(job_namespace=namespace)
    made = Derivation.objects.filter(activity__name=f"{namespace}/nightly_build").count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM provenance_lineageedge")
        closure = cursor.fetchone()[0]
    row = {
        "code": "batched" if batched else "event by event",
        "events": args.events,
        "stubs": args.stubs,
        "applied_s": round(applied, 2),
        "closure_s": round(total - applied, 2),
        "end_to_end_s": round(total, 2),
        "events_per_s": round(args.events / total),
        # CPU of this process (the worker's Python; the database's own work is not in it).
        "applied_cpu_s": round(applied_cpu, 2),
        "closure_cpu_s": round(total_cpu - applied_cpu, 2),
        # CPU of the database server process serving it (same machine only; None elsewhere).
        "applied_db_cpu_s": None if db_started is None else round(db_applied - db_started, 2),
        "closure_db_cpu_s": None if db_started is None else round(db_total - db_applied, 2),
        "processed": mine.filter(processed_at__isnull=False).count(),
        "failed": mine.filter(failed_at__isnull=False).count(),
        "derivations": made,
        "closure_rows": closure,
        "closure_rows_added": closure - closure_before,
        "load_before": load_before,
        "load": load(),
    }
    print(json.dumps(row), flush=True)
    return row


# --- compare: old and new, one after the other ---------------------------------------------------


def compare_mode(args) -> None:
    script = str(Path(__file__).resolve())
    print(f"# {platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}; load {load()}")
    for label, root, port in (("before", args.before, args.port + 1), ("after", args.after or str(HERE), args.port)):
        common = [sys.executable, script]
        http_args = ["http", "--root", root, "--port", str(port), "--clients", str(args.clients)]
        http_args += ["--seconds", str(args.seconds), "--batches", *map(str, args.batches)]
        print(f"## {label} ({root}): http", flush=True)
        subprocess.run(common + http_args, check=True)
        for stubs in args.stub_shares:
            print(f"## {label} ({root}): apply, stubs {stubs}", flush=True)
            apply_args = ["apply", "--root", root, "--events", str(args.events), "--stubs", str(stubs)]
            apply_args += [] if args.seed is None else ["--seed", str(args.seed)]
            subprocess.run(common + apply_args, check=True, cwd=root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["request", "http", "apply", "compare"], nargs="?", default="request")
    parser.add_argument("--root", default="", help="the checkout whose code runs (default: this one)")
    parser.add_argument("--before", default="/tmp/h3-before", help="compare: the checkout of the old code")
    parser.add_argument("--after", default="", help="compare: the checkout of the new code (default: this one)")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--fan-out", type=int, nargs="*", default=[20, 50])
    parser.add_argument("--port", type=int, default=8130)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--batches", type=int, nargs="*", default=[100, 1])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--stubs", type=float, default=0.0, help="apply: share of outputs that are new names")
    parser.add_argument("--stub-shares", type=float, nargs="*", default=[0.0, 0.2])
    parser.add_argument("--apply-batch", type=int, default=500)
    parser.add_argument(
        "--seed", type=int, default=None, help="apply: the same events on every copy (old and new code)"
    )
    args = parser.parse_args()
    {"request": request_mode, "http": http_mode, "apply": apply_mode, "compare": compare_mode}[args.mode](args)


if __name__ == "__main__":
    main()
