"""Score datasets again: every dataset (--all), e.g. after a change to the scoring method,
or the ones never scored (a bulk load; what the quality sweep does a little at a time)."""

import time

from django.core.management.base import BaseCommand, CommandError

from catalogue.models import Dataset
from catalogue.quality.services import quality_assess_many, quality_rescore_all


class Command(BaseCommand):
    help = "Score every dataset again (--all), or the datasets never scored (--unscored)."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--all", action="store_true", help="Score every dataset, scored or not.")
        which.add_argument("--unscored", action="store_true", help="Score the datasets never scored.")
        parser.add_argument("--batch-size", type=int, default=500, help="Datasets per pass (one transaction each).")

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        if not (options["all"] or options["unscored"]):
            raise CommandError("Say which datasets: --all or --unscored.")
        started = time.monotonic()

        def progress(done, total):
            if options["verbosity"] >= 2 or done == total or done % 10000 < options["batch_size"]:
                self.stdout.write(f"  {done}/{total} datasets ({time.monotonic() - started:.0f} s)")

        if options["all"]:
            scored = quality_rescore_all(batch_size=options["batch_size"], progress=progress)
        else:
            ids = list(
                Dataset.objects.filter(quality_scored_at__isnull=True).order_by("pk").values_list("pk", flat=True)
            )
            scored = 0
            for start in range(0, len(ids), options["batch_size"]):
                scored += quality_assess_many(ids[start : start + options["batch_size"]])
                progress(scored, len(ids))
        self.stdout.write(self.style.SUCCESS(f"Scored {scored} dataset(s) in {time.monotonic() - started:.1f} s."))
