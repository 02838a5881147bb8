"""Harvest writes: sources, starting and cancelling jobs, detaching a harvested dataset.

Every writer (the web pages, the REST API, the harvest command, beat) calls these; the
permission rule is here: an organisation's admins (and site administrators) manage its
sources and start, cancel and detach; only site administrators may let a source be
fetched from a loopback address.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalogue import access, outbox
from catalogue.harvest.models import HarvestedDataset, HarvestJob, HarvestSource
from config.celery import task_send_quietly

SOURCE_FIELDS = ("name", "url", "kind", "rdf_format", "schedule", "enabled", "description")


class JobAlreadyActive(ValidationError):
    """The source already has a queued or running job."""

    def __init__(self, job: HarvestJob):
        self.job = job
        super().__init__(
            f"A harvest of “{job.source.name}” is already {job.get_status_display().lower()} (job {job.pk})."
        )


def _require_manage(user, organisation_id: int) -> None:
    if not access.can_manage_organisation(user, organisation_id):
        raise PermissionDenied("Only admins of the source's organisation manage its harvest sources.")


@transaction.atomic
def source_save(*, user, organisation, data: dict, source: HarvestSource | None = None) -> HarvestSource:
    """Create or change a harvest source of ``organisation``."""
    _require_manage(user, organisation.pk)
    if source is not None:
        _require_manage(user, source.organisation_id)
    unknown = set(data) - {*SOURCE_FIELDS, "allow_private_addresses"}
    if unknown:
        raise ValidationError(f"Unknown source properties: {', '.join(sorted(unknown))}.")
    if "allow_private_addresses" in data and not getattr(user, "is_superuser", False):
        if data["allow_private_addresses"] != (source.allow_private_addresses if source else False):
            raise PermissionDenied("Only site administrators may let a source be fetched from a private address.")
    source = source or HarvestSource(created_by=user if getattr(user, "is_authenticated", False) else None)
    source.organisation = organisation
    for name, value in data.items():
        setattr(source, name, value)
    if source.kind == HarvestSource.Kind.CKAN:
        source.rdf_format = HarvestSource.RdfFormat.AUTO
    source.full_clean()
    source.save()
    return source


@transaction.atomic
def source_delete(*, user, source: HarvestSource) -> None:
    """Delete a source that brought nothing in (its datasets would lose their origin);
    a source with datasets is disabled instead."""
    _require_manage(user, source.organisation_id)
    if source.datasets.exists():
        raise ValidationError("This source brought datasets in: disable it instead, or detach its datasets first.")
    source.delete()


def job_start(
    *, user, source: HarvestSource, trigger: str = "manual", incremental: bool | None = None, send: bool = True
) -> HarvestJob:
    """Queue a job for ``source`` and send it to a worker. Raises JobAlreadyActive when one
    is queued or running (the database refuses a second, so two callers cannot race)."""
    if trigger != "schedule":
        _require_manage(user, source.organisation_id)
    if incremental is None:
        incremental = source.kind == HarvestSource.Kind.CKAN and last_complete_job(source) is not None
    try:
        with transaction.atomic():
            job = HarvestJob.objects.create(
                source=source,
                requested_by=user if getattr(user, "is_authenticated", False) else None,
                trigger=trigger,
                incremental=incremental,
            )
            if send:
                from catalogue.harvest.tasks import harvest_run

                # Registered inside the block, so it belongs to the job's own commit (and to
                # no later one when the caller holds no transaction of its own).
                transaction.on_commit(lambda: task_send_quietly(harvest_run, job.pk))
    except IntegrityError:
        active = HarvestJob.objects.filter(source=source, status__in=HarvestJob.ACTIVE).first()
        if active is None:  # it ended in between: try once more
            return job_start(user=user, source=source, trigger=trigger, incremental=incremental, send=send)
        raise JobAlreadyActive(active) from None
    return job


def job_cancel(*, user, job: HarvestJob) -> HarvestJob:
    """Ask a job to stop. A queued job ends at once; a running one stops before its next
    page or record, withdraws nothing, and keeps what it already wrote."""
    _require_manage(user, job.source.organisation_id)
    if not job.is_active:
        raise ValidationError("This job has already ended.")
    updated = HarvestJob.objects.filter(pk=job.pk, status=HarvestJob.Status.QUEUED).update(
        status=HarvestJob.Status.CANCELLED,
        cancel_requested=True,
        finished_at=timezone.now(),
        error=f"Cancelled by {user} before it started.",
    )
    if not updated:
        HarvestJob.objects.filter(pk=job.pk).update(cancel_requested=True)
    job.refresh_from_db()
    return job


def last_complete_job(source: HarvestSource) -> HarvestJob | None:
    """The last job of ``source`` that finished with every record brought in (the start of an incremental run)."""
    return source.jobs.filter(status=HarvestJob.Status.FINISHED, failed=0).order_by("-started_at").first()


@transaction.atomic
def dataset_detach(*, user, dataset) -> HarvestedDataset:
    """Make a harvested dataset local: its organisation's editors may edit it, and harvests
    of its source leave it alone from now on."""
    origin = HarvestedDataset.objects.select_for_update().select_related("source").get(dataset=dataset)
    _require_manage(user, origin.source.organisation_id)
    if origin.detached:
        raise ValidationError("This dataset is already detached from its source.")
    origin.detached_at = timezone.now()
    origin.detached_by = user
    origin.save(update_fields=["detached_at", "detached_by"])
    outbox.datasets_changed([dataset.pk])
    return origin
