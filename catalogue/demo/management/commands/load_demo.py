from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from catalogue.demo.loader import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Load the demo catalogue (idempotent: a second run changes nothing)."

    def handle(self, *args, **options):
        # The demo's download links point at the server, which is not answering while the
        # demo loads: checking them now would only record failures. `make run` (the serve
        # command) checks them once the server is up.
        with override_settings(PROVCAT_LINK_CHECKS=False):
            created = demo_load(self.stdout)
        if created:
            summary = ", ".join(f"{count} {kind}" for kind, count in created.items())
            self.stdout.write(self.style.SUCCESS(f"Demo catalogue loaded: {summary}."))
        else:
            self.stdout.write("Demo catalogue already loaded; nothing changed.")
        self.finish_queued_work()
        self.stdout.write(
            f"Sign in as 'admin' (site administrator) or '<organisation>-editor' / '<organisation>-viewer' "
            f"(e.g. ons-editor), password '{DEMO_PASSWORD}'."
        )

    def finish_queued_work(self):
        """Do now what the loading queued for the workers: the lineage graph, stored RDF,
        search entries and quality scores. With a worker (CELERY_BROKER_URL) the demo is then
        whole the moment the server answers, not a few seconds later once the worker has
        caught up; the worker's queued nudges then find nothing left. Every step is the
        workers' own idempotent sweep, so running it beside a worker is safe. Eagerly (no
        broker) it all ran during the load and these find nothing to do."""
        from catalogue.dcat.tasks import rdf_refresh_sweep
        from catalogue.quality.tasks import quality_sweep
        from catalogue.search.tasks import search_index_sweep
        from provenance.tasks import lineage_sweep

        lineage_sweep()
        while quality_sweep():
            pass
        # After the scores: both show them (the quality facet; dqv in the RDF).
        search_index_sweep()
        rdf_refresh_sweep()
