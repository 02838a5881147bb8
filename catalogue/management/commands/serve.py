"""Serve Provcat for `make run`.

With a broker configured (CELERY_BROKER_URL) a Celery worker with beat starts beside
the web server, so tasks run on a real worker; without one, tasks run eagerly in the
web process and no worker is needed.
"""

import subprocess
import sys
import threading
import time
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from catalogue.quality.tasks import link_check_sweep
from config.celery import task_send_quietly


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
        if settings.PROVCAT_LINK_CHECKS:
            threading.Thread(target=self.check_links_once_serving, args=(host, port), daemon=True).start()
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)

    def check_links_once_serving(self, host: str, port: str) -> None:
        """The demo's download links point at this server, so check them once it answers
        (beat re-checks them hourly after that when a worker runs)."""
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            return
        if settings.CELERY_TASK_ALWAYS_EAGER:
            link_check_sweep(limit=10_000)
        else:
            task_send_quietly(link_check_sweep, limit=10_000)
