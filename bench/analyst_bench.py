"""Analyst bench: search with facet counts, the dataset page, and dataset pages per second.

Run on a copy of the 100k synthetic catalogue (never on provcat_bench itself), after the
search index and the lineage closure are built:

    createdb -h 127.0.0.1 -U postgres -T provcat_bench provcat_bench_analyst
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/provcat_bench_analyst
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py rebuild_lineage
    .venv/bin/python manage.py search_reindex
    .venv/bin/python bench/analyst_bench.py

Everything is measured over HTTP against gunicorn with 2 sync workers and DEBUG off
(static files collected into a temporary directory and served by whitenoise), on
127.0.0.1, as an anonymous visitor:

1. search: 50 realistic queries (words, phrases, facet filters, sorts, deep pages), each
   page with its facet counts, requested one after another, 3 rounds; p50 / p95.
2. the dataset page of a public dataset with 30 fields and 10 lineage neighbours
   (5 sources, 5 derived), 200 sequential requests; p50 / p95.
3. throughput: 20 client threads requesting dataset pages (the one above and 200 other
   public datasets) for a fixed time; pages per second and the latency under that load.

Anonymous dataset pages are kept rendered per dataset version (PROVCAT_PAGE_CACHE_SECONDS,
default 300); run with --page-cache-seconds 0 to measure rendering every request.
"""

import argparse
import http.client
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from catalogue.models import Dataset, SearchEntry  # noqa: E402
from provenance.models import Derivation, LineageEdge  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

# Fifty searches an analyst might type or click: single words, two- and three-word
# queries, phrases, words with facet filters, filters alone, other orders and deep pages.
QUERIES = [
    "/",
    "/?q=population",
    "/?q=hospital+admissions",
    "/?q=road+traffic",
    "/?q=population+estimates",
    "/?q=unemployment",
    "/?q=house+prices",
    "/?q=school+pupils",
    "/?q=crime",
    "/?q=air+quality",
    "/?q=rail+passenger+journeys",
    "/?q=care+home+capacity",
    "/?q=vaccination+uptake",
    "/?q=%22labour+market%22",
    "/?q=broadband+coverage",
    "/?q=greenhouse+gas+emissions",
    "/?q=waiting+times",
    "/?q=local+authority",
    "/?q=deprivation+decile",
    "/?q=london",
    "/?q=wales+2022",
    "/?q=inflation",
    "/?q=migration",
    "/?q=benefit+claimants",
    "/?q=tax+receipts",
    "/?q=flood",
    "/?q=recycling+waste",
    "/?q=energy+consumption",
    "/?q=ambulance+response",
    "/?q=household+income+scotland",
    "/?q=population&theme=SOCI",
    "/?q=traffic&format=CSV",
    "/?q=hospital&publisher=nhse",
    "/?q=schools&frequency=ANNUAL",
    "/?q=population&format=CSV&licence=OGL_3_0",
    "/?q=emissions&quality=none",
    "/?q=statistics&lineage=yes",
    "/?q=records&checks=failing",
    "/?theme=HEAL",
    "/?publisher=ons",
    "/?format=CSV&theme=TRAN",
    "/?checks=failing",
    "/?upstream=failing",
    "/?lineage=yes&access=PUBLIC",
    "/?q=population&sort=modified",
    "/?q=hospital&sort=title",
    "/?sort=title&page=50",
    "/?q=england&page=30",
    "/?sort=quality&page=10",
    "/?q=census&sort=modified&page=20",
]
assert len(QUERIES) == 50


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def fetch(port: int, path: str) -> tuple[int, float, int]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", path, headers={"Accept": "text/html"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, (time.perf_counter() - started) * 1000, len(body)


def thirty_field_dataset() -> Dataset:
    """A public dataset with 30 fields and 10 lineage neighbours (5 sources, 5 derived)."""
    candidates = (
        Dataset.objects.filter(status=Dataset.Status.PUBLISHED, access_rights=Dataset.AccessRights.PUBLIC)
        .annotate(n_fields=django.db.models.Count("fields", distinct=True))
        .filter(n_fields=30)
        .order_by("id")
        .values_list("id", flat=True)[:3000]
    )
    # Neighbours as the page's lineage panel shows them: the closure up to three steps each way.
    for pk in candidates:
        up = LineageEdge.objects.filter(descendant_id=pk, depth__lte=3).count()
        down = LineageEdge.objects.filter(ancestor_id=pk, depth__lte=3).count()
        if up == 5 and down == 5:
            return Dataset.objects.get(pk=pk)
    # None in the catalogue: give the first candidate exactly five sources and five products.
    from provenance.lineage import lineage_process_pending
    from provenance.services import derivation_add

    dataset = Dataset.objects.get(pk=candidates[0])
    others = list(
        Dataset.objects.filter(status=Dataset.Status.PUBLISHED, access_rights=Dataset.AccessRights.PUBLIC)
        .exclude(pk=dataset.pk)
        .exclude(pk__in=LineageEdge.objects.filter(descendant_id=dataset.pk).values("ancestor_id"))
        .exclude(pk__in=LineageEdge.objects.filter(ancestor_id=dataset.pk).values("descendant_id"))
        .order_by("id")[:40]
    )
    for derivation in Derivation.objects.current().filter(derived=dataset)[5:]:
        derivation.valid_to = derivation.valid_from
        derivation.save()
    for derivation in Derivation.objects.current().filter(source=dataset)[5:]:
        derivation.valid_to = derivation.valid_from
        derivation.save()
    while Derivation.objects.current().filter(derived=dataset).count() < 5:
        derivation_add(derived=dataset, source=others.pop(0))
    while Derivation.objects.current().filter(source=dataset).count() < 5:
        derivation_add(derived=others.pop(), source=dataset)
    lineage_process_pending(batch_size=1000)
    return dataset


def start_gunicorn(port: int, static_root: str, page_cache_seconds: int, page_cache_url: str) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        PROVCAT_PAGE_CACHE_SECONDS=str(page_cache_seconds),
        PAGE_CACHE_URL=page_cache_url,
        DEBUG="false",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789abcdef",
        ALLOWED_HOSTS=HOST,
        STATIC_ROOT=static_root,
        SECURE_COOKIES="false",
        LOG_LEVEL="WARNING",
    )
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if fetch(port, "/healthz")[0] in (200, 503):
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8114)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--page-requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--page-cache-seconds",
        type=int,
        default=300,
        help="PROVCAT_PAGE_CACHE_SECONDS for the server (0: render every dataset page)",
    )
    parser.add_argument(
        "--page-cache-url",
        default="redis://127.0.0.1:6379/4",
        help="PAGE_CACHE_URL shared by the workers (emptied first); '' for per-process memory",
    )
    args = parser.parse_args()
    if not settings.IS_POSTGRES:
        sys.exit("Run this on PostgreSQL (DATABASE_URL=postgres://...).")

    n_datasets = Dataset.objects.count()
    n_entries = SearchEntry.objects.count()
    print(f"database {connection.settings_dict['NAME']}: {n_datasets} datasets, {n_entries} search entries")
    dataset = thirty_field_dataset()
    print(
        f"dataset page: /datasets/{dataset.slug}/ ({dataset.fields.count()} fields, lineage within 3 steps: "
        f"{LineageEdge.objects.filter(descendant_id=dataset.pk, depth__lte=3).count()} upstream, "
        f"{LineageEdge.objects.filter(ancestor_id=dataset.pk, depth__lte=3).count()} downstream)"
    )
    rng = random.Random(1)
    public_slugs = list(
        Dataset.objects.filter(status=Dataset.Status.PUBLISHED, access_rights=Dataset.AccessRights.PUBLIC)
        .order_by("?")
        .values_list("slug", flat=True)[:200]
    )
    connection.close()

    with tempfile.TemporaryDirectory() as static_root:
        if args.page_cache_url:
            import redis

            redis.Redis.from_url(args.page_cache_url).flushdb()
        server = start_gunicorn(args.port, static_root, args.page_cache_seconds, args.page_cache_url)
        print(
            f"gunicorn: 2 sync workers, DEBUG off, PROVCAT_PAGE_CACHE_SECONDS={args.page_cache_seconds}, "
            f"PAGE_CACHE_URL={args.page_cache_url or '(per process)'}"
        )
        try:
            # Warm both workers (connections, templates, vocabulary cache).
            for path in QUERIES[:10] + [f"/datasets/{dataset.slug}/"] * 4:
                fetch(args.port, path)

            search_ms = []
            slowest: dict[str, float] = {}
            for _ in range(args.rounds):
                for path in QUERIES:
                    status, elapsed, _size = fetch(args.port, path)
                    assert status == 200, (path, status)
                    search_ms.append(elapsed)
                    slowest[path] = max(slowest.get(path, 0.0), elapsed)
            print(
                f"search ({len(QUERIES)} queries x {args.rounds}, with facet counts): "
                f"p50 {statistics.median(search_ms):.1f} ms, p95 {percentile(search_ms, 95):.1f} ms, "
                f"max {max(search_ms):.1f} ms"
            )
            for path, elapsed in sorted(slowest.items(), key=lambda item: -item[1])[:5]:
                print(f"  slowest: {elapsed:6.1f} ms  {path}")

            page_ms = []
            path = f"/datasets/{dataset.slug}/"
            for _ in range(args.page_requests):
                status, elapsed, size = fetch(args.port, path)
                assert status == 200, status
                page_ms.append(elapsed)
            print(
                f"dataset page (30 fields, 10 lineage neighbours, {size // 1024} KiB), {args.page_requests} requests: "
                f"p50 {statistics.median(page_ms):.1f} ms, p95 {percentile(page_ms, 95):.1f} ms"
            )

            paths = [path] + [f"/datasets/{slug}/" for slug in public_slugs]
            # First visits: every page rendered once (what a cold cache costs), then the load test.
            cold_ms = [fetch(args.port, p)[1] for p in paths[1:]]
            print(
                f"first visit of {len(cold_ms)} other dataset pages (rendered): "
                f"p50 {statistics.median(cold_ms):.1f} ms, p95 {percentile(cold_ms, 95):.1f} ms"
            )
            done, errors, latencies = [0], [0], []
            lock = threading.Lock()
            stop_at = time.monotonic() + args.seconds

            def client(seed: int) -> None:
                local = random.Random(seed)
                while time.monotonic() < stop_at:
                    try:
                        status, elapsed, _ = fetch(args.port, local.choice(paths))
                    except OSError:
                        status, elapsed = 0, 0.0
                    with lock:
                        if status == 200:
                            done[0] += 1
                            latencies.append(elapsed)
                        else:
                            errors[0] += 1

            threads = [threading.Thread(target=client, args=(rng.random(),)) for _ in range(args.clients)]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.monotonic() - started
            print(
                f"throughput ({args.clients} clients, {wall:.0f} s, gunicorn 2 workers): "
                f"{done[0] / wall:.0f} dataset pages/s, {errors[0]} errors, "
                f"latency under load p50 {statistics.median(latencies):.0f} ms, p95 {percentile(latencies, 95):.0f} ms"
            )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
