"""Deep pages of the REST dataset list (issue 16, point 5): numbered pages against cursor pages.

    createdb -h 127.0.0.1 -U postgres -T provcat_bench provcat_bench_pages
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/provcat_bench_pages
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/api_pages_bench.py [--runs 20] [--label after] [--walk] [--ckan] [--cursor-only] [--plain]

Before and after in one run: run the script from a worktree of the old commit (it has no
cursor pages; the script notices and times numbered pages only), then from this one, on
the same database (see bench/README.md).

Prints, for an anonymous caller and for an editor of the largest publisher (created on the
copy if missing: ``bench-editor``), median and p95 wall time and the queries of
``GET /api/v1/datasets/?page_size=50`` at page 1, 100, 1000 and the last page:
- by number (``&page=N``);
- by cursor (``&cursor=`` then ``next``): the walk goes to the last page, the URLs at those
  depths are kept and each is then requested ``--runs`` times, as the numbered ones are;
  with ``--walk``, also the median, p95 and maximum over every request of the walk;
- the same for ``&theme=HEAL`` and ``&ordering=title``.
``--cursor-only`` times the cursor pages alone (the numbered pages are still read once to
seed them); ``--plain`` only the list without a filter or an ordering.
With ``--ckan``: ``/api/3/action/package_search?rows=50&start=N`` at the same depths (an
OFFSET by contract: figures only).
Requests go through Django's test client in this process (no network). The load average
is printed with each table: the machine is shared.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("API_THROTTLE_ANON", "1000000/minute")
os.environ.setdefault("API_THROTTLE_USER", "1000000/minute")
os.environ.setdefault("API_THROTTLE_CKAN", "1000000/minute")

SIZE = 50
DEPTHS = (1, 100, 1000)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(client, url: str, runs: int) -> tuple[float, float, float, int]:
    """Median and p95 wall time in ms, median CPU time of this process in ms (the load of
    other processes does not count in it; the database's work does not either), and the
    queries of the last request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, cpu = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started, used = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
        assert response.status_code == 200, (url, response.status_code, response.content[:200])
    return statistics.median(times) * 1000, percentile(times, 0.95) * 1000, statistics.median(cpu) * 1000, len(queries)


def row(label: str, figures: tuple[float, float, float, int]) -> None:
    median, p95, cpu, queries = figures
    print(f"| {label} | {median:.1f} ms | {p95:.1f} ms | {cpu:.1f} ms | {queries} | {load()} |", flush=True)


def has_cursor_pages(client) -> bool:
    return "count" not in client.get("/api/v1/datasets/?page_size=1&cursor=").json()


def cursor_walk(client, query: str) -> tuple[dict[object, str], list[float], int]:
    """Walk every cursor page: the URLs at the depths (and 'last'), each request's time, pages."""
    url = f"/api/v1/datasets/?page_size={SIZE}{query}&cursor="
    kept, times, depth = {}, [], 0
    while url:
        depth += 1
        if depth in DEPTHS:
            kept[depth] = url
        started = time.perf_counter()
        body = client.get(url).json()
        times.append(time.perf_counter() - started)
        kept["last"] = url
        url = body["next"]
    return kept, times, depth


def tokens(urls: dict[object, str]) -> dict[object, list[str]]:
    return {depth: parse_qs(urlsplit(url).query, keep_blank_values=True)["cursor"] for depth, url in urls.items()}


def seeded(client, query: str, last: int) -> dict[object, str]:
    """The cursor URLs a walk reaches at the depths, without walking: page d's cursor points
    after the last dataset of page d - 1, read from the numbered page (the walks list the same
    datasets in the same order: tests/catalogue/test_api_cursor.py; ``--walk`` checks it)."""
    from catalogue.api.pagination import key_for, position_encode
    from catalogue.api.views import DatasetViewSet
    from catalogue.models import Dataset

    terms = ["title", "pk"] if "ordering=title" in query else DatasetViewSet.default_ordering
    columns = key_for(Dataset, terms)
    first = f"/api/v1/datasets/?page_size={SIZE}{query}&cursor="
    kept = {1: first} if last > 1 else {}
    for depth in [*(d for d in DEPTHS if 1 < d < last), last]:
        before = client.get(f"/api/v1/datasets/?page_size={SIZE}{query}&page={depth - 1}").json() if depth > 1 else None
        if before is None:
            kept["last"] = first
            continue
        dataset = Dataset.objects.get(slug=before["results"][-1]["slug"])
        kept[depth if depth != last else "last"] = f"{first}{position_encode(columns, dataset, backwards=False)}"
    return kept


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--label", default="")
    parser.add_argument("--walk", action="store_true", help="also time every request of each cursor walk")
    parser.add_argument("--ckan", action="store_true", help="also time CKAN package_search at the same depths")
    parser.add_argument(
        "--cursor-only", action="store_true", help="time cursor pages only (numbered pages still seed them)"
    )
    parser.add_argument("--plain", action="store_true", help="only the list without filter or ordering")
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client

    from catalogue.models import Dataset, Membership, Organisation

    biggest = Organisation.objects.annotate(n=Count("datasets")).order_by("-n").first()
    editor, _ = get_user_model().objects.get_or_create(username="bench-editor")
    Membership.objects.get_or_create(user=editor, organisation=biggest, defaults={"role": Membership.Role.EDITOR})
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(editor)
    cursor = has_cursor_pages(anonymous)
    print(
        f"{args.label}: datasets {Dataset.objects.count():,}; editor of {biggest.slug} ({biggest.n:,}); "
        f"cursor pages: {'yes' if cursor else 'no'}; runs {args.runs}; load {load()}"
    )
    print("| Request | Median | p95 | CPU (median) | Queries | Load (1, 5, 15 min) |")
    print("|---|---|---|---|---|---|")
    for who, client in (("anonymous", anonymous), ("editor", signed_in)):
        for query in ("",) if args.plain else ("", "&theme=HEAL", "&ordering=title"):
            total = client.get(f"/api/v1/datasets/?page_size=1{query}").json()["count"]
            last = math.ceil(total / SIZE)
            for depth in [] if args.cursor_only and cursor else [*(d for d in DEPTHS if d < last), last]:
                name = "last" if depth == last else depth
                url = f"/api/v1/datasets/?page_size={SIZE}{query}&page={depth}"
                row(f"{args.label} {who} `page={depth}`{query} ({name})", timed(client, url, args.runs))
            if not cursor:
                continue
            if args.walk and who == "anonymous" and query == "":
                started = time.perf_counter()
                kept, times, pages = cursor_walk(client, query)
                walked = time.perf_counter() - started
                assert pages == last and tokens(kept) == tokens(seeded(client, query, last)), (pages, last)
                print(
                    f"| {args.label} {who} cursor walk{query}: {pages:,} pages in {walked:.1f} s | "
                    f"{statistics.median(times) * 1000:.1f} ms | {percentile(times, 0.95) * 1000:.1f} ms "
                    f"(max {max(times) * 1000:.1f}) | | | {load()} |",
                    flush=True,
                )
            for depth, url in seeded(client, query, last).items():
                shown = last if depth == "last" else depth
                row(f"{args.label} {who} cursor page {shown}{query}", timed(client, url, args.runs))
    if args.ckan:
        total = anonymous.get("/api/3/action/package_search?rows=0").json()["result"]["count"]
        for start in (0, 99 * SIZE, 999 * SIZE, (math.ceil(total / SIZE) - 1) * SIZE):
            url = f"/api/3/action/package_search?rows={SIZE}&start={start}&facet=false"
            row(f"{args.label} CKAN package_search rows={SIZE}&start={start}", timed(anonymous, url, args.runs))


if __name__ == "__main__":
    main()
