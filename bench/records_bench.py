"""Stored DCAT-AP records (issue 16, point 2): rebuild speed and memory, page repeats.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/provcat_bench_copy CELERY_BROKER_URL=redis://127.0.0.1:6379/N \\
        .venv/bin/python bench/records_bench.py --before /path/to/worktree-of-the-old-code [--batches 6] [--workers 2]

On a copy of the 100k catalogue (it writes RdfRecord rows). In one run, old and new code on
the same copy, one after the other, each in its own process (``--before`` is a checkout of
the code before the change, sharing this .venv):

1. the whole catalogue with the new code (``rdf_refresh --all --workers N``, as the first
   build after a bulk load: every record created): wall time and the peak RSS of the process
   tree (parent and workers summed, sampled every 0.1 s from /proc);
2. batches of 500 random datasets rebuilt by one process, old and new code alternately, each
   batch's records marked stale first so every record is rewritten (p50/p95 of wall and CPU
   time); then the same with nothing changed (the skip path);
3. the old code on a sample of the whole run: ``rdf_refresh --all`` restricted to a random
   sample, extrapolated to the catalogue (said so in the output);
4. an N-Triples page of 100 served by the old and the new page code: lines and distinct
   triples, and the p50 of serving a page of 100 and of 1,000 in every format (wall and CPU
   time of the serving process), with a digest of each body (equal digests: the same bytes).

``--pages-only`` runs step 4 alone (the records must be built), ``--runs`` times each page,
alternating the trees round by round; ``--old`` adds a third tree (e.g. the page code
before pages stated each triple once).
"""

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

SETUP = """
import os, sys, time, json
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django; django.setup()
def set_compression(method):
    # How the fragments are compressed when written, as each tree's migrations leave it
    # (catalogue 0020 sets lz4): old and new code share one copy of the catalogue.
    from django.db import connection
    if method != "-":
        columns = ", ".join(f"ALTER COLUMN {c} SET COMPRESSION {method}" for c in ("turtle", "ntriples", "jsonld", "rdfxml"))
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE catalogue_rdfrecord {columns}")
"""
# The fragments' compression each tree writes with (see set_compression).
COMPRESSION = {"before": "DEFAULT", "after": "lz4"}

BATCH = (
    SETUP
    + """
from catalogue.dcat.records import rebuild_records
from catalogue.models import RdfRecord
ids = json.loads(sys.argv[1]); stale = sys.argv[2] == "stale"
set_compression(sys.argv[3])
if stale:
    RdfRecord.objects.filter(dataset_pk__in=ids).update(etag="stale")
wall, cpu = time.perf_counter(), time.process_time()
changed = rebuild_records(ids)
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "changed": changed}))
"""
)

PAGE = (
    SETUP
    + """
from django.test import Client
client = Client()
out = {}
def body(url):
    response = client.get(url)
    return b"".join(response.streaming_content).decode()
import hashlib
runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
text = body("/catalog.nt?page_size=100")
lines = text.splitlines()
out["nt100_lines"], out["nt100_distinct"] = len(lines), len(set(lines))
for suffix in ("ttl", "nt", "jsonld", "rdf"):
    for size in (100, 1000):
        walls, cpus = [], []
        for _ in range(runs):
            wall, cpu = time.perf_counter(), time.process_time()
            text = body(f"/catalog.{suffix}?page_size={size}")
            walls.append(time.perf_counter() - wall); cpus.append(time.process_time() - cpu)
        out[f"{suffix}{size}_p50_ms"] = round(sorted(walls)[runs // 2] * 1000, 1)
        out[f"{suffix}{size}_cpu_p50_ms"] = round(sorted(cpus)[runs // 2] * 1000, 1)
        out[f"{suffix}{size}_bytes"] = len(text.encode())
        out[f"{suffix}{size}_sha256"] = hashlib.sha256(text.encode()).hexdigest()[:12]
print(json.dumps(out))
"""
)

SAMPLE_ALL = (
    SETUP
    + """
from catalogue.dcat import records
from catalogue.models import RdfRecord
ids = json.loads(sys.argv[1]); workers = int(sys.argv[2])
set_compression(sys.argv[3])
RdfRecord.objects.filter(dataset_pk__in=ids).delete()  # as in a first build: created, not updated
def sample_all():
    return [ids[i : i + 500] for i in range(0, len(ids), 500)]


import multiprocessing
from django.db import connections
started = time.perf_counter()
if workers > 1:
    connections.close_all()
    def run(batch):
        connections.close_all()
        return records.rebuild_records(batch)
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        changed = sum(pool.imap_unordered(run, sample_all()))
else:
    changed = sum(records.rebuild_records(b) for b in sample_all())
print(json.dumps({"wall": time.perf_counter() - started, "changed": changed}))
"""
)


def tree_rss(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants, in bytes (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
        stack += children.get(current, [])
    return total


def run_measured(cmd: list[str], cwd: Path) -> tuple[float, int, str, float]:
    """Run ``cmd``; its wall time, the peak RSS of its process tree, its output and the CPU
    time (user + system) of it and the workers it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)
    reader.start()
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.1)
    reader.join()
    if process.returncode:
        sys.exit(f"{cmd} failed:\n{''.join(output)}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return time.perf_counter() - started, peak, "".join(output), cpu


def python(tree: Path, code: str, *args: str) -> dict:
    result = subprocess.run(
        [str(HERE / ".venv/bin/python"), "-c", code, *args], cwd=tree, capture_output=True, text=True
    )
    if result.returncode:
        sys.exit(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True, help="checkout of the code before the change")
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=2000, help="datasets the old code rebuilds for step 3")
    parser.add_argument("--skip-all", action="store_true", help="skip step 1 (records already built)")
    parser.add_argument("--pages-only", action="store_true", help="step 4 alone (records already built)")
    parser.add_argument("--runs", type=int, default=5, help="times each page is served per round (step 4)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of step 4, the trees alternating")
    parser.add_argument("--old", type=Path, help="a third tree for step 4 (e.g. before pages stated each triple once)")
    parser.add_argument(
        "--from-empty", action="store_true", help="delete every stored record before step 1 (all are created)"
    )
    parser.add_argument(
        "--same-compression", action="store_true", help="leave the fragments' compression as the copy has it"
    )
    parser.add_argument("--only-all", action="store_true", help="step 1 only")
    args = parser.parse_args()
    compression = {name: "-" for name in COMPRESSION} if args.same_compression else COMPRESSION
    trees = {"before": args.before.resolve(), "after": HERE}
    if args.pages_only:
        pages_step(args, trees)
        return
    rng = random.Random(16)
    print(f"load average at start: {load()}")

    if not args.skip_all:
        python(
            HERE,
            SETUP
            + f"set_compression({compression['after']!r})\n"
            + ("from catalogue.models import RdfRecord; RdfRecord.objects.all().delete()\n" if args.from_empty else "")
            + "print('{}')",
        )
        manage = [str(HERE / ".venv/bin/python"), "manage.py", "rdf_refresh", "--all", "--workers", str(args.workers)]
        load_at_start = load()
        wall, peak, output, cpu = run_measured(manage, HERE)
        print(output.strip().splitlines()[-1])
        print(
            f"1. whole catalogue, new code, {args.workers} workers: {wall:.1f} s, CPU {cpu:.0f} s (all processes), "
            f"peak RSS of the tree {peak / 2**20:.0f} MiB (load {load_at_start} at start, {load()} at end)"
        )
        if args.only_all:
            return

    ids = python(
        HERE,
        SETUP
        + "from catalogue.access import catalogued_datasets\nprint(json.dumps(list(catalogued_datasets().values_list('pk', flat=True))))",
    )
    print(f"   {len(ids)} catalogued datasets")

    for mode in ("stale", "unchanged"):
        results: dict[str, list[dict]] = {"before": [], "after": []}
        for _ in range(args.batches):
            batch = sorted(rng.sample(ids, 500))
            python(HERE, BATCH, json.dumps(batch), "unchanged", "-")  # every record exists before the timed runs
            for name in ("before", "after"):
                results[name].append(python(trees[name], BATCH, json.dumps(batch), mode, compression[name]))
        for name, rows in results.items():
            walls, cpus = [r["wall"] for r in rows], [r["cpu"] for r in rows]
            print(
                f"2. batch of 500 ({mode}), {name}: wall p50 {statistics.median(walls):.2f} s p95 {pct(walls, 0.95):.2f} s, "
                f"CPU p50 {statistics.median(cpus):.2f} s, changed {rows[0]['changed']} (load {load()})"
            )

    sample = sorted(rng.sample(ids, min(args.sample, len(ids))))
    for name in ("before", "after"):
        cmd = [
            str(HERE / ".venv/bin/python"),
            "-c",
            SAMPLE_ALL,
            json.dumps(sample),
            str(args.workers),
            compression[name],
        ]
        wall, peak, output, cpu = run_measured(cmd, trees[name])
        per = wall / len(sample)
        print(
            f"3. {name}: {len(sample)} random records created by {args.workers} workers in {wall:.1f} s, CPU {cpu:.1f} s "
            f"(peak RSS {peak / 2**20:.0f} MiB); extrapolated to {len(ids)} records: {per * len(ids):.0f} s (load {load()})"
        )

    pages_step(args, trees)


def pages_step(args, trees: dict[str, Path]) -> None:
    if args.old:
        trees = {"old": args.old.resolve(), **trees}
    for round_ in range(args.rounds):
        for name, tree in trees.items():
            started = load()
            result = python(tree, PAGE, str(args.runs))
            print(
                f"4. pages, round {round_ + 1}, {name} page code ({tree}): {json.dumps(result)} (load {started} -> {load()})"
            )


if __name__ == "__main__":
    main()
