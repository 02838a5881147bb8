"""The publisher's figures on the 100k synthetic catalogue: the quality score and the REST API.

    createdb -h 127.0.0.1 -U postgres -T provcat_bench provcat_bench_publisher
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/provcat_bench_publisher
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/publisher_bench.py [--score 200] [--runs 20]

Prints:
- the time to score one dataset (facts from the database, pyshacl on its DCAT-AP record,
  the MQA computation, the history row), median and 95th percentile over ``--score``
  datasets, and the pure computation alone;
- /api/v1/datasets/ list pages (anonymous, page_size 50 and 200, with filters, a deep
  page): median and p95 wall time and the number of queries per request.
Requests go through Django's test client in this process (no network).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("API_THROTTLE_ANON", "100000/minute")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--score", type=int, default=200)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from catalogue.models import Dataset
    from catalogue.quality import services as quality_services
    from catalogue.quality.facts import facts_for_dataset
    from catalogue.quality.score import score

    total = Dataset.objects.count()
    print(f"datasets: {total:,}")

    ids = list(Dataset.objects.order_by("?").values_list("pk", flat=True)[: args.score])
    timings, pure = [], []
    for pk in ids:
        started = time.perf_counter()
        quality_services.quality_assess(dataset_id=pk)
        timings.append(time.perf_counter() - started)
        facts = facts_for_dataset(Dataset.objects.get(pk=pk), conforms=True)
        started = time.perf_counter()
        score(facts)
        pure.append(time.perf_counter() - started)
    print(
        f"quality_assess per dataset (n={len(ids)}): median {statistics.median(timings) * 1000:.1f} ms, "
        f"p95 {percentile(timings, 0.95) * 1000:.1f} ms; pure score() median "
        f"{statistics.median(pure) * 1e6:.0f} us"
    )
    bands = Dataset.objects.filter(pk__in=ids).values_list("quality_band", flat=True)
    print("bands of the scored sample:", {b: list(bands).count(b) for b in sorted(set(bands))})

    client = Client()
    paths = [
        "/api/v1/datasets/?page_size=50",
        "/api/v1/datasets/?page_size=200",
        "/api/v1/datasets/?page_size=50&theme=HEAL&status=published",
        "/api/v1/datasets/?page_size=50&modified_since=2024-01-01T00:00:00Z",
        "/api/v1/datasets/?page_size=50&page=1000",
        "/api/v1/distributions/?page_size=50",
        "/api/v1/fields/?page_size=50",
    ]
    for path in paths:
        times = []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
        print(
            f"GET {path}: median {statistics.median(times) * 1000:.1f} ms, p95 {percentile(times, 0.95) * 1000:.1f} "
            f"ms, {len(queries)} queries"
        )


if __name__ == "__main__":
    main()
