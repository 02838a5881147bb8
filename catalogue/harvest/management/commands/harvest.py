"""python manage.py harvest <url> --organisation <slug> [--kind dcat|ckan] [--allow-loopback]

Runs one harvest job in the foreground, for scripts and operators: a progress bar on
stderr, the final report as JSON on stdout. Exit status 0 when the job finished (even with
per-record failures), 1 when it failed or was cancelled. The source is the organisation's
source with that URL, created on first use.
"""

import json
import sys
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

from catalogue.actors import system_actor
from catalogue.harvest import services
from catalogue.harvest.models import HarvestJob, HarvestSource
from catalogue.harvest.runner import run_job
from catalogue.models import Organisation


class Command(BaseCommand):
    help = "Harvest a DCAT-AP catalogue or a CKAN site into an organisation, in the foreground."

    def add_arguments(self, parser):
        parser.add_argument("url", help="The source: a DCAT-AP document or first page, or a CKAN site.")
        parser.add_argument("--organisation", required=True, help="The slug of the organisation that owns the source.")
        parser.add_argument("--kind", choices=["dcat", "ckan"], default=None, help="dcat (default) or ckan.")
        parser.add_argument(
            "--format",
            dest="rdf_format",
            choices=[c for c, _ in HarvestSource.RdfFormat.choices],
            default=None,
            help="The RDF format of a DCAT source (default: detect from the response).",
        )
        parser.add_argument(
            "--allow-loopback",
            action="store_true",
            help="Let the source be fetched from a loopback address (127.0.0.1, ::1): tests, a local copy.",
        )
        parser.add_argument("--full", action="store_true", help="A full run even where an incremental one is possible.")
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(self, *args, url, organisation, kind, rdf_format, allow_loopback, full, quiet, **options):
        try:
            owner = Organisation.objects.get(slug=organisation)
        except Organisation.DoesNotExist:
            raise CommandError(f"There is no organisation with the slug {organisation!r}.") from None
        actor = system_actor("harvest")
        source = HarvestSource.objects.filter(organisation=owner, url=url).first()
        data = {"url": url}
        if source is None:
            data.update(name=urlsplit(url).hostname or url, kind=kind or "dcat", schedule="manual")
        elif kind:
            data["kind"] = kind
        if rdf_format:
            data["rdf_format"] = rdf_format
        if source is None or allow_loopback:
            data["allow_private_addresses"] = allow_loopback
        try:
            source = services.source_save(user=actor, organisation=owner, data=data, source=source)
            job = services.job_start(
                user=actor, source=source, trigger="command", incremental=False if full else None, send=False
            )
        except services.JobAlreadyActive as exc:
            raise CommandError(exc.messages[0]) from None
        except Exception as exc:
            messages = getattr(exc, "messages", None) or [str(exc)]
            raise CommandError("; ".join(messages)) from None
        report = run_job(job.pk, on_progress=None if quiet else self._progress)
        if not quiet:
            sys.stderr.write("\n")
        self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
        if report["status"] != HarvestJob.Status.FINISHED:
            sys.exit(1)

    def _progress(self, job: HarvestJob) -> None:
        width = 30
        fraction = (job.percent_done or 0) / 100
        bar = "#" * int(width * fraction) + "-" * (width - int(width * fraction))
        pages = f"page {job.pages_done}" + (f"/{job.pages_total}" if job.pages_total else "")
        records = f"{job.records_done}" + (f"/{job.records_total}" if job.records_total else "") + " records"
        counts = f"+{job.created} ~{job.updated} ={job.unchanged} -{job.withdrawn} !{job.failed}"
        sys.stderr.write(f"\r[{bar}] {pages} · {records} · {counts}   ")
        sys.stderr.flush()
