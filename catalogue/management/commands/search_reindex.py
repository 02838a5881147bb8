"""Rebuild the whole search index after a bulk load (catalogue.bulk), clearing the search work it recorded."""

from django.core.management.base import BaseCommand

from catalogue.search.index import search_reindex_all


class Command(BaseCommand):
    help = "Rebuild every search entry and the facet totals (run after bulk loads)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, batch_size, **options):
        def progress(n):
            if options["verbosity"] > 1:
                self.stdout.write(f"  {n} entries")

        written = search_reindex_all(batch_size=batch_size, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Indexed {written} datasets for search."))
