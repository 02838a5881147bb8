import time

from django.core.management.base import BaseCommand

from provenance.lineage import lineage_compact_indexes, lineage_rebuild_all


class Command(BaseCommand):
    help = "Rebuild the whole lineage closure from the current derivations."

    def add_arguments(self, parser):
        parser.add_argument(
            "--compact-indexes",
            action="store_true",
            help="then rebuild the closure's indexes to their fresh size (PostgreSQL, REINDEX CONCURRENTLY: "
            "readers and writers go on); after a burst of lineage changes left them bloated",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        pairs = lineage_rebuild_all()
        self.stdout.write(f"Lineage closure rebuilt: {pairs} pairs in {time.monotonic() - started:.1f} s.")
        if options["compact_indexes"]:
            started = time.monotonic()
            before, after = lineage_compact_indexes()
            self.stdout.write(
                f"Closure indexes rebuilt: {before / 2**20:.0f} MB -> {after / 2**20:.0f} MB "
                f"in {time.monotonic() - started:.1f} s."
            )
