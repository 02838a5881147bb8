"""Harvest sources, their jobs, the per-record problems of a job, and where each harvested
dataset came from.

A source belongs to an organisation; its admins manage it. A job is one run over a source:
at most one job of a source is queued or running at a time (a database constraint, so two
workers can never harvest the same source at once). Each dataset a source brought in has a
HarvestedDataset row: its identity at the source, the hash of what the source said last
time (an unchanged record is not rewritten), and whether an admin detached it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Dataset, Organisation
from catalogue.models.records import validate_iri


class HarvestSource(models.Model):
    class Kind(models.TextChoices):
        DCAT = "dcat", "DCAT-AP catalogue (RDF)"
        CKAN = "ckan", "CKAN action API"

    class RdfFormat(models.TextChoices):
        AUTO = "auto", "Detect from the response"
        TURTLE = "turtle", "Turtle"
        RDFXML = "rdfxml", "RDF/XML"
        JSONLD = "jsonld", "JSON-LD"
        NTRIPLES = "ntriples", "N-Triples"

    class Schedule(models.TextChoices):
        MANUAL = "manual", "Only when started by hand"
        HOURLY = "hourly", "Every hour"
        DAILY = "daily", "Every day"
        WEEKLY = "weekly", "Every week"

    name = models.CharField(max_length=200)
    url = models.URLField(
        max_length=1000,
        validators=[validate_iri],
        help_text="The catalogue's address: a DCAT-AP document or its first page (e.g. https://data.example.gov/catalog.ttl), "
        "or a CKAN site's root or action API (e.g. https://ckan.example.gov/api/3/action/).",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DCAT)
    rdf_format = models.CharField(
        "RDF format", max_length=10, choices=RdfFormat.choices, default=RdfFormat.AUTO, blank=True
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="harvest_sources")
    schedule = models.CharField(max_length=10, choices=Schedule.choices, default=Schedule.DAILY)
    enabled = models.BooleanField(default=True, help_text="Scheduled runs happen only while the source is enabled.")
    # Only site administrators may set this (tests, a demo source served by this machine).
    allow_private_addresses = models.BooleanField(
        default=False,
        help_text="Let this source be fetched from a loopback address (site administrators only).",
    )
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "url"], name="harvestsource_unique_url_per_org")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("harvest:source-detail", kwargs={"pk": self.pk})

    SCHEDULE_INTERVALS = {"hourly": 3600, "daily": 86400, "weekly": 7 * 86400}


class HarvestJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Scheduled, by hand (web, API) or from the command line.
    trigger = models.CharField(max_length=20, default="manual")
    incremental = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    # Progress: pages and records done, of the totals when the source says them.
    pages_done = models.PositiveIntegerField(default=0)
    pages_total = models.PositiveIntegerField(null=True, blank=True)
    records_done = models.PositiveIntegerField(default=0)
    records_total = models.PositiveIntegerField(null=True, blank=True)
    bytes_read = models.BigIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # Why the job failed or was cancelled, for a publisher.
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source"],
                condition=Q(status__in=["queued", "running"]),
                name="harvestjob_one_active_per_source",
            )
        ]
        indexes = [models.Index(fields=["source", "-created_at"], name="harvestjob_source_recent_idx")]

    def __str__(self) -> str:
        return f"{self.source} #{self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("harvest:job-detail", kwargs={"pk": self.pk})

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent_done(self) -> int | None:
        """How far the job is, when the source said how much there is: reading the pages
        counts for the first 30%, writing the records for the rest."""
        if self.status == self.Status.FINISHED:
            return 100
        reading = self.pages_done / self.pages_total if self.pages_total else None
        writing = self.records_done / self.records_total if self.records_total else None
        if writing and self.records_done:
            return min(100, round(30 + 70 * writing))
        if reading is not None:
            return min(30, round(30 * reading))
        return None

    def report(self) -> dict:
        """The job's report, as the API, the job page and the harvest command show it."""
        return {
            "id": self.pk,
            "source": self.source.url,
            "source_name": self.source.name,
            "organisation": self.source.organisation.slug,
            "kind": self.source.kind,
            "status": self.status,
            "trigger": self.trigger,
            "incremental": self.incremental,
            "started": self.started_at.isoformat() if self.started_at else None,
            "finished": self.finished_at.isoformat() if self.finished_at else None,
            "progress": {
                "pages_done": self.pages_done,
                "pages_total": self.pages_total,
                "records_done": self.records_done,
                "records_total": self.records_total,
                "percent": self.percent_done,
                "bytes_read": self.bytes_read,
            },
            "counts": {
                "created": self.created,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "withdrawn": self.withdrawn,
                "failed": self.failed,
            },
            "error": self.error,
            "record_errors": [
                {"identifier": e.identifier, "reason": e.reason} for e in self.record_errors.all()[:1000]
            ],
        }


class HarvestRecordError(models.Model):
    """One record of a job that could not be brought in, and why (in words a publisher understands)."""

    job = models.ForeignKey(HarvestJob, on_delete=models.CASCADE, related_name="record_errors")
    identifier = models.CharField(max_length=1000)
    reason = models.TextField()

    class Meta:
        ordering = ["job", "id"]

    def __str__(self) -> str:
        return f"{self.identifier}: {self.reason}"


class HarvestedDataset(models.Model):
    """Where a harvested dataset came from. Its ``dataset`` is written only by harvests of
    ``source`` until an admin detaches it (then local editors own it and harvests skip it)."""

    dataset = models.OneToOneField(Dataset, on_delete=models.CASCADE, primary_key=True, related_name="harvest")
    source = models.ForeignKey(HarvestSource, on_delete=models.PROTECT, related_name="datasets")
    # The record's identity at the source: its IRI, else its dct:identifier (DCAT); its id (CKAN).
    identifier = models.CharField(max_length=1000)
    original_uri = models.CharField(max_length=1000, blank=True)
    # Where the source shows the dataset to people (its landing page or CKAN page), if it says.
    source_page = models.URLField(max_length=1000, blank=True, validators=[validate_iri])
    source_publisher = models.CharField(max_length=300, blank=True)
    content_hash = models.CharField(max_length=64)
    first_harvested_at = models.DateTimeField(default=timezone.now)
    last_harvested_at = models.DateTimeField(default=timezone.now)
    last_job = models.ForeignKey(HarvestJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Withdrawn by a harvest because the source stopped listing it (it comes back if listed again).
    withdrawn_by_harvest = models.BooleanField(default=False)
    detached_at = models.DateTimeField(null=True, blank=True)
    detached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "identifier"], name="harvesteddataset_unique_identifier")
        ]
        indexes = [models.Index(fields=["source", "last_job"], name="harvested_source_job_idx")]

    def __str__(self) -> str:
        return f"{self.identifier} from {self.source}"

    @property
    def detached(self) -> bool:
        return self.detached_at is not None


class HarvestPage(models.Model):
    """What one page of a DCAT source said last time: the hash of its bytes, where it led, and
    the content hash of each record on it. A page whose bytes are the same again, and whose
    records are all still stored with those hashes, is not read again: its records are
    unchanged (the writer would find exactly that, having parsed and mapped them)."""

    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="pages")
    url = models.CharField(max_length=2000)
    digest = models.CharField(max_length=64)
    next_url = models.CharField(max_length=2000, blank=True)
    total_records = models.PositiveIntegerField(null=True, blank=True)
    record_hashes = models.JSONField(default=dict)
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "url"], name="harvestpage_unique_url")]

    def __str__(self) -> str:
        return self.url
