from django.conf import settings
from django.core.management.base import BaseCommand

from catalogue import outbox
from catalogue.demo.loader import DEMO_PASSWORD, demo_load
from catalogue.demo.rebase import demo_rebase
from catalogue.search.tasks import search_index_sweep


class Command(BaseCommand):
    help = "Load the demo catalogue (idempotent: a second run changes nothing)."

    def handle(self, *args, **options):
        # The demo's download links point at this site, which is not serving yet while the demo
        # loads; their link checks ask the app in-process instead (catalogue.own_site),
        # so the scores are whole, and differ, before the server answers.
        # Served on another address than last time (make run PORT=...): move the links first.
        if moved := demo_rebase():
            self.stdout.write(f"Demo moved to {settings.PROVCAT_BASE_URI}: {moved} stored links and URIs.")
        created = demo_load(self.stdout)
        if created:
            summary = ", ".join(f"{count} {kind}" for kind, count in created.items())
            self.stdout.write(self.style.SUCCESS(f"Demo catalogue loaded: {summary}."))
        else:
            self.stdout.write("Demo catalogue already loaded; nothing changed.")
        self.finish_queued_work()
        self.stdout.write(
            f"Sign in as 'admin' (site administrator) or '<organisation>-admin' / '<organisation>-editor' / "
            f"'<organisation>-viewer' (e.g. ons-editor; admins approve sharing agreements), password '{DEMO_PASSWORD}'."
        )

    def finish_queued_work(self):
        """Do now what the loading recorded for the workers: the lineage graph, link checks,
        quality scores, search entries and stored RDF. With a worker (CELERY_BROKER_URL) the demo is then whole
        the moment the server answers, not a few seconds later once the worker has caught up;
        the worker's nudges then find nothing left. These are the workers' own idempotent
        drains, so running them beside a worker is safe. Eagerly (no broker) it all ran during
        the load and they find nothing to do."""
        while any(outbox.sweep(min_age_seconds=0).values()):
            pass  # a score that changed asks for the search entry and the record again
        search_index_sweep()  # the "upstream check failed" marks follow the lineage closure
