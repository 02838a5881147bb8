"""Writes and workflows on datasets, called by the web forms, the REST API, OpenLineage
ingestion, the demo loader and the admin alike.

Each function is one change: atomic; checks who may make it (catalogue.access); validates;
bumps the dataset's revision; records who made it in the history; and records in the
outbox (catalogue.outbox) the derived work it sets off, in the same transaction. Reading a
service shows every consequence of the write: nothing else listens for saves.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from catalogue import access, outbox
from catalogue.actors import SYSTEM_PREFIX
from catalogue.changes import describe, with_prefix
from catalogue.models import (
    CollectionMethod,
    Dataset,
    Distribution,
    Field,
    Keyword,
    LinkCheck,
    Membership,
    Organisation,
    QualityMeasurement,
    ValidationCheck,
)
from catalogue.publication import dcat_ap_violations, publication_problems
from provenance.models import Activity, Agent, Derivation

# The properties of a data dictionary row that an import may set.
FIELD_IMPORT_KEYS = frozenset(
    {"name", "title", "definition", "datatype", "unit", "required", "constraints", "concept_uri", "code_list_uri"}
)
FIELD_UPDATE_COLUMNS = [
    "position",
    "title",
    "definition",
    "datatype",
    "unit",
    "required",
    "constraints",
    "concept_uri",
    "code_list_uri",
]

# Dataset attributes a form or the API may set directly (the one list: see the model).
DATASET_FIELDS = Dataset.DESCRIPTION_FIELDS


class StaleRevision(Exception):
    """The change was based on an older revision of the dataset than the stored one."""

    def __init__(self, current: int):
        super().__init__(
            f"Someone else changed this dataset while you were editing (it is now at revision {current}). "
            "Reload the page to see their changes, then make yours again."
        )
        self.current = current


class ReviewRequired(PermissionDenied):
    """A person tried to change a published dataset's live record directly where its
    organisation requires every publication to be reviewed: the change belongs in a draft."""

    def __init__(self, organisation: Organisation):
        super().__init__(
            f"{organisation.name} requires a second editor to review every change to a published dataset. "
            "Save your change as a draft (the dataset's edit page) and ask for review; it is published when approved."
        )


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


def _refuse_bypassing_review(user, dataset: Dataset) -> None:
    """Where the organisation requires review, a person's change to what a published dataset
    says goes through a reviewed draft (catalogue.workflow), never straight to the live record.
    System actors (harvests, OpenLineage on behalf of no editor) write what their source says."""
    if getattr(user, "username", "").startswith(SYSTEM_PREFIX):
        return
    if dataset.status == Dataset.Status.PUBLISHED and dataset.publisher.requires_review:
        raise ReviewRequired(dataset.publisher)


def _lock(dataset: Dataset, expected_revision: int | None) -> Dataset:
    # The publisher comes along (its review rule is asked on every change), unlocked.
    locked = Dataset.objects.select_for_update(of=("self",)).select_related("publisher").get(pk=dataset.pk)
    if expected_revision is not None and int(expected_revision) != locked.revision:
        raise StaleRevision(locked.revision)
    return locked


def _bump(dataset: Dataset, user, *, locked: bool = False, reason: str = "") -> None:
    """A part of the dataset changed: a new revision (so stale forms and ETags are refused)
    and a history record of the dataset, so its history lists every change and restoring
    that version brings back the parts as they were then; ``reason`` says what changed."""
    row = dataset if locked else _lock(dataset, None)
    row.revision += 1
    if reason:
        row._change_reason = reason
    _with_user(row, user).save()
    dataset.revision, dataset.updated_at = row.revision, row.updated_at


def _parts_changed(dataset_id: int, parts: Iterable = ()) -> None:
    """Record what changing these parts of one dataset sets off (see catalogue.outbox)."""
    parts = list(parts)
    if any(isinstance(part, ValidationCheck) for part in parts):
        outbox.checks_changed([dataset_id])
    else:
        outbox.datasets_changed([dataset_id])
    distributions = [p for p in parts if isinstance(p, Distribution) and p.pk is not None]
    if distributions:
        outbox.distribution_links_changed(_links_not_checked(distributions))


def _links_not_checked(distributions: list[Distribution]) -> list[int]:
    """The distributions whose current URLs differ from those last checked."""
    checked: dict[int, dict[str, str]] = {}
    for distribution_id, kind, url in LinkCheck.objects.filter(
        distribution_id__in=[d.pk for d in distributions]
    ).values_list("distribution_id", "kind", "url"):
        checked.setdefault(distribution_id, {})[kind] = url
    return [
        d.pk
        for d in distributions
        if checked.get(d.pk, {}).get(LinkCheck.Kind.ACCESS) != d.access_url
        or checked.get(d.pk, {}).get(LinkCheck.Kind.DOWNLOAD, "") != d.download_url
    ]


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
    outbox.datasets_changed([dataset.pk])
    return dataset


# What a trusted importer (the demo loader, a harvest) may also set: the identity and the
# workflow state the dataset already has at its source.
IMPORT_FIELDS = ("uuid", "uri", "slug", "status", "published_at", "withdrawn_at", "withdrawn_reason")


@transaction.atomic
def dataset_import(
    *,
    user,
    organisation: Organisation,
    data: dict,
    keywords: Iterable[str] = (),
    themes: Iterable = (),
    parts: Iterable = (),
) -> Dataset:
    """Create a dataset as it stands elsewhere (already published, withdrawn...), with its
    parts, as one change. For machine writers acting as a system actor or an editor: the same
    permission, validation, history and outbox as ``dataset_create``; the DCAT-AP gate of
    ``dataset_publish`` is not re-run on a record its source already published."""
    if not access.can_edit_for_organisation(user, organisation.pk):
        raise PermissionDenied("You may not create datasets for this organisation.")
    dataset = Dataset(publisher=organisation, created_by=user if getattr(user, "is_authenticated", False) else None)
    unknown = set(data) - {*DATASET_FIELDS, *IMPORT_FIELDS}
    if unknown:
        raise ValidationError(f"Unknown dataset properties: {', '.join(sorted(unknown))}.")
    for name, value in data.items():
        setattr(dataset, name, value)
    dataset.full_clean(exclude=["slug", "uri"])
    _with_user(dataset, user).save()
    _set_m2m_quietly(dataset, list(keywords), list(themes))
    parts = list(parts)
    for part in parts:
        part.dataset = dataset
        _save_part(part, dataset, user)
    _with_user(dataset, user).save()
    _parts_changed(dataset.pk, parts)
    return dataset


# What a re-import may change besides the description: the workflow state at the source.
REIMPORT_STATE_FIELDS = ("status", "published_at", "withdrawn_at", "withdrawn_reason")


@transaction.atomic
def dataset_reimport(
    *,
    dataset: Dataset,
    user,
    data: dict,
    keywords: Iterable[str] = (),
    themes: Iterable = (),
    parts: Iterable = (),
) -> Dataset:
    """Replace a dataset's description, keywords, themes and parts (distributions, fields)
    with what its source says now, as one revision: a harvest's update of a record it
    brought in. ``data`` may also set the workflow state (a dataset the source lists again
    after a harvest withdrew it is published again)."""
    _require_edit(user, dataset)
    locked = _lock(dataset, None)
    unknown = set(data) - {*DATASET_FIELDS, *REIMPORT_STATE_FIELDS}
    if unknown:
        raise ValidationError(f"Unknown dataset properties: {', '.join(sorted(unknown))}.")
    parts = list(parts)
    changed = []
    for model, key in ((Distribution, _distribution_key), (Field, lambda f: f.name)):
        changed += _parts_replace(locked, user, model, [p for p in parts if isinstance(p, model)], key)
    for name, value in data.items():
        setattr(locked, name, value)
    locked.revision += 1
    locked.full_clean(exclude=["slug", "uri"])
    _set_m2m_quietly(locked, list(keywords), list(themes))
    _with_user(locked, user).save()
    _parts_changed(locked.pk, changed)
    return locked


def _distribution_key(distribution: Distribution):
    return distribution.uri or (distribution.access_url, distribution.download_url)


def _parts_replace(dataset: Dataset, user, model, new_parts: list, key) -> list:
    """Make ``dataset``'s parts of ``model`` the ``new_parts``, touching only what differs: a
    part with the same key and the same values is left alone, one whose values differ is
    updated in place, the rest are created or deleted. Returns the parts written."""
    compared = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "uuid", "uri", "dataset_id")]
    old = list(model.objects.filter(dataset=dataset))
    by_key = {}
    for part in old:
        by_key.setdefault(key(part), part)
        if model is Distribution:
            by_key.setdefault((part.access_url, part.download_url), part)
    kept, written = set(), []
    for part in new_parts:
        match = by_key.get(key(part))
        if match is not None and match.pk not in kept:
            kept.add(match.pk)
            if all(getattr(match, name) == getattr(part, name) for name in compared):
                continue
            for name in compared:
                setattr(match, name, getattr(part, name))
            part = match
        part.dataset = dataset
        _save_part(part, dataset, user)
        written.append(part)
    for part in old:
        if part.pk not in kept:
            _with_user(part, user).delete()
            written.append(part)
    return written


@transaction.atomic
def organisation_create(*, user, data: dict) -> Organisation:
    """A new publishing organisation; site administrators create them."""
    if not getattr(user, "is_superuser", False):
        raise PermissionDenied("Only site administrators may add organisations.")
    organisation = Organisation(**{k: v for k, v in data.items() if k in ORGANISATION_FIELDS})
    organisation.full_clean(exclude=["slug", "uri"])
    _with_user(organisation, user).save()
    return organisation


@transaction.atomic
def organisation_update(*, organisation: Organisation, user, data: dict) -> Organisation:
    """Change an organisation's name or details; its admins (and site administrators) do.
    Its datasets' records show them, so they are rebuilt."""
    if not access.can_manage_organisation(user, organisation.pk):
        raise PermissionDenied("Only admins of this organisation may change its details.")
    unknown = set(data) - set(ORGANISATION_FIELDS) | ({"slug"} & set(data))
    if unknown:
        raise ValidationError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    for name, value in data.items():
        setattr(organisation, name, value)
    organisation.full_clean(exclude=["uri"])
    _with_user(organisation, user).save()
    outbox.organisation_changed(organisation.pk)
    return organisation


ORGANISATION_FIELDS = (
    "name",
    "slug",
    "kind",
    "abbreviation",
    "description",
    "homepage",
    "email",
    "requires_review",
)


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
    publishing: bool = False,
) -> Dataset:
    """Change the dataset's properties, and the parts a form edits with it (distributions,
    fields, ...), as one revision; refused when based on a stale revision.

    Parts are written before the dataset row so the dataset's history record, which
    comes last, marks the moment the whole change was complete; its change reason says
    what changed. ``publishing`` is set only by catalogue.workflow when it publishes a
    reviewed (or review-free) draft: the same revision then records the publication, and the
    organisation's review rule has been applied there already.
    """
    _require_edit(user, dataset)
    locked = _lock(dataset, expected_revision)
    if not publishing:
        _refuse_bypassing_review(user, locked)
    save_parts, delete_parts = list(save_parts), list(delete_parts)
    for part in delete_parts:
        if part.dataset_id != locked.pk:
            raise PermissionDenied("This part belongs to another dataset.")
        _with_user(part, user).delete()
    parts_added = [part for part in save_parts if part.pk is None]
    for part in save_parts:
        _save_part(part, locked, user)
    before = {name: getattr(locked, Dataset._meta.get_field(name).attname) for name in DATASET_FIELDS}
    for name in DATASET_FIELDS:
        if name in data:
            setattr(locked, name, data[name])
    changed = [
        str(Dataset._meta.get_field(name).verbose_name)
        for name in DATASET_FIELDS
        if getattr(locked, Dataset._meta.get_field(name).attname) != before[name]
    ]
    changed += _m2m_changes(locked, keywords, themes)
    locked.revision += 1
    locked.full_clean(exclude=["slug", "uri"])
    _set_m2m_quietly(locked, keywords, themes)
    summary = describe(changed, _part_counts(save_parts, parts_added, delete_parts))
    if publishing:
        locked.status = Dataset.Status.PUBLISHED
        locked.published_at = timezone.now()
        locked.review_requested_by = None
        locked.review_requested_at = None
        locked._change_reason = with_prefix("Published", summary)
    else:
        locked._change_reason = summary or "Saved without changes"
    _with_user(locked, user).save()
    _parts_changed(locked.pk, [*save_parts, *delete_parts])
    return locked


# The kind of part each model is, as catalogue.changes names it.
PART_KIND = {
    Distribution: "distributions",
    Field: "fields",
    CollectionMethod: "method",
    ValidationCheck: "checks",
    QualityMeasurement: "measurements",
}


def _part_counts(saved: list, added: list, deleted: list) -> dict[str, tuple[int, int, int]]:
    """Per kind of part: how many were added, changed and removed."""
    counts: dict[str, list[int]] = {}
    added_ids = {id(part) for part in added}
    for parts, column in ((saved, None), (deleted, 2)):
        for part in parts:
            kind = PART_KIND.get(type(part))
            if kind is None:
                continue
            index = column if column is not None else (0 if id(part) in added_ids else 1)
            counts.setdefault(kind, [0, 0, 0])[index] += 1
    return {kind: (a, c, r) for kind, (a, c, r) in counts.items()}


def _m2m_changes(dataset: Dataset, keywords, themes) -> list[str]:
    """Which of keywords and themes the new values change."""
    changed = []
    if keywords is not None:
        now = {k.lower() for k in dataset.keywords.values_list("name", flat=True)}
        if now != {k.strip().lower() for k in keywords if k.strip()}:
            changed.append("keywords")
    if themes is not None:
        if set(dataset.themes.values_list("pk", flat=True)) != {getattr(t, "pk", t) for t in themes}:
            changed.append("themes")
    return changed


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
            locked._change_reason = "Asked for review"
            _with_user(locked, user).save()
            outbox.datasets_changed([locked.pk])
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
    locked._change_reason = "Published"
    _with_user(locked, user).save()
    outbox.datasets_changed([locked.pk])
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
    locked._change_reason = "Withdrawn"
    _with_user(locked, user).save()
    outbox.datasets_changed([locked.pk])
    return locked


@transaction.atomic
def dataset_delete(*, dataset: Dataset, user) -> None:
    """Delete a dataset and its parts for good (site administrators, through the admin).

    Usually a dataset is withdrawn instead: its page stays and so does its lineage. A delete
    takes it out of the lineage graph (its derivations go with it), out of search, and leaves
    a tombstone record so harvesters learn that it went away.
    """
    if not getattr(user, "is_superuser", False):
        raise PermissionDenied("Only site administrators may delete a dataset; editors withdraw it.")
    locked = _lock(dataset, None)
    pairs = list(
        Derivation.objects.current().filter(Q(source=locked) | Q(derived=locked)).values_list("source_id", "derived_id")
    )
    # Recorded before the delete, while the datasets it feeds can still be found.
    outbox.checks_changed([locked.pk])
    for source_id, derived_id in pairs:
        outbox.derivation_changed(source_id, derived_id)
    _with_user(locked, user).delete()


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
    _refuse_bypassing_review(user, locked)
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
    _parts_changed(locked.pk, list(locked.distributions.all()))
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
    bump the dataset's revision: the one path every part's save service takes. What the
    publisher describes (not the checks and measurements that record what happened to the
    data) is refused on a published dataset whose organisation requires review."""
    _require_edit(user, dataset)
    if not isinstance(part, ValidationCheck | QualityMeasurement):
        _refuse_bypassing_review(user, dataset)
    if part.dataset_id != dataset.pk:
        raise PermissionDenied(f"This {part._meta.verbose_name} belongs to another dataset.")
    for name, value in data.items():
        setattr(part, name, value)
    part.full_clean(exclude=exclude)
    # full_clean skips constraints on excluded fields, and every part's uniqueness
    # (e.g. one field name per dataset) involves its dataset.
    part.validate_constraints()
    added = part.pk is None
    _with_user(part, user).save()
    _bump(dataset, user, reason=describe([], {PART_KIND[type(part)]: (1, 0, 0) if added else (0, 1, 0)}))
    _parts_changed(dataset.pk, [part])
    return part


def _part_delete(part, user) -> None:
    dataset = part.dataset
    _require_edit(user, dataset)
    if not isinstance(part, ValidationCheck | QualityMeasurement):
        _refuse_bypassing_review(user, dataset)
    _with_user(part, user).delete()
    _bump(dataset, user, reason=describe([], {PART_KIND[type(part)]: (0, 0, 1)}))
    _parts_changed(dataset.pk, [part])


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
    """Replace the data dictionary with imported rows (keeping rows whose name matches).

    Only the keys of FIELD_IMPORT_KEYS are taken from a row; anything else is refused, so a
    client-shaped row can never set which dataset a field belongs to. Written in bulk (a
    fixed number of queries whatever the number of rows), each field validated as a form
    would, with a history record per field in the user's name.
    """
    _require_edit(user, dataset)
    if not isinstance(rows, list) or not all(
        isinstance(row, dict) and isinstance(row.get("name"), str) for row in rows
    ):
        raise ValidationError("Each row is an object with a column name.")
    locked = _lock(dataset, expected_revision)
    _refuse_bypassing_review(user, locked)
    names = [row["name"] for row in rows]
    if len(set(names)) != len(names):
        raise ValidationError({"name": "Each column name may appear only once."})
    existing = {f.name: f for f in locked.fields.all()}
    created, updated, saved = [], [], []
    for position, row in enumerate(rows):
        unknown = set(row) - FIELD_IMPORT_KEYS
        if unknown:
            raise ValidationError(f"Unknown field properties: {', '.join(sorted(map(str, unknown)))}.")
        field = existing.get(row["name"]) or Field(dataset=locked)
        for name, value in row.items():
            # An import without a definition or title keeps the one already written.
            if name in ("title", "definition", "unit") and not value and field.pk:
                continue
            setattr(field, name, value)
        field.position = position
        # Names are unique within the rows (checked above) and keyed by name, so the
        # per-row uniqueness queries full_clean would run can be skipped.
        field.full_clean(exclude=["dataset"], validate_unique=False, validate_constraints=False)
        (updated if field.pk else created).append(field)
        saved.append(field)
    history_user = user if getattr(user, "is_authenticated", False) else None
    removed = [f for name, f in existing.items() if name not in set(names)]
    for field in removed:
        _with_user(field, user).delete()
    if created:
        bulk_create_with_history(created, Field, default_user=history_user)
    if updated:
        bulk_update_with_history(updated, Field, FIELD_UPDATE_COLUMNS, default_user=history_user)
    _bump(locked, user, locked=True, reason=f"Imported the data dictionary ({len(saved)} fields)")
    outbox.datasets_changed([locked.pk])
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


# One answer for a user name that names no one and for an account that cannot be added
# (deactivated, or a system actor), so adding members tells no one which accounts exist
# beyond the active people an organisation's admin may add anyway.
MEMBER_NOT_FOUND = "No one who can be added has that user name."


def addable_members():
    """The accounts an organisation's admin may add: active people, not system actors."""
    User = Membership._meta.get_field("user").related_model
    return User.objects.filter(is_active=True).exclude(username__startswith=SYSTEM_PREFIX)


@transaction.atomic
def membership_set(*, organisation: Organisation, user, member, role: str) -> Membership:
    if not access.can_manage_organisation(user, organisation.pk):
        raise PermissionDenied("Only admins of this organisation may manage its members.")
    if role not in Membership.Role.values:
        raise ValidationError({"role": f"Choose one of: {', '.join(Membership.Role.values)}."})
    membership = Membership.objects.filter(organisation=organisation, user=member).first()
    if membership is None:
        if not addable_members().filter(pk=member.pk).exists():
            raise ValidationError({"user": MEMBER_NOT_FOUND})
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


# The admin: Django's generic editor for site administrators. It saves records itself, so
# it reports each saved or deleted record here to record what the change sets off.


def admin_saved(obj, *, previous_pair: tuple[int, int] | None = None) -> None:
    """Record the derived work an admin save of ``obj`` sets off (see catalogue.outbox)."""
    if isinstance(obj, Dataset):
        # The dataset admin edits the parts inline too.
        outbox.checks_changed([obj.pk])
        outbox.distribution_links_changed(_links_not_checked(list(obj.distributions.all())))
    elif isinstance(obj, (Distribution, Field, CollectionMethod, ValidationCheck, QualityMeasurement)):
        _parts_changed(obj.dataset_id, [obj])
    elif isinstance(obj, Derivation):
        if previous_pair and previous_pair != (obj.source_id, obj.derived_id):
            outbox.derivation_changed(*previous_pair)
        outbox.derivation_changed(obj.source_id, obj.derived_id)
    elif isinstance(obj, Organisation):
        outbox.organisation_changed(obj.pk)
    elif isinstance(obj, Keyword):
        outbox.datasets_changed(obj.datasets.values_list("pk", flat=True))
    elif isinstance(obj, Activity):
        outbox.activities_changed([obj.pk])
    elif isinstance(obj, Agent):
        outbox.activities_changed(obj.activities.values_list("pk", flat=True))


def admin_deleted(obj, *, user) -> None:
    """Delete ``obj`` for the admin, recording what the delete sets off."""
    if isinstance(obj, Dataset):
        dataset_delete(dataset=obj, user=user)
        return
    with transaction.atomic():
        if isinstance(obj, Keyword | Agent):
            admin_saved(obj)  # while its datasets and activities can still be found
        obj.delete()
        if not isinstance(obj, Keyword | Agent):
            admin_saved(obj)
