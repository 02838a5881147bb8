"""Serve Provcat for `make run`.

With a broker configured (CELERY_BROKER_URL) a Celery worker with beat starts beside
the web server, so tasks run on a real worker; without one, tasks run eagerly in the
web process and no worker is needed.
"""

import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the catalogue (and a Celery worker when a broker is configured)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        worker = None
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write(f"Starting a Celery worker with beat on {settings.CELERY_BROKER_URL}")
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "-B",
                    "--loglevel=warning",
                    "--concurrency=2",
                ]
            )
        else:
            self.stdout.write("No CELERY_BROKER_URL: tasks run eagerly in the web process.")
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
