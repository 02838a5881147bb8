import time

from django.core.management.base import BaseCommand

from provenance.lineage import lineage_rebuild_all


class Command(BaseCommand):
    help = "Rebuild the whole lineage closure from the current derivations."

    def handle(self, *args, **options):
        started = time.monotonic()
        pairs = lineage_rebuild_all()
        self.stdout.write(f"Lineage closure rebuilt: {pairs} pairs in {time.monotonic() - started:.1f} s.")
