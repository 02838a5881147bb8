"""Lineage bench: closure rebuild, incremental updates, queries vs a recursive CTE, OpenLineage ingestion.

Run on a copy of the 100k synthetic catalogue (never on provcat_bench itself):

    createdb -h 127.0.0.1 -U postgres -T provcat_bench provcat_bench_lineage
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/provcat_bench_lineage .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/provcat_bench_lineage .venv/bin/python bench/lineage_bench.py

Run it with CELERY_BROKER_URL pointing at a Redis database no worker reads (e.g.
redis://127.0.0.1:6379/2, flushed afterwards): the other apps' on-commit nudges (RDF, quality,
search) then queue up instead of running eagerly inside the timings, as they would go to a
worker in production. The lineage work is not left to a worker: the bench switches the lineage
nudges off and runs the worker's part itself right after each change, so it times
(1) the service call (derivation_add, or the POST answered 201) and (2) the closure update.

The incremental part ends the derivations it added (valid_to), so the current graph is as it
found it; the OpenLineage part leaves its events, stub datasets and derivations in the copy.
"""

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from catalogue.actors import system_actor  # noqa: E402
from catalogue.models import Dataset  # noqa: E402
from provenance import queries  # noqa: E402
from provenance.lineage import DERIVATION, EDGE, lineage_process_pending, lineage_rebuild_all  # noqa: E402
from provenance.models import Derivation, LineageEdge  # noqa: E402
from provenance.services import derivation_add, derivation_remove  # noqa: E402


class Report(list):
    """Lines of the report, printed as they come so a long run shows progress."""

    def append(self, line: str) -> None:
        print(line, flush=True)
        super().append(line)


def ms(seconds: float) -> float:
    return seconds * 1000


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


CLOSURE_DOWN = (
    f"SELECT descendant_id, depth FROM {EDGE} WHERE ancestor_id = %s AND depth <= %s "
    f"ORDER BY depth, descendant_id LIMIT 501"
)
CLOSURE_UP = (
    f"SELECT ancestor_id, depth FROM {EDGE} WHERE descendant_id = %s AND depth <= %s "
    f"ORDER BY depth, ancestor_id LIMIT 501"
)
CTE_DOWN = (
    f"WITH RECURSIVE walk(node, depth) AS ("
    f" SELECT derived_id, 1 FROM {DERIVATION} WHERE source_id = %s AND valid_to IS NULL"
    f" UNION"
    f" SELECT d.derived_id, w.depth + 1 FROM walk w JOIN {DERIVATION} d"
    f"   ON d.source_id = w.node AND d.valid_to IS NULL WHERE w.depth < %s"
    f") SELECT node, MIN(depth) FROM walk GROUP BY node ORDER BY 2, 1 LIMIT 501"
)
CTE_UP = (
    f"WITH RECURSIVE walk(node, depth) AS ("
    f" SELECT source_id, 1 FROM {DERIVATION} WHERE derived_id = %s AND valid_to IS NULL"
    f" UNION"
    f" SELECT d.source_id, w.depth + 1 FROM walk w JOIN {DERIVATION} d"
    f"   ON d.derived_id = w.node AND d.valid_to IS NULL WHERE w.depth < %s"
    f") SELECT node, MIN(depth) FROM walk GROUP BY node ORDER BY 2, 1 LIMIT 501"
)


def run_sql(sql: str, params: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Answer sizes at depth 20. Above 500 the answer is paged (first page of 500), but the CTE
# still has to walk everything to order it nearest first; those buckets get fewer samples.
BUCKETS = ((1, 10, 1), (11, 100, 1), (101, 500, 1), (501, 5000, 0.2), (5001, 10**9, 0.1))


def sample_datasets(rng: random.Random, direction: str, count: int, low: int, high: int) -> list[int]:
    """Datasets whose answer at depth 20 in ``direction`` has between ``low`` and ``high`` datasets."""
    column = "ancestor_id" if direction == "down" else "descendant_id"
    rows = run_sql(
        f"SELECT {column} FROM {EDGE} WHERE depth <= 20 GROUP BY {column} HAVING COUNT(*) BETWEEN %s AND %s",
        [low, high],
    )
    ids = sorted(row[0] for row in rows)
    rng.shuffle(ids)
    return ids[:count]


def db_ms(sql: str, params: list) -> float:
    """The query's execution time inside PostgreSQL (EXPLAIN ANALYZE, no per-node timing), in ms."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return plan[0]["Execution Time"]


def query_row(label: str, depth: int, closure_t, cte_t, answer_t, closure_db, cte_db) -> str:
    return (
        f"| {label} | {depth} | {ms(pct(closure_t, 50)):.2f} | {ms(pct(closure_t, 95)):.2f} | "
        f"{ms(pct(cte_t, 50)):.2f} | {ms(pct(cte_t, 95)):.2f} | {pct(cte_t, 50) / pct(closure_t, 50):.1f}x | "
        f"{pct(cte_t, 95) / pct(closure_t, 95):.1f}x | {pct(closure_db, 50):.3f} | {pct(cte_db, 50):.3f} | "
        f"{pct(cte_db, 50) / pct(closure_db, 50):.1f}x | {pct(cte_db, 95) / pct(closure_db, 95):.1f}x | "
        f"{ms(pct(answer_t, 50)):.2f} | {ms(pct(answer_t, 95)):.2f} |"
    )


def bench_queries(rng: random.Random, samples: int, lines: list[str]) -> None:
    lines.append("")
    lines.append(f"Queries (up to {samples} random datasets per direction and answer size at depth 20;")
    lines.append("closure = one index scan of the closure table; CTE = recursive SQL over derivations per request;")
    lines.append("in-DB = execution time inside PostgreSQL (EXPLAIN ANALYZE), without the round trip;")
    lines.append(
        "answer = provenance.queries.downstream()/upstream(): closure + access filter + failed checks + edges,"
    )
    lines.append("as the API and pages use it, for an anonymous user). Times in ms.")
    lines.append("")
    lines.append(
        "| direction, answer size at depth 20 (datasets sampled) | depth | closure p50 | closure p95 | CTE p50 | "
        "CTE p95 | ratio p50 | ratio p95 | in-DB closure p50 | in-DB CTE p50 | in-DB ratio p50 | in-DB ratio p95 | "
        "answer p50 | answer p95 |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    anon = AnonymousUser()
    for direction in ("down", "up"):
        closure_sql, cte_sql = (CLOSURE_DOWN, CTE_DOWN) if direction == "down" else (CLOSURE_UP, CTE_UP)
        query = queries.downstream if direction == "down" else queries.upstream
        for low, high, share in BUCKETS:
            ids = sample_datasets(rng, direction, max(5, int(samples * share)), low, high)
            if not ids:
                continue
            datasets = {d.pk: d for d in Dataset.objects.filter(pk__in=ids).select_related("publisher")}
            for depth in (1, 3, 20):
                closure_t, cte_t, answer_t, closure_db, cte_db = [], [], [], [], []
                for pk in ids:
                    t1, closure_rows = timed(run_sql, closure_sql, [pk, depth])
                    t2, cte_rows = timed(run_sql, cte_sql, [pk, depth])
                    if sorted(closure_rows) != sorted(cte_rows):
                        raise SystemExit(f"closure and CTE disagree for dataset {pk} at depth {depth}")
                    t3, _ = timed(query, anon, datasets[pk], depth=depth, limit=500)
                    closure_t.append(t1)
                    cte_t.append(t2)
                    answer_t.append(t3)
                    closure_db.append(db_ms(closure_sql, [pk, depth]))
                    cte_db.append(db_ms(cte_sql, [pk, depth]))
                label = (
                    f"{direction}stream, {low}-{high} ({len(ids)})"
                    if high < 10**9
                    else f"{direction}stream, over {low - 1} ({len(ids)})"
                )
                lines.append(query_row(label, depth, closure_t, cte_t, answer_t, closure_db, cte_db))
    # The biggest hub: the answer is paged (500 per page), the CTE must still walk everything.
    hub_id, hub_count = run_sql(
        f"SELECT ancestor_id, COUNT(*) FROM {EDGE} GROUP BY ancestor_id ORDER BY COUNT(*) DESC LIMIT 1", []
    )[0]
    hub = Dataset.objects.select_related("publisher").get(pk=hub_id)
    closure_t, cte_t, answer_t, closure_db, cte_db = [], [], [], [], []
    for _ in range(10):
        closure_t.append(timed(run_sql, CLOSURE_DOWN, [hub_id, 20])[0])
        cte_t.append(timed(run_sql, CTE_DOWN, [hub_id, 20])[0])
        answer_t.append(timed(queries.downstream, anon, hub, depth=20, limit=500)[0])
        closure_db.append(db_ms(CLOSURE_DOWN, [hub_id, 20]))
        cte_db.append(db_ms(CTE_DOWN, [hub_id, 20]))
    label = f"downstream of the biggest hub ({hub_count:,}), first page of 500 (10 runs)"
    lines.append(query_row(label, 20, closure_t, cte_t, answer_t, closure_db, cte_db))


def prewarm(lines: list[str]) -> None:
    """Load the closure and the derivations, tables and indexes, into shared buffers (pg_prewarm),
    so both sides are measured hot, as on a server that has been answering for a while."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
    relations = run_sql(
        "SELECT c.relname FROM pg_class c WHERE c.relname = ANY(%s) "
        "UNION SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = ANY(%s)",
        [[EDGE, DERIVATION], [EDGE, DERIVATION]],
    )
    blocks = sum(run_sql("SELECT pg_prewarm(%s)", [name])[0][0] for (name,) in relations)
    buffers = run_sql("SHOW shared_buffers", [])[0][0]
    lines.append(f"Prewarmed {len(relations)} relations, {blocks * 8 / 1024:,.0f} MB (shared_buffers {buffers}).")


def bench_uniform(rng: random.Random, count: int, lines: list[str]) -> None:
    """Depth-20 downstream for datasets drawn uniformly from the whole catalogue: the query mix as it comes."""
    ids = [row[0] for row in run_sql(f"SELECT id FROM {Dataset._meta.db_table} ORDER BY id", [])]
    sample = rng.sample(ids, min(count, len(ids)))
    closure_t, cte_t, closure_db, cte_db, sizes = [], [], [], [], []
    for pk in sample:
        t1, closure_rows = timed(run_sql, CLOSURE_DOWN, [pk, 20])
        t2, cte_rows = timed(run_sql, CTE_DOWN, [pk, 20])
        if sorted(closure_rows) != sorted(cte_rows):
            raise SystemExit(f"closure and CTE disagree for dataset {pk} at depth 20")
        closure_t.append(t1)
        cte_t.append(t2)
        closure_db.append(db_ms(CLOSURE_DOWN, [pk, 20]))
        cte_db.append(db_ms(CTE_DOWN, [pk, 20]))
        sizes.append(len(closure_rows))
    lines.append("")
    lines.append(
        f"Depth-20 downstream, {len(sample):,} datasets drawn uniformly from the catalogue "
        f"({sum(1 for n in sizes if n > 500)} of them with answers over 500). Times in ms:"
    )
    lines.append("")
    lines.append("| measure | closure | CTE | ratio |")
    lines.append("|---|---|---|---|")
    for name, ours, theirs, scale in (
        ("round trip", closure_t, cte_t, 1000),
        ("in-DB", closure_db, cte_db, 1),
    ):
        for label, value in (
            ("p50", lambda v: pct(v, 50)),
            ("p95", lambda v: pct(v, 95)),
            ("p99", lambda v: pct(v, 99)),
            ("max", max),
            ("mean", lambda v: sum(v) / len(v)),
        ):
            a, b = value(ours) * scale, value(theirs) * scale
            lines.append(f"| {name} {label} | {a:.3f} | {b:.3f} | {b / a:.1f}x |")


def add_and_apply(source_id: int, derived_id: int) -> tuple[float, float, Derivation]:
    """derivation_add (the service: cycle check, request row, commit), then the worker's closure update."""
    t_service, derivation = timed(
        derivation_add,
        derived=Dataset(pk=derived_id, title=str(derived_id)),
        source=Dataset(pk=source_id, title=str(source_id)),
        user=system_actor("lineage-bench"),
    )
    t_graph, applied = timed(lineage_process_pending)
    if not applied or not LineageEdge.objects.filter(ancestor_id=source_id, descendant_id=derived_id, depth=1).exists():
        raise SystemExit("the derivation is not in the closure after the update")
    return t_service, t_graph, derivation


def bench_incremental(rng: random.Random, count: int, hub_count_adds: int, lines: list[str]) -> None:
    # The closure update is applied here, right after the service call, to time the two parts;
    # the outbox's on-commit nudge goes to the Redis of CELERY_BROKER_URL, which no worker reads.
    ids = list(Dataset.objects.values_list("pk", flat=True))
    added: list[Derivation] = []
    service, graph = [], []
    refused = 0
    while len(graph) < count:
        source_id, derived_id = rng.sample(ids, 2)
        try:
            t_service, t_graph, derivation = add_and_apply(source_id, derived_id)
        except ValidationError:  # a cycle or an existing derivation: refused, try another pair
            refused += 1
            if refused > 10 * count:
                raise
            continue
        service.append(t_service)
        graph.append(t_graph)
        added.append(derivation)
    total = [a + b for a, b in zip(service, graph, strict=True)]
    lines.append("")
    lines.append(f"Incremental update, {count} random new derivations (ms):")
    lines.append("")
    lines.append("| case | closure update median | p95 | max | service + update median | p95 | max |")
    lines.append("|---|---|---|---|---|---|---|")

    def row(name, graph_t, total_t):
        lines.append(
            f"| {name} | {ms(statistics.median(graph_t)):.1f} | {ms(pct(graph_t, 95)):.1f} | {ms(max(graph_t)):.1f} | "
            f"{ms(statistics.median(total_t)):.1f} | {ms(pct(total_t, 95)):.1f} | {ms(max(total_t)):.1f} |"
        )

    row("random pair", graph, total)

    hub_id, hub_count = run_sql(
        f"SELECT ancestor_id, COUNT(*) FROM {EDGE} GROUP BY ancestor_id ORDER BY COUNT(*) DESC LIMIT 1", []
    )[0]
    hub_descendants = set(LineageEdge.objects.filter(ancestor_id=hub_id).values_list("descendant_id", flat=True))
    hub_ancestors = set(LineageEdge.objects.filter(descendant_id=hub_id).values_list("ancestor_id", flat=True))
    outsiders = [pk for pk in ids if pk not in hub_descendants and pk not in hub_ancestors and pk != hub_id]
    rng.shuffle(outsiders)
    below_g, below_t, above_g, above_t = [], [], [], []
    for _ in range(hub_count_adds):
        # below: the hub (feeding hub_count datasets) gets one more derived dataset
        t_service, t_graph, derivation = add_and_apply(hub_id, outsiders.pop())
        below_g.append(t_graph)
        below_t.append(t_service + t_graph)
        added.append(derivation)
        # above: a new source for the hub, so every one of its descendants gains an ancestor
        t_service, t_graph, derivation = add_and_apply(outsiders.pop(), hub_id)
        above_g.append(t_graph)
        above_t.append(t_service + t_graph)
        added.append(derivation)
    row(f"below the biggest hub (feeds {hub_count:,}): hub -> new dataset", below_g, below_t)
    row(f"above the biggest hub: new source -> hub ({hub_count:,}+ new pairs)", above_g, above_t)

    removal = []
    for derivation in reversed(added):
        t_service, _ = timed(derivation_remove, derivation=derivation, user=system_actor("lineage-bench"))
        t_graph, _ = timed(lineage_process_pending)
        removal.append(t_graph)
    lines.append(
        f"| removal of the {len(added)} bench derivations (region recompute) | {ms(statistics.median(removal)):.1f} | "
        f"{ms(pct(removal, 95)):.1f} | {ms(max(removal)):.1f} | | | |"
    )
    lines.append("")
    lines.append(
        "Service = derivation_add as a web request runs it (cycle check over the derivations, request row, "
        "the other apps' signal work, commit; their on-commit nudges go to Redis). "
        "Closure update = lineage_process_pending(), what the worker runs on the lineage nudge."
    )


def post_events(client: Client, token: str, namespace: str, pairs: list[tuple[str, str]]) -> tuple[float, list[float]]:
    """POST one COMPLETE event per (input name, output name), applying each right after its 201."""
    import provenance.openlineage

    answered = []
    started = time.perf_counter()
    for i, (input_name, output_name) in enumerate(pairs):
        event = {
            "eventType": "COMPLETE",
            "eventTime": datetime.now(UTC).isoformat(),
            "producer": "https://example.gov/lineage-bench",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": str(uuid.uuid4())},
            "job": {"namespace": namespace, "name": f"job-{i}"},
            "inputs": [{"namespace": namespace, "name": input_name}],
            "outputs": [{"namespace": namespace, "name": output_name}],
        }
        posted = time.perf_counter()
        response = client.post(
            "/api/v1/lineage", json.dumps(event), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        answered.append(time.perf_counter() - posted)
        if response.status_code != 201:
            raise SystemExit(f"event refused: {response.status_code} {response.content[:300]!r}")
        provenance.openlineage.openlineage_event_apply(event_id=response.json()["id"])
        lineage_process_pending()
    elapsed = time.perf_counter() - started
    from provenance.models import DatasetAlias, OpenLineageEvent

    aliases = dict(DatasetAlias.objects.filter(namespace=namespace).values_list("name", "dataset_id"))
    in_graph = sum(
        LineageEdge.objects.filter(ancestor_id=aliases[source], descendant_id=aliases[derived], depth=1).exists()
        for source, derived in pairs
    )
    problems = OpenLineageEvent.objects.filter(job_namespace=namespace).exclude(problems=[]).count()
    if in_graph != len(pairs) or problems:
        raise SystemExit(f"{in_graph}/{len(pairs)} derivations in the closure, {problems} events with problems")
    return elapsed, answered


def bench_openlineage(rng: random.Random, count: int, lines: list[str]) -> None:
    import provenance.openlineage
    from provenance.models import DatasetAlias

    user, _ = get_user_model().objects.get_or_create(
        username="lineage-bench", defaults={"is_superuser": True, "is_staff": True}
    )
    token = Token.objects.get_or_create(user=user)[0].key
    # The worker's part runs right here after each 201: apply the stored event, update the closure.
    provenance.openlineage._nudge = lambda ids: None
    client = Client()
    run = uuid.uuid4().hex[:8]
    lines.append("")
    lines.append(
        f"OpenLineage ingestion end to end, {count} COMPLETE events per row (in process: POST through "
        f"the Django view to its 201, then the worker's part - apply the stored event and update the closure - "
        f"run right after each):"
    )
    lines.append("")
    lines.append("| datasets named in the events | events/s end to end | POST answered (201) p50 | p95 |")
    lines.append("|---|---|---|---|")
    # Pipelines the catalogue knows, running again: aliases declared on both ends of existing
    # derivations (the steady state: each run is an activity, the derivation is already there).
    known = rng.sample(list(Derivation.objects.current().values_list("source_id", "derived_id")[:50000]), count)
    names = {pk: f"dataset-{pk}" for pair in known for pk in pair}
    DatasetAlias.objects.bulk_create(
        [DatasetAlias(namespace=f"known-{run}", name=name, dataset_id=pk) for pk, name in names.items()]
    )
    elapsed, answered = post_events(client, token, f"known-{run}", [(names[s], names[d]) for s, d in known])
    lines.append(
        f"| catalogued, re-run of an existing derivation | {count / elapsed:.0f} | {ms(pct(answered, 50)):.1f} ms | "
        f"{ms(pct(answered, 95)):.1f} ms |"
    )
    # New pipelines: every dataset unknown, one chain table-0 -> table-1 -> ... of stubs.
    chain = [(f"table-{i}", f"table-{i + 1}") for i in range(count)]
    elapsed, answered = post_events(client, token, f"unknown-{run}", chain)
    lines.append(
        f"| unknown, a new derivation between stub datasets (one chain) | {count / elapsed:.0f} | "
        f"{ms(pct(answered, 50)):.1f} ms | {ms(pct(answered, 95)):.1f} ms |"
    )


def closure_size() -> dict:
    """The closure on disk (table + indexes, table alone) and PostgreSQL's live/dead row counts for it."""
    time.sleep(1)  # this backend's table statistics reach pg_stat_user_tables within a second
    run_sql("SELECT pg_stat_clear_snapshot()", [])
    total, heap, live, dead, vacuums, options = run_sql(
        "SELECT pg_total_relation_size(c.oid), pg_relation_size(c.oid), s.n_live_tup, s.n_dead_tup, "
        "s.autovacuum_count + s.vacuum_count, c.reloptions FROM pg_class c "
        "JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relname = %s",
        [EDGE],
    )[0]
    pairs = run_sql(f"SELECT COUNT(*) FROM {EDGE}", [])[0][0]
    load = os.getloadavg()[0]
    return {
        "total": total,
        "heap": heap,
        "live": live,
        "dead": dead,
        "vacuums": vacuums,
        "pairs": pairs,
        "options": options,
        "load": load,
    }


def bench_sweep(rng: random.Random, lines: list[str]) -> None:
    """The periodic lineage sweep, called as Celery beat calls it (provenance.tasks.lineage_sweep), while
    a second connection reads depth-20 downstreams of random datasets the whole time."""
    from provenance.tasks import lineage_sweep  # the code under test: the branch's, or the base's

    ids = [row[0] for row in run_sql(f"SELECT ancestor_id FROM {EDGE} WHERE depth = 1 LIMIT 5000", [])]
    done = threading.Event()
    reads: list[float] = []
    failures: list[str] = []

    def reader() -> None:
        try:
            while not done.is_set():
                started = time.perf_counter()
                with connections["default"].cursor() as cursor:
                    cursor.execute(CLOSURE_DOWN, [rng.choice(ids), 20])
                    cursor.fetchall()
                reads.append(time.perf_counter() - started)
        except Exception as error:  # reported in the table, not hidden
            failures.append(repr(error))
        finally:
            connections["default"].close()

    thread = threading.Thread(target=reader)
    thread.start()
    load = os.getloadavg()[0]
    t, result = timed(lineage_sweep)
    done.set()
    thread.join()
    compacted = result.get("compacted")
    lines.append("")
    lines.append(
        f"Lineage sweep as the beat runs it: {t:.1f} s (load {load:.1f}); compaction: "
        + (
            f"{compacted['before'] / 2**20:,.0f} -> {compacted['after'] / 2**20:,.0f} MB (table "
            f"{compacted['heap_after'] / 2**20:,.0f}, indexes {compacted['indexes_after'] / 2**20:,.0f}; "
            f"a fresh build of the live pairs estimated at {compacted['fresh'] / 2**20:,.0f} MB, "
            f"indexes rebuilt: {compacted['reindexed']})"
            if compacted
            else "none"
        )
    )
    if reads:
        lines.append(
            f"Reads during the sweep (second connection, depth-20 downstream): {len(reads):,} answered, "
            f"p50 {ms(pct(reads, 50)):.1f} ms, p95 {ms(pct(reads, 95)):.1f} ms, max {ms(max(reads)):.1f} ms, "
            f"{len(failures)} failed{': ' + failures[0] if failures else ''}"
        )


class Sizes:
    """Closure size after each step of the run, relative to the size as found (a freshly built closure)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.rows: list[tuple[str, dict]] = []

    def snap(self, label: str) -> None:
        size = closure_size()
        self.rows.append((label, size))
        print(f"  closure {label}: {size['total'] / 2**20:,.0f} MB, {size['dead']:,} dead rows", flush=True)

    def settle(self, seconds: int) -> None:
        """Wait (up to ``seconds``) for autovacuum to visit the closure, as it would on a server between bursts."""
        started = time.perf_counter()
        before = closure_size()["vacuums"]
        while time.perf_counter() - started < seconds:
            size = closure_size()
            if size["vacuums"] > before and size["dead"] < max(1000, size["live"] // 100):
                break
            time.sleep(9)
        self.snap(f"after waiting up to {seconds} s for autovacuum ({time.perf_counter() - started:.0f} s)")

    def report(self) -> None:
        fresh = self.rows[0][1]["total"]
        lines = self.lines
        lines.append("")
        lines.append(f"Closure size through the run (reloptions: {self.rows[-1][1]['options'] or 'none'}):")
        lines.append("")
        lines.append(
            "| after | pairs | table + indexes MB | x as found | table MB | dead rows (pg_stat) | vacuums | load 1 min |"
        )
        lines.append("|---|---|---|---|---|---|---|---|")
        for label, size in self.rows:
            lines.append(
                f"| {label} | {size['pairs']:,} | {size['total'] / 2**20:,.0f} | {size['total'] / fresh:.2f}x | "
                f"{size['heap'] / 2**20:,.0f} | {size['dead']:,} | {size['vacuums']} | {size['load']:.1f} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--adds", type=int, default=200)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--hub-adds", type=int, default=10, help="derivations added below and above the biggest hub")
    parser.add_argument("--uniform", type=int, default=2000, help="datasets drawn uniformly for the query-mix figures")
    parser.add_argument("--prewarm", action="store_true", help="pg_prewarm the closure and derivations first")
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument(
        "--parts",
        default="queries,uniform,incremental,openlineage",
        help="comma-separated parts, run in this order; 'sizes' (first) prints the closure's size on disk "
        "after each part, 'settle' waits for autovacuum, 'sweep' runs the periodic lineage sweep (and its compaction)",
    )
    parser.add_argument("--settle", type=int, default=300, help="seconds the settle part waits at most")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("run the bench on PostgreSQL (DATABASE_URL=postgres://...)")
    rng = random.Random(args.seed)
    n_datasets = Dataset.objects.count()
    n_derivations = Derivation.objects.current().count()
    lines = Report()
    lines.append(f"{n_datasets:,} datasets, {n_derivations:,} current derivations, PostgreSQL, seed {args.seed}.")
    parts = args.parts.split(",")
    sizes = Sizes(lines) if "sizes" in parts else None
    if sizes:
        sizes.snap("as found (built fresh)")
    if not args.skip_rebuild:
        t, pairs = timed(lineage_rebuild_all)
        lines.append(f"Full rebuild (manage.py rebuild_lineage): {pairs:,} closure pairs in {t:.1f} s")
        if sizes:
            sizes.snap("full rebuild")
    else:
        lines.append(f"Closure: {LineageEdge.objects.count():,} pairs (rebuild skipped)")
    if args.prewarm:
        prewarm(lines)
    steps = {
        "queries": lambda: bench_queries(rng, args.samples, lines),
        "uniform": lambda: bench_uniform(rng, args.uniform, lines),
        "incremental": lambda: bench_incremental(rng, args.adds, args.hub_adds, lines),
        "openlineage": lambda: bench_openlineage(rng, args.events, lines),
        "sweep": lambda: bench_sweep(rng, lines),
    }
    for part in parts:
        if part == "settle" and sizes:
            sizes.settle(args.settle)
        elif part in steps:
            steps[part]()
            if sizes:
                sizes.snap(part)
    if sizes:
        sizes.report()


if __name__ == "__main__":
    main()
