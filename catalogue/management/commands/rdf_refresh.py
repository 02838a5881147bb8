"""Rebuild the stored DCAT-AP RDF: waiting requests, or every dataset (--all).

Run --all after bulk loads (catalogue.bulk, e.g. bench/generate.py) or after
changing the mapping.
"""

import time

from django.core.management.base import BaseCommand

from catalogue.dcat.records import rebuild_all, refresh_pending


class Command(BaseCommand):
    help = "Rebuild the stored RDF of datasets with waiting refresh requests, or of every dataset with --all."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Rebuild every dataset's record, not only waiting ones.")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--workers", type=int, default=1, help="Processes for --all (each takes one core).")

    def handle(self, *args, **options):
        started = time.monotonic()
        if options["all"]:

            def progress(done, total):
                if options["verbosity"] >= 2 or done == total or done % 10000 < options["batch_size"]:
                    self.stdout.write(f"  {done}/{total} datasets ({time.monotonic() - started:.0f} s)")

            changed = rebuild_all(batch_size=options["batch_size"], workers=options["workers"], progress=progress)
            refresh_pending()
            self.stdout.write(
                self.style.SUCCESS(
                    f"Rebuilt the RDF of every dataset: {changed} record(s) changed in {time.monotonic() - started:.1f} s."
                )
            )
        else:
            handled = refresh_pending(batch_size=options["batch_size"])
            self.stdout.write(self.style.SUCCESS(f"Handled the refresh requests of {handled} dataset(s)."))
