"""Serve Provcat for `make run`.

With a broker configured (CELERY_BROKER_URL) a Celery worker with beat starts beside
the web server, so tasks run on a real worker; without one, tasks run eagerly in the
web process and no worker is needed.
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from catalogue.actors import system_actor
from catalogue.harvest import services as harvest_services
from catalogue.harvest.models import HarvestSource
from catalogue.preview.tasks import preview_sweep
from catalogue.quality.tasks import link_check_sweep
from config.celery import task_send_quietly

# How long the worker may take to finish its current tasks (Celery's warm shutdown).
WORKER_STOP_SECONDS = 20


def _stop_as_on_ctrl_c(signum, frame):
    raise KeyboardInterrupt


def worker_stop(worker: subprocess.Popen) -> None:
    """Stop the worker's whole process group: a warm shutdown first (SIGTERM: tasks in hand
    finish, beat stops), then SIGKILL for whatever is still there."""
    try:
        os.killpg(worker.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        worker.wait(timeout=WORKER_STOP_SECONDS)
    # Pool processes or beat left behind by a worker that did not stop in time.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


class Command(BaseCommand):
    help = "Serve the catalogue (and a Celery worker when a broker is configured)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        worker = None
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
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
                    # Beat's record of what it last ran, in var/ rather than wherever make ran.
                    f"--schedule={settings.VAR_DIR / 'celerybeat-schedule'}",
                ],
                # Its own process group: the worker, its pool and beat are stopped together
                # below, and a Ctrl-C in the terminal reaches only this command, which stops them.
                start_new_session=True,
            )
        else:
            self.stdout.write("No CELERY_BROKER_URL: tasks run eagerly in the web process.")
        # SIGTERM (docker stop, systemd, kill) stops the server as Ctrl-C does, so the finally
        # below runs and the worker it started does not outlive it.
        signal.signal(signal.SIGTERM, _stop_as_on_ctrl_c)
        threading.Thread(target=self.once_serving, args=(host, port), daemon=True).start()
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            if worker is not None:
                self.stdout.write("Stopping the Celery worker and beat...")
                worker_stop(worker)

    def once_serving(self, host: str, port: str) -> None:
        """The demo's harvest source and download links point at this server, so harvest the
        sources never harvested and check the links once it answers (beat does both on its
        schedule after that when a worker runs)."""
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            return
        self.harvest_sources_never_run()
        if not settings.PROVCAT_LINK_CHECKS:
            return
        # Previews read the same links, so they wait for the server too (beat refreshes them).
        if settings.CELERY_TASK_ALWAYS_EAGER:
            link_check_sweep(limit=10_000)
            preview_sweep(limit=10_000, retry_failed=True)
        else:
            task_send_quietly(link_check_sweep, limit=10_000)
            task_send_quietly(preview_sweep, limit=10_000, retry_failed=True)

    def harvest_sources_never_run(self) -> None:
        """Start the first job of every enabled source that was never harvested (eagerly, this
        runs it here; with a worker, it is queued)."""
        actor = system_actor("demo")
        for source in HarvestSource.objects.filter(enabled=True, jobs__isnull=True):
            try:
                job = harvest_services.job_start(user=actor, source=source, trigger="first run")
            except harvest_services.JobAlreadyActive:
                continue
            self.stdout.write(f"Harvesting {source.name} ({source.url}): job {job.pk}")
