"""Write path bench: what one publisher write costs, end to end, on the demo catalogue.

    createdb -h 127.0.0.1 -U postgres provcat_wp                    # once
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/provcat_wp
    .venv/bin/python bench/write_path.py [--runs 30] [--warmup 3] [--fresh]

Runs ``migrate`` and ``load_demo`` (the ~50-dataset demo catalogue), then calls each write
service ``--runs`` times (after ``--warmup`` untimed calls) as the demo's ``ons-editor``:

- dataset save: ``dataset_update`` with a new description;
- fields_replace of 30 rows, the definitions alternating so every row really changes;
- distribution save: an existing distribution's title (access URL unchanged);
- publish: ``dataset_publish`` of a fresh draft (made, with a distribution, before the clock starts);
- an OpenLineage RunEvent COMPLETE, stored as the ingest view stores it (``openlineage_events_store``)
  and applied by the eager task its on-commit nudge runs; input and output are two demo ONS
  datasets named by declared aliases. Two cases: the event adds the derivation (the bench ends
  it, untimed, before each run) and a repeat run whose derivation is already there.

Each call is made outside any transaction, so the service commits and Celery, which must be
eager (no CELERY_BROKER_URL), runs the derived work (quality score, stored RDF, search entries,
lineage closure, the OpenLineage apply) in this process on commit, as the embedded default
does. A run's figures cover the whole call: the service's transaction, its commit and every
on-commit callback. Queries are split at the first on-commit callback into "in the
transaction" and "on commit", and the on-commit ones are attributed to the (innermost) Celery
task running them. Link checks are off (PROVCAT_LINK_CHECKS=false) and any Python socket
connection to an address other than loopback is refused, so nothing leaves the machine.

``--fresh`` first drops everything in the database named by DATABASE_URL (DROP SCHEMA public
CASCADE; PostgreSQL only), so every run starts from the same newly migrated demo catalogue; without it the bench works on whatever the demo
datasets hold (earlier runs leave 30 ``col_*`` fields, new descriptions, published drafts).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["PROVCAT_LINK_CHECKS"] = "false"  # no distribution link is fetched during the bench
if os.environ.get("CELERY_BROKER_URL"):
    sys.exit("Unset CELERY_BROKER_URL: the bench measures the eager default (derived work runs on commit).")

EDITOR = "ons-editor"
ORGANISATION = "ons"
DATASET_SAVE_SLUG = "mid-year-population-estimates"
FIELDS_REPLACE_SLUG = "annual-population-survey"
DISTRIBUTION_SAVE_SLUG = "labour-market-statistics-tables"
OPENLINEAGE_INPUT_SLUG = "wellbeing-survey"
OPENLINEAGE_OUTPUT_SLUG = "employment-dashboard-extract"
OPENLINEAGE_NAMESPACE = "postgresql://warehouse.ons.internal:5432"  # an identifier only: never connected to
ACCESS_URL = "http://127.0.0.1:8000/demo/files/x.csv"
FIELD_ROWS = 30


def _refuse_outside_loopback() -> Counter:
    """Python-level sockets may only reach loopback (or a unix socket); libpq's own connection
    goes to DATABASE_URL's host. Returns the counter of refused attempts, printed at the end."""
    refused: Counter = Counter()
    original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def allowed(address) -> bool:
        if isinstance(address, (str, bytes)):  # AF_UNIX
            return True
        host = str(address[0])
        return host in ("127.0.0.1", "::1", "localhost") or host.startswith("127.")

    def connect(self, address):
        if not allowed(address):
            refused[str(address)] += 1
            raise OSError(f"write_path bench: refused a connection to {address!r}")
        return original_connect(self, address)

    def connect_ex(self, address):
        if not allowed(address):
            refused[str(address)] += 1
            raise OSError(f"write_path bench: refused a connection to {address!r}")
        return original_connect_ex(self, address)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    return refused


REFUSED = _refuse_outside_loopback()

import django  # noqa: E402

django.setup()

from celery.signals import task_postrun, task_prerun  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

# --- The services under test: the only block to adapt when they move ------------------------
# catalogue.services.dataset_create(*, user, organisation, data, keywords=(), themes=()) -> Dataset
# catalogue.services.dataset_update(*, dataset, user, data, expected_revision) -> Dataset
# catalogue.services.fields_replace(*, dataset, user, rows, expected_revision=None) -> list[Field]
# catalogue.services.distribution_save(*, dataset, user, data, distribution=None) -> Distribution
# catalogue.services.dataset_publish(*, dataset, user) -> Dataset
# provenance.openlineage.openlineage_events_store(*, events, user) -> list[OpenLineageEvent]
#   (its on-commit nudge runs the task that applies the event; with eager Celery, in this process)
# provenance.services.dataset_alias_add(*, dataset, namespace, name, user) -> DatasetAlias
# provenance.services.derivation_remove(*, derivation, user=None, when=None) -> None
from catalogue.models import Dataset, Distribution, Organisation  # noqa: E402
from catalogue.services import (  # noqa: E402
    dataset_create,
    dataset_publish,
    dataset_update,
    distribution_save,
    fields_replace,
)
from provenance.models import Derivation, OpenLineageEvent  # noqa: E402
from provenance.openlineage import openlineage_events_store  # noqa: E402
from provenance.services import dataset_alias_add, derivation_remove  # noqa: E402

# ----------------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Sample:
    queries: int
    txn_queries: int
    commit_queries: int
    ms: float
    txn_ms: float
    control: int = 0  # BEGIN, COMMIT, SAVEPOINT... (Django logs them among the queries)
    tasks: Counter = field(default_factory=Counter)  # on-commit queries by Celery task
    task_ms: Counter = field(default_factory=Counter)  # exclusive ms by Celery task


CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}  # first words of transaction statements


class Probe:
    """Times one call and counts its queries, split at the first on-commit callback; the
    on-commit ones are attributed to the innermost Celery task running at the time."""

    def __init__(self):
        self.connection = connections["default"]
        self.stack: list[list] = []  # [task name, started, ms in child tasks, first query, queries in children]
        self.active: Sample | None = None
        self.captured: CaptureQueriesContext | None = None
        task_prerun.connect(self._prerun, weak=False)
        task_postrun.connect(self._postrun, weak=False)

    def _prerun(self, sender=None, task=None, **kwargs):
        if self.active is not None:
            self.stack.append([(task or sender).name, time.perf_counter(), 0.0, len(self.captured), 0])

    def _postrun(self, sender=None, task=None, **kwargs):
        if self.active is None or not self.stack:
            return
        name, started, child_time, first, child_queries = self.stack.pop()
        elapsed, queries = time.perf_counter() - started, len(self.captured) - first
        self.active.task_ms[name] += (elapsed - child_time) * 1000
        self.active.tasks[name] += queries - child_queries
        if self.stack:
            self.stack[-1][2] += elapsed
            self.stack[-1][4] += queries

    def measure(self, call) -> tuple[Sample, object]:
        connection = self.connection
        assert not connection.in_atomic_block, "the bench must call services outside any transaction"
        sample = Sample(0, 0, 0, 0.0, 0.0)
        mark: dict = {}
        original_hooks = connection.run_and_clear_commit_hooks

        def hooks():
            if not mark:
                mark["queries"], mark["at"] = len(captured), time.perf_counter()
            return original_hooks()

        self.active, self.stack = sample, []
        # The log holds at most 9,000 queries; once full, CaptureQueriesContext would count none.
        connection.queries_log.clear()
        connection.run_and_clear_commit_hooks = hooks
        try:
            with CaptureQueriesContext(connection) as captured:
                self.captured = captured
                started = time.perf_counter()
                result = call()
                ended = time.perf_counter()
        finally:
            del connection.run_and_clear_commit_hooks  # back to the class's method
            self.active = self.captured = None
        assert not connection.run_on_commit, "on-commit callbacks left over"
        sample.queries = len(captured)
        sample.control = sum(1 for q in captured.captured_queries if q["sql"].split(" ")[0] in CONTROL)
        sample.txn_queries = mark.get("queries", sample.queries)
        sample.commit_queries = sample.queries - sample.txn_queries
        outside = sample.commit_queries - sum(sample.tasks.values())
        if outside:
            sample.tasks["(on commit, outside a task)"] += outside
        sample.ms = (ended - started) * 1000
        sample.txn_ms = (mark.get("at", ended) - started) * 1000
        return sample, result


@dataclass
class Case:
    name: str
    setup: object  # run i -> the callable to time (its own preparation is untimed)
    check: object = None  # (run i, result) -> None; raises if the write did not happen
    samples: list[Sample] = field(default_factory=list)


def build_cases(editor, organisation: Organisation) -> list[Case]:
    def dataset(slug: str) -> Dataset:
        return Dataset.objects.get(slug=slug)

    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")

    # 1. dataset save
    def save_dataset(i):
        target = dataset(DATASET_SAVE_SLUG)
        text = f"Mid-year estimates of the usually resident population (write-path bench {stamp}, run {i})."
        return lambda: dataset_update(dataset=target, user=editor, data={"description": text}, expected_revision=None)

    def saved_dataset(i, result):
        assert f"run {i})" in dataset(DATASET_SAVE_SLUG).description

    # 2. fields_replace of 30 rows
    def replace_fields(i):
        target = dataset(FIELDS_REPLACE_SLUG)
        version = "A" if i % 2 else "B"
        rows = [
            {
                "name": f"col_{k}",
                "title": f"Column {k}",
                "definition": f"Definition of column {k}, version {version}.",
                "datatype": "string",
            }
            for k in range(FIELD_ROWS)
        ]
        return lambda: fields_replace(dataset=target, user=editor, rows=rows)

    def replaced_fields(i, result):
        version = "A" if i % 2 else "B"
        fields = list(dataset(FIELDS_REPLACE_SLUG).fields.order_by("position"))
        assert len(fields) == FIELD_ROWS and all(f.definition.endswith(f"version {version}.") for f in fields)

    # 3. distribution save
    def save_distribution(i):
        target = dataset(DISTRIBUTION_SAVE_SLUG)
        existing = Distribution.objects.filter(dataset=target).order_by("pk").first()
        data = {"title": f"Labour market tables, CSV (bench run {i})", "access_url": ACCESS_URL}
        return lambda: distribution_save(dataset=target, user=editor, data=data, distribution=existing)

    def saved_distribution(i, result):
        assert Distribution.objects.get(pk=result.pk).title.endswith(f"(bench run {i})")

    # 4. publish a fresh draft (made before the clock starts)
    licence = dataset("census-2021-population").licence

    def publish(i):
        draft = dataset_create(
            user=editor,
            organisation=organisation,
            data={
                "title": f"Write-path bench draft {stamp} {i}",
                "description": "A draft made by bench/write_path.py to time publishing.",
                "licence": licence,
            },
        )
        distribution_save(
            dataset=draft,
            user=editor,
            data={"title": "Bench draft, CSV", "access_url": ACCESS_URL},
        )
        draft = Dataset.objects.get(pk=draft.pk)
        return lambda: dataset_publish(dataset=draft, user=editor)

    def published(i, result):
        assert Dataset.objects.get(pk=result.pk).status == Dataset.Status.PUBLISHED

    # 5. OpenLineage RunEvent COMPLETE, input and output two ONS datasets named by aliases
    source, derived = dataset(OPENLINEAGE_INPUT_SLUG), dataset(OPENLINEAGE_OUTPUT_SLUG)
    names = {source.pk: "ons.wellbeing_survey", derived.pk: "ons.employment_dashboard_extract"}
    for target in (source, derived):
        dataset_alias_add(dataset=target, namespace=OPENLINEAGE_NAMESPACE, name=names[target.pk], user=editor)

    def event() -> dict:
        return {
            "eventType": "COMPLETE",
            "eventTime": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "run": {"runId": str(uuid.uuid4())},
            "job": {"namespace": "ons-pipelines", "name": "build_employment_dashboard_extract"},
            "inputs": [{"namespace": OPENLINEAGE_NAMESPACE, "name": names[source.pk]}],
            "outputs": [{"namespace": OPENLINEAGE_NAMESPACE, "name": names[derived.pk]}],
            "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.24.2/integration/airflow",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        }

    def current_derivation():
        return Derivation.objects.current().filter(derived=derived, source=source).first()

    def openlineage_new(i):
        existing = current_derivation()
        if existing is not None:
            derivation_remove(derivation=existing, user=editor)  # untimed; its closure update runs now
        body = event()
        return lambda: openlineage_events_store(events=[body], user=editor)

    def openlineage_repeat(i):
        body = event()
        return lambda: openlineage_events_store(events=[body], user=editor)

    def applied(i, result):
        stored = OpenLineageEvent.objects.get(pk=result[0].pk)
        assert stored.processed_at is not None, "the event was not applied on commit"
        assert not stored.problems, stored.problems
        assert current_derivation() is not None

    return [
        Case("dataset save (dataset_update)", save_dataset, saved_dataset),
        Case(f"fields_replace, {FIELD_ROWS} rows", replace_fields, replaced_fields),
        Case("distribution save", save_distribution, saved_distribution),
        Case("publish a draft (dataset_publish)", publish, published),
        Case("OpenLineage COMPLETE, new derivation", openlineage_new, applied),
        Case("OpenLineage COMPLETE, repeat run", openlineage_repeat, applied),
    ]


def machine() -> list[str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        nproc = str(os.cpu_count())
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SELECT current_setting('shared_buffers'), current_setting('synchronous_commit')")
        shared_buffers, synchronous_commit = cursor.fetchone()
    import django as _django

    return [
        f"nproc {nproc}; CPU {model}",
        f"{pg_version.split(',')[0]} (shared_buffers {shared_buffers}, synchronous_commit {synchronous_commit})",
        f"Python {platform.python_version()}, Django {_django.get_version()}; "
        f"database {connections['default'].vendor}, Celery eager {settings.CELERY_TASK_ALWAYS_EAGER}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--fresh", action="store_true", help="drop every table of the database first (DROP SCHEMA public CASCADE)"
    )
    args = parser.parse_args()

    if not settings.CELERY_TASK_ALWAYS_EAGER:
        sys.exit("Celery is not eager: unset CELERY_BROKER_URL and CELERY_TASK_ALWAYS_EAGER.")
    if settings.PROVCAT_LINK_CHECKS:
        sys.exit("PROVCAT_LINK_CHECKS must be false during the bench.")

    print(f"started {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC, load average {os.getloadavg()[0]:.2f}", flush=True)
    for line in machine():
        print(line)
    started = time.perf_counter()
    if args.fresh:
        # A new, empty database: flush would also empty the vocabularies the migrations load.
        with connections["default"].cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    print(f"migrate + load_demo: {time.perf_counter() - started:.1f} s; {Dataset.objects.count()} datasets")

    editor = get_user_model().objects.get(username=EDITOR)
    organisation = Organisation.objects.get(slug=ORGANISATION)
    probe = Probe()
    cases = build_cases(editor, organisation)
    for case in cases:
        for i in range(args.warmup + args.runs):
            call = case.setup(i)
            sample, result = probe.measure(call)
            if case.check:
                case.check(i, result)
            if i >= args.warmup:
                case.samples.append(sample)
        times = [s.ms for s in case.samples]
        queries = [s.queries for s in case.samples]
        print(
            f"{case.name}: median {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms, "
            f"{statistics.median(queries):.0f} queries (min {min(queries)}, max {max(queries)}; of which "
            f"{statistics.median([s.control for s in case.samples]):.0f} BEGIN/COMMIT/SAVEPOINT), n={len(times)}",
            flush=True,
        )

    load = os.getloadavg()
    print()
    print(
        f"Each run: the service call outside any transaction, its commit and the eager on-commit work; "
        f"{args.runs} runs after {args.warmup} warm-ups. Load average at the end: "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}."
    )
    print()
    print(
        "| service | median queries | in txn | on commit | median ms | p95 ms | median ms to commit | on-commit work |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for case in cases:
        s = case.samples
        med = lambda values: statistics.median(values)  # noqa: E731
        names = sorted({name for sample in s for name in sample.tasks} | {n for sample in s for n in sample.task_ms})
        work = defaultdict(str)
        for name in names:
            q = med([sample.tasks.get(name, 0) for sample in s])
            t = med([sample.task_ms.get(name, 0.0) for sample in s])
            work[name] = f"{name.split('.')[-1]} {q:.0f} q / {t:.0f} ms"
        print(
            f"| {case.name} | {med([x.queries for x in s]):.0f} | {med([x.txn_queries for x in s]):.0f} | "
            f"{med([x.commit_queries for x in s]):.0f} | {med([x.ms for x in s]):.1f} | "
            f"{percentile([x.ms for x in s], 0.95):.1f} | {med([x.txn_ms for x in s]):.1f} | "
            f"{'; '.join(work[name] for name in names) or '-'} |"
        )
    print()
    for line in machine():
        print(f"- {line}")
    print(f"- connections refused outside loopback: {sum(REFUSED.values())} {dict(REFUSED) or ''}")


if __name__ == "__main__":
    main()
