"""Writes and workflows on datasets, called by the web forms, the REST API and tasks alike.

Each function is one change: atomic, checks who may make it with catalogue/queries.py,
records who made it in the history, and asks for the quality score to be recomputed.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from catalogue import access
from catalogue.models import (
    CollectionMethod,
    Dataset,
    Distribution,
    Field,
    Keyword,
    Membership,
    Organisation,
    QualityMeasurement,
    ValidationCheck,
)
from catalogue.publication import dcat_ap_violations, publication_problems

# Dataset attributes a form or the API may set directly.
DATASET_FIELDS = (
    "title",
    "description",
    "contact_name",
    "contact_email",
    "licence",
    "access_rights",
    "temporal_start",
    "temporal_end",
    "spatial_uri",
    "spatial_label",
    "frequency",
    "language",
    "version",
    "version_notes",
    "conforms_to",
    "landing_page",
    "issued",
    "modified",
)


class StaleRevision(Exception):
    """The change was based on an older revision of the dataset than the stored one."""

    def __init__(self, current: int):
        super().__init__(
            f"Someone else changed this dataset while you were editing (it is now at revision {current}). "
            "Reload the page to see their changes, then make yours again."
        )
        self.current = current


class PublicationRefused(ValidationError):
    """The dataset lacks what DCAT-AP requires; ``problems`` says what, by form field."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__(problems)

    @property
    def summary(self) -> str:
        return "Not published yet: " + " ".join(self.problems.values())


def _with_user(instance, user):
    # simple-history takes the user from the request for pages; the API (token auth) and
    # tasks have none there, so services name it explicitly.
    if user is not None and getattr(user, "is_authenticated", False):
        instance._history_user = user
    return instance


def _keywords(names: Iterable[str]) -> list[Keyword]:
    cleaned = []
    for name in names:
        name = name.strip()
        if name and name.lower() not in {k.lower() for k in cleaned}:
            cleaned.append(name[:100])
    return [Keyword.objects.get_or_create(name=name)[0] for name in cleaned]


def _require_edit(user, dataset: Dataset) -> None:
    if not access.can_edit_dataset(user, dataset):
        raise PermissionDenied("You may not change this dataset.")


def _lock(dataset: Dataset, expected_revision: int | None) -> Dataset:
    locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
    if expected_revision is not None and int(expected_revision) != locked.revision:
        raise StaleRevision(locked.revision)
    return locked


def _bump(dataset: Dataset, user) -> None:
    """A part of the dataset changed: a new revision (so stale forms and ETags are refused)
    and a history record of the dataset, so its history lists every change and restoring
    that version brings back the parts as they were then."""
    locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
    locked.revision += 1
    _with_user(locked, user).save()
    dataset.revision, dataset.updated_at = locked.revision, locked.updated_at


def _save_part(part, dataset: Dataset, user) -> None:
    if part.dataset_id != dataset.pk:
        raise PermissionDenied("This part belongs to another dataset.")
    part.full_clean(exclude=["dataset", "uri", "activity"])
    _with_user(part, user).save()


@transaction.atomic
def dataset_create(
    *,
    user,
    organisation: Organisation,
    data: dict,
    keywords: Iterable[str] = (),
    themes: Iterable = (),
) -> Dataset:
    if not access.can_edit_for_organisation(user, organisation.pk):
        raise PermissionDenied("You may not create datasets for this organisation.")
    dataset = Dataset(publisher=organisation, status=Dataset.Status.DRAFT, created_by=user)
    for name in DATASET_FIELDS:
        if name in data:
            setattr(dataset, name, data[name])
    if data.get("slug"):
        dataset.slug = data["slug"]
    dataset.full_clean(exclude=["slug", "uri"])
    _with_user(dataset, user).save()
    keywords, themes = list(keywords), list(themes)
    if keywords or themes:
        _set_m2m_quietly(dataset, keywords, themes)
        _with_user(dataset, user).save()
    return dataset


@transaction.atomic
def dataset_update(
    *,
    dataset: Dataset,
    user,
    data: dict,
    expected_revision: int | None,
    keywords: Iterable[str] | None = None,
    themes: Iterable | None = None,
    save_parts: Iterable = (),
    delete_parts: Iterable = (),
) -> Dataset:
    """Change the dataset's properties, and the parts a form edits with it (distributions,
    fields, ...), as one revision; refused when based on a stale revision.

    Parts are written before the dataset row so the dataset's history record, which
    comes last, marks the moment the whole change was complete.
    """
    _require_edit(user, dataset)
    locked = _lock(dataset, expected_revision)
    for part in delete_parts:
        if part.dataset_id != locked.pk:
            raise PermissionDenied("This part belongs to another dataset.")
        _with_user(part, user).delete()
    for part in save_parts:
        _save_part(part, locked, user)
    for name in DATASET_FIELDS:
        if name in data:
            setattr(locked, name, data[name])
    locked.revision += 1
    locked.full_clean(exclude=["slug", "uri"])
    _set_m2m_quietly(locked, keywords, themes)
    _with_user(locked, user).save()
    return locked


def _set_m2m_quietly(dataset: Dataset, keywords, themes) -> None:
    # Set keywords and themes without a history record each; the save that follows
    # records them together with the rest of the change.
    dataset.skip_history_when_saving = True
    try:
        if keywords is not None:
            dataset.keywords.set(_keywords(keywords))
        if themes is not None:
            dataset.themes.set(list(themes))
    finally:
        del dataset.skip_history_when_saving


@transaction.atomic
def dataset_publish(*, dataset: Dataset, user) -> Dataset:
    """Publish, or ask for review when the organisation wants a second editor to approve.

    Returns the dataset; its status says which happened (still draft with
    ``review_requested_by`` set means waiting for review).
    """
    if not access.can_publish_dataset(user, dataset):
        raise PermissionDenied("Only editors and admins of the publishing organisation may publish.")
    locked = _lock(dataset, None)
    if locked.status == Dataset.Status.PUBLISHED:
        return locked
    problems = publication_problems(locked)
    if not problems:
        # Everything a form can check is there; the record must also pass the DCAT-AP SHACL gate.
        violations = dcat_ap_violations(locked)
        if violations:
            problems = {NON_FIELD_ERRORS: "The DCAT-AP record does not conform: " + "; ".join(violations)}
    if problems:
        raise PublicationRefused(problems)
    if locked.publisher.requires_review and locked.status == Dataset.Status.DRAFT:
        if locked.review_requested_by_id is None:
            locked.review_requested_by = user
            locked.review_requested_at = timezone.now()
            locked.revision += 1
            _with_user(locked, user).save()
            return locked
        if locked.review_requested_by_id == user.pk:
            raise PermissionDenied("A different editor must approve the publication you asked for.")
    locked.status = Dataset.Status.PUBLISHED
    locked.published_at = timezone.now()
    locked.withdrawn_at = None
    locked.withdrawn_reason = ""
    locked.review_requested_by = None
    locked.review_requested_at = None
    locked.revision += 1
    _with_user(locked, user).save()
    return locked


@transaction.atomic
def dataset_withdraw(*, dataset: Dataset, user, reason: str) -> Dataset:
    """Withdraw: the page stays with a notice and the dataset stays in lineage."""
    if not access.can_publish_dataset(user, dataset):
        raise PermissionDenied("Only editors and admins of the publishing organisation may withdraw.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the dataset is withdrawn; readers see this notice."})
    locked = _lock(dataset, None)
    locked.status = Dataset.Status.WITHDRAWN
    locked.withdrawn_at = timezone.now()
    locked.withdrawn_reason = reason.strip()
    locked.revision += 1
    _with_user(locked, user).save()
    return locked


# Properties of a historical dataset row that a restore puts back (not the workflow state).
RESTORED_FIELDS = (*DATASET_FIELDS, "licence_id", "frequency_id", "language_id")


@transaction.atomic
def dataset_restore_version(*, dataset: Dataset, user, history_id: int) -> Dataset:
    """Put back the dataset's description, keywords, themes, distributions, fields and
    collection method as they were at one version of its history. Status and workflow are
    left as they are, and so are validation checks and quality measurements: those record
    what happened to the data (a check that failed since then still failed), not what the
    publisher wrote, and downstream warnings rest on them."""
    _require_edit(user, dataset)
    locked = _lock(dataset, None)
    try:
        version = locked.history.get(history_id=history_id)
    except locked.history.model.DoesNotExist:
        raise ValidationError("No such version of this dataset.") from None
    _restore_parts(locked, user, Distribution, version.history_date)
    _restore_parts(locked, user, Field, version.history_date)
    _restore_parts(locked, user, CollectionMethod, version.history_date)
    locked.skip_history_when_saving = True
    try:
        locked.keywords.set([k.keyword_id for k in version.keywords.all()])
        locked.themes.set([t.vocabularyterm_id for t in version.themes.all()])
    finally:
        del locked.skip_history_when_saving
    for name in DATASET_FIELDS:
        attname = Dataset._meta.get_field(name).attname
        setattr(locked, attname, getattr(version, attname))
    locked.revision += 1
    locked._change_reason = f"Restored the version of {version.history_date:%Y-%m-%d %H:%M:%S}"
    _with_user(locked, user).save()
    return locked


def _restore_parts(dataset: Dataset, user, model, moment) -> None:
    then = {row.id: row for row in model.history.as_of(moment).filter(dataset_id=dataset.pk)}
    now = {obj.id: obj for obj in model.objects.filter(dataset=dataset)}
    for pk, obj in now.items():
        if pk not in then:
            _with_user(obj, user).delete()
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "dataset_id")]
    for pk, old in then.items():
        obj = now.get(pk) or model(pk=pk, dataset=dataset)
        for name in names:
            setattr(obj, name, getattr(old, name))
        _with_user(obj, user).save()


# Parts of a dataset: each change bumps the dataset's revision.


def _part_update(part, *, dataset: Dataset, user, data: dict, exclude: list[str]):
    """Set ``data`` on one part of ``dataset``, validate, save with its history user and
    bump the dataset's revision: the one path every part's save service takes."""
    _require_edit(user, dataset)
    if part.dataset_id != dataset.pk:
        raise PermissionDenied(f"This {part._meta.verbose_name} belongs to another dataset.")
    for name, value in data.items():
        setattr(part, name, value)
    part.full_clean(exclude=exclude)
    _with_user(part, user).save()
    _bump(dataset, user)
    return part


def _part_delete(part, user) -> None:
    dataset = part.dataset
    _require_edit(user, dataset)
    _with_user(part, user).delete()
    _bump(dataset, user)


@transaction.atomic
def distribution_save(*, dataset: Dataset, user, data: dict, distribution: Distribution | None = None) -> Distribution:
    part = distribution or Distribution(dataset=dataset)
    return _part_update(part, dataset=dataset, user=user, data=data, exclude=["uri", "dataset"])


@transaction.atomic
def distribution_delete(*, distribution: Distribution, user) -> None:
    _part_delete(distribution, user)


@transaction.atomic
def field_save(*, dataset: Dataset, user, data: dict, field: Field | None = None) -> Field:
    return _part_update(field or Field(dataset=dataset), dataset=dataset, user=user, data=data, exclude=["dataset"])


@transaction.atomic
def field_delete(*, field: Field, user) -> None:
    _part_delete(field, user)


@transaction.atomic
def fields_replace(*, dataset: Dataset, user, rows: list[dict], expected_revision: int | None = None) -> list[Field]:
    """Replace the data dictionary with imported rows (keeping rows whose name matches)."""
    _require_edit(user, dataset)
    locked = _lock(dataset, expected_revision)
    existing = {f.name: f for f in locked.fields.all()}
    keep = set()
    saved = []
    for position, row in enumerate(rows):
        field = existing.get(row["name"]) or Field(dataset=locked)
        for name, value in row.items():
            # An import without a definition or title keeps the one already written.
            if name in ("title", "definition", "unit") and not value and field.pk:
                continue
            setattr(field, name, value)
        field.position = position
        field.full_clean(exclude=["dataset"])
        _with_user(field, user).save()
        keep.add(field.name)
        saved.append(field)
    for name, field in existing.items():
        if name not in keep:
            _with_user(field, user).delete()
    _bump(locked, user)
    return saved


@transaction.atomic
def collection_method_save(*, dataset: Dataset, user, data: dict) -> CollectionMethod:
    method = CollectionMethod.objects.filter(dataset=dataset).first() or CollectionMethod(dataset=dataset)
    return _part_update(method, dataset=dataset, user=user, data=data, exclude=["dataset"])


@transaction.atomic
def validation_check_record(
    *, dataset: Dataset, user, data: dict, check: ValidationCheck | None = None
) -> ValidationCheck:
    part = check or ValidationCheck(dataset=dataset)
    return _part_update(part, dataset=dataset, user=user, data=data, exclude=["dataset", "activity"])


@transaction.atomic
def validation_check_delete(*, check: ValidationCheck, user) -> None:
    _part_delete(check, user)


@transaction.atomic
def quality_measurement_record(
    *, dataset: Dataset, user, data: dict, measurement: QualityMeasurement | None = None
) -> QualityMeasurement:
    distribution = data.get("distribution")
    if distribution is not None and distribution.dataset_id != dataset.pk:
        raise ValidationError({"distribution": "Pick a distribution of this dataset."})
    part = measurement or QualityMeasurement(dataset=dataset)
    return _part_update(part, dataset=dataset, user=user, data=data, exclude=["dataset"])


@transaction.atomic
def quality_measurement_delete(*, measurement: QualityMeasurement, user) -> None:
    _part_delete(measurement, user)


# Memberships: organisation admins (and site administrators) manage them.


@transaction.atomic
def membership_set(*, organisation: Organisation, user, member, role: str) -> Membership:
    if not access.can_manage_organisation(user, organisation.pk):
        raise PermissionDenied("Only admins of this organisation may manage its members.")
    if role not in Membership.Role.values:
        raise ValidationError({"role": f"Choose one of: {', '.join(Membership.Role.values)}."})
    membership = Membership.objects.filter(organisation=organisation, user=member).first()
    if membership is None:
        membership = Membership(organisation=organisation, user=member)
    elif membership.role == Membership.Role.ADMIN and role != Membership.Role.ADMIN:
        _refuse_last_admin(organisation, membership)
    membership.role = role
    _with_user(membership, user).save()
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, user) -> None:
    if not access.can_manage_organisation(user, membership.organisation_id):
        raise PermissionDenied("Only admins of this organisation may manage its members.")
    if membership.role == Membership.Role.ADMIN:
        _refuse_last_admin(membership.organisation, membership)
    _with_user(membership, user).delete()


def _refuse_last_admin(organisation: Organisation, membership: Membership) -> None:
    others = organisation.memberships.filter(role=Membership.Role.ADMIN).exclude(pk=membership.pk)
    if not others.exists():
        raise ValidationError({"role": "An organisation needs at least one admin; make someone else admin first."})


@transaction.atomic
def organisation_set_review(*, organisation: Organisation, user, requires_review: bool) -> Organisation:
    """Whether publishing needs a second editor's approval; the organisation's admins decide."""
    if not access.can_manage_organisation(user, organisation.pk):
        raise PermissionDenied("Only admins of this organisation may change how it publishes.")
    organisation.requires_review = bool(requires_review)
    _with_user(organisation, user).save(update_fields=["requires_review", "updated_at"])
    return organisation
