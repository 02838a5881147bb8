"""Quality scoring before and after (issue 16, point 1), on the 100k synthetic catalogue.

    createdb -h 127.0.0.1 -U postgres -T provcat_bench provcat_bench_scoring
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/provcat_bench_scoring
    export CELERY_BROKER_URL=redis://127.0.0.1:6379/<a db no worker reads>
    .venv/bin/python manage.py migrate
    # the old code (a worktree of the base commit) on a random sample, one at a time:
    .venv/bin/python bench/scoring_bench.py --code /path/to/old/checkout --old --sample 500
    # the new code: the same sample one at a time (a dataset on publish), then everything:
    .venv/bin/python bench/scoring_bench.py --sample 500 --all

Prints, with the load average beside each figure:
- ``--old``: quality_assess per dataset (facts, pyshacl on the record, the history row) on
  ``--sample`` datasets chosen at random with ``--seed``: median, p95, datasets/s, and the
  whole catalogue extrapolated from the rate;
- new: quality_assess_many([id]) per dataset on the same sample (what the outbox drain does
  for one dataset published): median and p95; with ``--all``: manage.py quality_rescore --all
  (batches of ``--batch-size``) over the whole catalogue, timed, and datasets/s.
The old code has no quality_assess_many: ``--code`` points the imports at its checkout.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def sample(n: int, seed: int) -> list[int]:
    from catalogue.models import Dataset

    ids = list(Dataset.objects.order_by("pk").values_list("pk", flat=True))
    return sorted(random.Random(seed).sample(ids, min(n, len(ids))))


def one_at_a_time(label: str, ids: list[int], assess, total: int) -> None:
    timings = []
    cpu = time.process_time()
    for pk in ids:
        started = time.perf_counter()
        assess(pk)
        timings.append(time.perf_counter() - started)
    cpu = time.process_time() - cpu
    rate = len(ids) / sum(timings)
    print(
        f"{label} (n={len(ids)}): median {statistics.median(timings) * 1000:.1f} ms, "
        f"p95 {percentile(timings, 0.95) * 1000:.1f} ms, {rate:.1f} datasets/s, "
        f"CPU of this process {cpu / len(ids) * 1000:.1f} ms each; "
        f"whole catalogue ({total:,}) at that rate: {total / rate / 60:.1f} min (extrapolated) [{load()}]"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--code", help="checkout whose code to import (default: this one)")
    parser.add_argument("--old", action="store_true", help="time quality_assess, the one-at-a-time path")
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--all", action="store_true", help="also re-score the whole catalogue (new code)")
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()

    root = Path(args.code).resolve() if args.code else Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from catalogue.models import Dataset
    from catalogue.quality import services

    total = Dataset.objects.count()
    ids = sample(args.sample, args.seed)
    print(f"code: {root}; datasets: {total:,}; sample of {len(ids)} (seed {args.seed}) [{load()}]")
    if args.old:
        one_at_a_time("old quality_assess per dataset", ids, lambda pk: services.quality_assess(dataset_id=pk), total)
        return
    services.quality_assess_many(ids[:1])  # compile the shapes, warm the imports
    one_at_a_time(
        "new quality_assess_many([id]) per dataset", ids, lambda pk: services.quality_assess_many([pk]), total
    )
    if args.all:
        from django.core.management import call_command

        started, cpu = time.perf_counter(), time.process_time()
        call_command("quality_rescore", "--all", "--batch-size", str(args.batch_size), verbosity=1)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"new quality_rescore --all (batches of {args.batch_size}): {total:,} datasets in {seconds:.0f} s "
            f"({seconds / 60:.1f} min), {total / seconds:.0f} datasets/s, {seconds / total * 1000:.1f} ms each; "
            f"CPU of this process {cpu:.0f} s ({cpu / total * 1000:.1f} ms each; the database's own not counted) "
            f"[{load()}]"
        )


if __name__ == "__main__":
    main()
