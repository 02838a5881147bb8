"""One harvest job from start to end, and the schedule that starts them.

A job runs in two phases, so that a source that goes wrong half-way changes nothing:
1. read: every page of the source is fetched (under the address policy, with per-response,
   per-job and time limits) and read into records, which are spooled to a temporary file (so
   memory stays flat whatever the source's size). A refused address, an unsafe or malformed
   page, a limit reached: the job fails here and nothing stored has changed.
2. write: the spooled records go to the writer (writer.py) in batches; one bad record fails
   alone. Then the derivations the records state, and, after a complete listing, the
   withdrawal of the datasets that left the source.
Progress (pages and records, of the totals when known) and the counts are saved as the job
goes; a cancel request is honoured between pages and between batches (a cancelled job
withdraws nothing and keeps what it wrote).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from catalogue.actors import system_actor
from catalogue.harvest import services
from catalogue.harvest.errors import HarvestError, MalformedPage, SourceUnreachable
from catalogue.harvest.models import HarvestedDataset, HarvestJob, HarvestPage, HarvestRecordError, HarvestSource
from catalogue.harvest.records import MAPPING_VERSION, Page, content_hash
from catalogue.harvest.writer import MAX_RECORD_ERRORS, HarvestWriter
from lib import netpolicy
from lib.input_parsing import json_document_load

logger = logging.getLogger("provcat.harvest")

BATCH_SIZE = 200
PROGRESS_FIELDS = (
    "pages_done",
    "pages_total",
    "records_done",
    "records_total",
    "bytes_read",
    "created",
    "updated",
    "unchanged",
    "withdrawn",
    "failed",
    "heartbeat_at",
)


class Cancelled(Exception):
    """Someone asked the job to stop."""


class JobRun:
    """Runs ``job``; ``on_progress`` (the harvest command's progress bar) sees it after each step."""

    def __init__(self, job: HarvestJob, *, on_progress: Callable[[HarvestJob], None] | None = None):
        self.job = job
        self.source: HarvestSource = job.source
        self.on_progress = on_progress
        self.started = time.monotonic()
        self.deadline = self.started + settings.HARVEST_JOB_TIMEOUT_SECONDS
        self.failures_kept = job.record_errors.count()
        self.read_failures = 0
        self.listed: set[str] = set()
        # Records of pages identical to last time, known unchanged without reading them.
        self.unchanged_ids: list[str] = []

    # -- the job

    def run(self) -> None:
        with tempfile.TemporaryFile() as spool:
            count, complete_listing = self.read(spool)
            self.write(spool, count, complete_listing)

    # -- phase 1: read every page

    def read(self, spool) -> tuple[int, set[str] | None]:
        """Spool every record; returns how many, and the source's complete id listing when the
        pages alone are not one (an incremental CKAN run)."""
        count = 0
        listing = None
        if self.source.kind == HarvestSource.Kind.CKAN:
            pages, listing = self._ckan_pages()
        else:
            pages = self._dcat_pages()
        for page in pages:
            self.check_cancel()
            self.unchanged_ids.extend(page.unchanged)
            for failure in page.failures:
                self.listed.add(failure.identifier)
                self._record_failure(failure.identifier, failure.reason)
            for record in page.records:
                spool.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
                count += 1
            self.job.pages_done += 1
            if page.total_records is not None:
                self.job.records_total = page.total_records
                if page.records:
                    self.job.pages_total = max(self.job.pages_done, math.ceil(page.total_records / len(page.records)))
            self.save_progress()
        spool.seek(0)
        return count, listing

    def _dcat_pages(self) -> Iterator[Page]:
        from catalogue.harvest.dcat_reader import ACCEPT_HEADER, read_dcat_page

        url, visited = self.source.url, set()
        accept = ACCEPT_HEADER.get(self.source.rdf_format, ACCEPT_HEADER["auto"])
        while url:
            if url in visited:
                raise MalformedPage(f"The source's pages lead back to {url}, which was already read.")
            if len(visited) >= settings.HARVEST_MAX_PAGES:
                raise HarvestError(
                    f"The source has more than {settings.HARVEST_MAX_PAGES} pages, the limit of one job."
                )
            visited.add(url)
            result = self.fetch(url, accept)
            digest = hashlib.sha256(MAPPING_VERSION.encode() + b"\0" + result.body).hexdigest()
            page = self._page_unchanged(url, digest)
            if page is None:
                page = read_dcat_page(
                    result.body,
                    url=result.url,
                    content_type=result.headers.get("content-type", ""),
                    rdf_format=self.source.rdf_format,
                )
                self._page_remember(url, digest, page)
            yield page
            url = page.next_url

    def _page_unchanged(self, url: str, digest: str) -> Page | None:
        """The page as it was last time, without reading it, when its bytes are the same and
        every record on it is still stored with the hash it had then; else None."""
        known = HarvestPage.objects.filter(source=self.source, url=url, digest=digest).first()
        if known is None or not known.record_hashes:
            return None
        stored = {
            identifier: digest
            for identifier, digest, withdrawn in HarvestedDataset.objects.filter(
                source=self.source, identifier__in=list(known.record_hashes)
            ).values_list("identifier", "content_hash", "withdrawn_by_harvest")
            if not withdrawn
        }
        if stored != known.record_hashes:
            return None
        return Page(
            unchanged=list(known.record_hashes),
            next_url=known.next_url or None,
            total_records=known.total_records,
            bytes_read=0,
        )

    def _page_remember(self, url: str, digest: str, page: Page) -> None:
        """Keep what this page said, for the next run; a page with a record that could not be
        read is always read again."""
        hashes = {} if page.failures else {r["identifier"]: content_hash(r) for r in page.records}
        HarvestPage.objects.update_or_create(
            source=self.source,
            url=url[:2000],
            defaults={
                "digest": digest,
                "next_url": (page.next_url or "")[:2000],
                "total_records": page.total_records,
                "record_hashes": hashes,
                "read_at": timezone.now(),
            },
        )

    def _ckan_pages(self) -> tuple[Iterator[Page], set[str] | None]:
        from catalogue.harvest.ckan_reader import CkanClient

        client = CkanClient(self.source.url, self.fetch_json)
        since = None
        if self.job.incremental:
            last = services.last_complete_job(self.source)
            since = last.started_at if last is not None else None
        listing = client.all_ids() if since is not None else None
        return client.pages(modified_since=since, rows=settings.HARVEST_CKAN_PAGE_SIZE), listing

    def fetch(self, url: str, accept: str, *, any_status: bool = False) -> netpolicy.FetchResult:
        """One response of the source, within the limits; SourceUnreachable says what went wrong."""
        self.check_time()
        left_for_job = settings.HARVEST_MAX_JOB_BYTES - self.job.bytes_read
        limit = min(settings.HARVEST_MAX_RESPONSE_BYTES, left_for_job)
        try:
            result = netpolicy.fetch(
                url,
                allow_loopback=self.source.allow_private_addresses,
                timeout=max(1.0, min(settings.HARVEST_REQUEST_TIMEOUT_SECONDS, self.deadline - time.monotonic())),
                max_bytes=limit,
                headers={"Accept": accept},
                deadline=self.deadline,
            )
        except netpolicy.RefusedAddress as exc:
            raise SourceUnreachable(
                f"Provcat does not harvest from this address: {exc}. Only sources on public addresses are "
                "harvested (a site administrator can allow a loopback source)."
            ) from None
        except netpolicy.TooLarge:
            if limit < settings.HARVEST_MAX_RESPONSE_BYTES:
                raise SourceUnreachable(
                    f"The source sent more than {_size(settings.HARVEST_MAX_JOB_BYTES)} in this job, the limit of one job."
                ) from None
            raise SourceUnreachable(
                f"{url} sent more than {_size(limit)} in one response, the limit of one response."
            ) from None
        except TimeoutError:
            raise SourceUnreachable(f"{url} took too long to answer; the job stopped at its time limit.") from None
        except OSError as exc:
            raise SourceUnreachable(f"Could not fetch {url}: {exc}") from None
        self.job.bytes_read += len(result.body)
        if result.status != 200 and not any_status:
            raise SourceUnreachable(f"{url} answered HTTP {result.status} instead of the page.")
        return result

    def fetch_json(self, url: str) -> tuple[object, int]:
        """For the CKAN reader: one JSON answer of the source and its size. CKAN answers its
        errors (409, 403, 500) with a JSON body saying what was wrong: the reader shows it."""
        result = self.fetch(url, "application/json", any_status=True)
        try:
            return json_document_load(result.body), len(result.body)
        except (ValueError, RecursionError, UnicodeDecodeError):
            if result.status != 200:
                raise SourceUnreachable(f"{url} answered HTTP {result.status} instead of the page.") from None
            raise MalformedPage(f"{url} did not answer with JSON.") from None

    # -- phase 2: write

    def write(self, spool, count: int, listing: set[str] | None) -> None:
        actor = system_actor("harvest")
        writer = HarvestWriter(self.job, actor)
        writer.errors_kept = self.failures_kept
        self.job.records_total = count + self.read_failures + len(self.unchanged_ids)
        self.job.records_done = self.read_failures
        for start in range(0, len(self.unchanged_ids), BATCH_SIZE * 10):
            chunk = self.unchanged_ids[start : start + BATCH_SIZE * 10]
            writer.mark_unchanged(chunk)
            self.job.records_done += len(chunk)
        self.save_progress()
        batch: list[dict] = []
        for line in spool:
            batch.append(json.loads(line))
            if len(batch) >= BATCH_SIZE:
                self._write_batch(writer, batch)
                batch = []
        if batch:
            self._write_batch(writer, batch)
        writer.apply_derivations()
        self.save_progress()
        # Only a complete listing says which datasets left the source.
        listed = listing if listing is not None else writer.listed | self.listed
        writer.withdraw_missing(listed)
        self.save_progress()

    def _write_batch(self, writer: HarvestWriter, batch: list[dict]) -> None:
        self.check_cancel()
        self.check_time()
        writer.write_batch(batch)
        self.job.records_done += len(batch)
        self.save_progress()

    # -- bookkeeping

    def _record_failure(self, identifier: str, reason: str) -> None:
        self.job.failed += 1
        self.read_failures += 1
        if self.failures_kept < MAX_RECORD_ERRORS:
            HarvestRecordError.objects.create(job=self.job, identifier=identifier[:1000], reason=reason)
            self.failures_kept += 1

    def save_progress(self) -> None:
        self.job.heartbeat_at = timezone.now()
        HarvestJob.objects.filter(pk=self.job.pk).update(**{f: getattr(self.job, f) for f in PROGRESS_FIELDS})
        if self.on_progress is not None:
            self.on_progress(self.job)

    def check_cancel(self) -> None:
        if HarvestJob.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise Cancelled

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise HarvestError(
                f"The job ran longer than its limit of {settings.HARVEST_JOB_TIMEOUT_SECONDS} seconds and stopped."
            )


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def run_job(job_id: int, *, on_progress: Callable[[HarvestJob], None] | None = None) -> dict:
    """Run a queued job to its end and return its report. A job that is not queued (already
    run by another worker, or cancelled before it started) is left as it is."""
    now = timezone.now()
    claimed = HarvestJob.objects.filter(pk=job_id, status=HarvestJob.Status.QUEUED).update(
        status=HarvestJob.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    job = HarvestJob.objects.select_related("source__organisation").get(pk=job_id)
    if not claimed:
        return job.report()
    run = JobRun(job, on_progress=on_progress)
    status, error = HarvestJob.Status.FINISHED, ""
    try:
        run.run()
    except Cancelled:
        status, error = HarvestJob.Status.CANCELLED, "Cancelled while running: nothing was withdrawn."
    except HarvestError as exc:
        status, error = HarvestJob.Status.FAILED, str(exc)
    except Exception as exc:  # a fault of Provcat's, not of the source: the job says so and ends
        logger.exception("Harvest job %s failed", job_id)
        status = HarvestJob.Status.FAILED
        error = f"The harvest stopped on an internal error ({type(exc).__name__}); the site's administrators can see the details in the log."
    job.status, job.error, job.finished_at = status, error, timezone.now()
    job.heartbeat_at = job.finished_at
    HarvestJob.objects.filter(pk=job.pk).update(
        status=status,
        error=error,
        finished_at=job.finished_at,
        **{f: getattr(job, f) for f in PROGRESS_FIELDS},
    )
    if run.on_progress is not None:
        run.on_progress(job)
    return job.report()


def start_due_jobs() -> list[int]:
    """Start a job for each enabled source whose schedule is due; fail running jobs whose
    worker stopped reporting, and send again the queued jobs whose message was lost."""
    now = timezone.now()
    stale = now - timedelta(minutes=settings.HARVEST_STALE_JOB_MINUTES)
    for job in HarvestJob.objects.filter(status=HarvestJob.Status.RUNNING, heartbeat_at__lt=stale):
        HarvestJob.objects.filter(pk=job.pk, status=HarvestJob.Status.RUNNING, heartbeat_at__lt=stale).update(
            status=HarvestJob.Status.FAILED,
            finished_at=now,
            error=f"The worker running this harvest stopped reporting after {job.heartbeat_at:%d %b %Y %H:%M} UTC; "
            "nothing was withdrawn. The next run starts again.",
        )
    from catalogue.harvest.tasks import harvest_run
    from config.celery import task_send_quietly

    for job_id in HarvestJob.objects.filter(
        status=HarvestJob.Status.QUEUED, created_at__lt=now - timedelta(minutes=2)
    ).values_list("pk", flat=True):
        task_send_quietly(harvest_run, job_id)
    started = []
    actor = system_actor("harvest")
    for source in HarvestSource.objects.filter(enabled=True).exclude(schedule=HarvestSource.Schedule.MANUAL):
        interval = HarvestSource.SCHEDULE_INTERVALS[source.schedule]
        last = source.jobs.order_by("-created_at").values_list("created_at", flat=True).first()
        if last is not None and last > now - timedelta(seconds=interval):
            continue
        try:
            job = services.job_start(user=actor, source=source, trigger="schedule")
        except services.JobAlreadyActive:
            continue
        started.append(job.pk)
    return started
