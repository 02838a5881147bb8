"""Harvest sources, jobs and harvested datasets for the tests of the harvest pages, API and
RDF: rows as a harvest leaves them (the runner's own tests harvest for real)."""

from django.db import transaction
from django.utils import timezone

from catalogue import outbox
from catalogue.harvest.models import HarvestedDataset, HarvestJob, HarvestRecordError, HarvestSource


def make_source(organisation, name="Transport open data", url="https://data.example.gov/catalog.ttl", **fields):
    return HarvestSource.objects.create(organisation=organisation, name=name, url=url, **fields)


def make_job(source, *, status=HarvestJob.Status.FINISHED, errors=(), **fields):
    """A job of ``source``; a finished or failed one has started and finished times."""
    now = timezone.now()
    if status != HarvestJob.Status.QUEUED:
        fields.setdefault("started_at", now - timezone.timedelta(minutes=2, seconds=5))
    if status not in HarvestJob.ACTIVE:
        fields.setdefault("finished_at", now)
    job = HarvestJob.objects.create(source=source, status=status, **fields)
    HarvestRecordError.objects.bulk_create(
        HarvestRecordError(job=job, identifier=identifier, reason=reason) for identifier, reason in errors
    )
    return job


def harvested(dataset, source, *, identifier=None, job=None, **fields):
    """Mark ``dataset`` as brought in by ``source``, as the harvest writer does, and let its
    derived state (search entry, stored RDF record) follow."""
    with transaction.atomic():
        origin = HarvestedDataset.objects.create(
            dataset=dataset,
            source=source,
            identifier=identifier or f"https://portal.example.org/dataset/{dataset.slug}",
            original_uri=fields.pop("original_uri", identifier or f"https://portal.example.org/dataset/{dataset.slug}"),
            content_hash="0" * 64,
            last_job=job,
            **fields,
        )
        outbox.datasets_changed([dataset.pk])
    return origin
