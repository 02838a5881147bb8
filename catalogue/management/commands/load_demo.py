from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from catalogue.demo import DEMO_PASSWORD, demo_load


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
        self.stdout.write(
            f"Sign in as 'admin' (site administrator) or '<organisation>-editor' / '<organisation>-viewer' "
            f"(e.g. ons-editor), password '{DEMO_PASSWORD}'."
        )
