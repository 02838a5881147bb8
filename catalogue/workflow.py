"""The publishing workflow: working drafts of published datasets, publication, and review.

Editing a published dataset saves a working draft (catalogue.models.DatasetDraft) beside the
live record; the public keeps reading the live rows until the draft is published. Publishing
applies the draft through the ordinary services (catalogue.services.dataset_update, the
derivation services) in one transaction, so the outbox, the revision and the history follow
exactly as for any other change. Where the organisation requires review, publishing first asks
another editor or admin of the organisation, who approves (which publishes) or returns it with
a comment; the requester is told on their dashboard and by email.

Pages and the API call these functions; who may do what comes from catalogue.access.
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from catalogue import access, outbox, services
from catalogue.changes import describe, with_prefix
from catalogue.models import (
    CollectionMethod,
    Dataset,
    DatasetDraft,
    DatasetReview,
    Distribution,
    Field,
    Membership,
    QualityMeasurement,
    ValidationCheck,
    VocabularyTerm,
)
from catalogue.publication import dcat_ap_violations, publication_problems
from provenance.models import Derivation
from provenance.services import derivation_sources_set

# The parts a draft carries, by their key in the content.
PART_MODELS = {
    "distributions": Distribution,
    "fields": Field,
    "checks": ValidationCheck,
    "measurements": QualityMeasurement,
}
# Columns of a part that identify it or tie it to its dataset, never copied from a draft.
IDENTITY_COLUMNS = {"id", "uuid", "uri", "dataset_id"}


# --- content: one shape for the live record and a draft ------------------------------------


def _plain(value):
    """A value as JSON carries it (dates as ISO text)."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _columns(model) -> list:
    return [f for f in model._meta.concrete_fields if f.attname not in IDENTITY_COLUMNS]


def part_values(part) -> dict:
    """One part (distribution, field, collection method, check, measurement) as content."""
    values = {"id": part.pk}
    for field in _columns(type(part)):
        values[field.attname] = _plain(getattr(part, field.attname))
    return values


def dataset_values(dataset: Dataset) -> dict:
    """The dataset's own described properties as content, keyed by column."""
    return {
        Dataset._meta.get_field(name).attname: _plain(getattr(dataset, Dataset._meta.get_field(name).attname))
        for name in Dataset.DESCRIPTION_FIELDS
    }


def dataset_content(dataset: Dataset) -> dict:
    """What a draft records, read from the live record: the same shape, so a draft and the
    live version are compared key by key."""
    method = CollectionMethod.objects.filter(dataset=dataset).first()
    derivations = list(Derivation.objects.current().filter(derived=dataset))
    return {
        "data": dataset_values(dataset),
        "keywords": sorted(dataset.keywords.values_list("name", flat=True)),
        "themes": sorted(dataset.themes.values_list("pk", flat=True)),
        **{key: [part_values(p) for p in model.objects.filter(dataset=dataset)] for key, model in PART_MODELS.items()},
        "method": part_values(method) if method else None,
        "derivation": {
            "sources": sorted(d.source_id for d in derivations),
            "description": next((d.description for d in derivations if d.description), ""),
        },
    }


def draft_content(
    *,
    dataset: Dataset,
    data: dict,
    keywords: list[str],
    themes,
    parts: dict[str, list],
    method: CollectionMethod | None,
    sources,
    description: str,
) -> dict:
    """A draft's content from what a form parsed: ``data`` maps description fields to values
    (missing ones keep the live value), ``parts`` maps each key of ``PART_MODELS`` to the unsaved
    part objects as the editor left them (existing ones keep their id)."""
    values = dataset_values(dataset)
    for name, value in data.items():
        if name not in Dataset.DESCRIPTION_FIELDS:
            continue
        field = Dataset._meta.get_field(name)
        values[field.attname] = _plain(value.pk if field.is_relation and value is not None else value)
    return {
        "data": values,
        "keywords": sorted(keywords),
        "themes": sorted(getattr(t, "pk", t) for t in themes),
        **{key: [part_values(p) for p in parts.get(key, [])] for key in PART_MODELS},
        "method": part_values(method) if method is not None else None,
        "derivation": {"sources": sorted(getattr(s, "pk", s) for s in sources), "description": description or ""},
    }


# --- comparing two contents ------------------------------------------------------------------


@dataclass
class PartChange:
    label: str
    changes: list[tuple[str, str, str]]


def _labels(model, attname: str) -> str:
    field = next(f for f in model._meta.concrete_fields if f.attname == attname)
    return str(field.verbose_name)


def _shown(value) -> str:
    if value is None or value == "" or value == {} or value == []:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _part_label(key: str, row: dict) -> str:
    if key == "fields":
        return row.get("name") or "(unnamed field)"
    if key == "distributions":
        return row.get("title") or row.get("access_url") or "(distribution)"
    if key == "checks":
        return row.get("name") or "(check)"
    if key == "measurements":
        return row.get("metric") or "(measurement)"
    return "Collection method"


def _term_columns(model) -> list[str]:
    return [f.attname for f in _columns(model) if f.is_relation and f.related_model is VocabularyTerm]


def content_diff(live: dict, draft: dict) -> dict:
    """What the draft changes against the live version: properties field by field, keywords
    and themes, and per kind of part the rows added, removed and changed (with their fields)."""
    term_ids = set(live["themes"]) | set(draft["themes"])
    for content in (live, draft):
        term_ids |= {content["data"].get(a) for a in _term_columns(Dataset)}
        for key, model in PART_MODELS.items():
            for row in content[key]:
                term_ids |= {row.get(a) for a in _term_columns(model)}
    terms = {t.pk: t.label for t in VocabularyTerm.objects.filter(pk__in=[i for i in term_ids if i])}

    def show(model, attname, value):
        if attname in _term_columns(model):
            return terms.get(value, "—") if value else "—"
        if model is Dataset and attname == "access_rights" and value:
            return Dataset.AccessRights(value).label
        return _shown(value)

    properties = []
    for attname, before in live["data"].items():
        after = draft["data"].get(attname)
        if before != after:
            properties.append(
                (_labels(Dataset, attname), show(Dataset, attname, before), show(Dataset, attname, after))
            )
    if sorted(k.lower() for k in live["keywords"]) != sorted(k.lower() for k in draft["keywords"]):
        properties.append(("keywords", ", ".join(live["keywords"]) or "—", ", ".join(draft["keywords"]) or "—"))
    if sorted(live["themes"]) != sorted(draft["themes"]):
        properties.append(
            (
                "themes",
                ", ".join(sorted(terms.get(t, "?") for t in live["themes"])) or "—",
                ", ".join(sorted(terms.get(t, "?") for t in draft["themes"])) or "—",
            )
        )
    parts = {}
    for key, model in (*PART_MODELS.items(), ("method", CollectionMethod)):
        before_rows = live[key] if key != "method" else [live["method"]] if live["method"] else []
        after_rows = draft[key] if key != "method" else [draft["method"]] if draft["method"] else []
        before = {row["id"]: row for row in before_rows}
        added, changed, kept = [], [], set()
        for row in after_rows:
            old = before.get(row.get("id")) if row.get("id") else None
            if key == "method" and old is None and before:
                old = next(iter(before.values()))
            if old is None:
                added.append(_part_label(key, row))
                continue
            kept.add(old["id"])
            diffs = [
                (_labels(model, a), show(model, a, old.get(a)), show(model, a, row.get(a)))
                for a in row
                if a not in ("id", "position", "activity_id") and old.get(a) != row.get(a)
            ]
            if diffs:
                changed.append(PartChange(_part_label(key, row), diffs))
        removed = [_part_label(key, row) for pk, row in before.items() if pk not in kept]
        if added or changed or removed:
            parts[key] = {"added": added, "changed": changed, "removed": removed}
    sources_before, sources_after = set(live["derivation"]["sources"]), set(draft["derivation"]["sources"])
    sources = {
        "added": list(Dataset.objects.filter(pk__in=sources_after - sources_before).values_list("title", flat=True)),
        "removed": list(Dataset.objects.filter(pk__in=sources_before - sources_after).values_list("title", flat=True)),
    }
    if sources["added"] or sources["removed"]:
        parts["sources"] = {**sources, "changed": []}
    return {"properties": properties, "parts": parts}


def diff_summary(diff: dict) -> str:
    """The diff in one sentence ("Changed the title and 2 fields; added a distribution")."""
    return describe(
        [name for name, _, _ in diff["properties"]],
        {key: (len(p["added"]), len(p["changed"]), len(p["removed"])) for key, p in diff["parts"].items()},
    )


# --- drafts ------------------------------------------------------------------------------------


def working_draft(dataset: Dataset) -> DatasetDraft | None:
    return DatasetDraft.objects.filter(dataset=dataset).select_related("created_by").first()


@transaction.atomic
def draft_save(
    *, dataset: Dataset, user, content: dict, form_data: dict, expected_revision: int | None
) -> DatasetDraft:
    """Keep an editor's changes to a published dataset as its working draft; the live record,
    and so everything the public reads, stays as it is. Refused when the live version changed
    since the form was read (the editor would otherwise overwrite it unawares)."""
    services._require_edit(user, dataset)
    locked = services._lock(dataset, expected_revision)
    if locked.status != Dataset.Status.PUBLISHED:
        raise ValidationError("Only a published dataset keeps a separate draft; save this one directly.")
    summary = diff_summary(content_diff(dataset_content(locked), content))
    draft = DatasetDraft.objects.select_for_update().filter(dataset=locked).first()
    if draft is None:
        draft = DatasetDraft(dataset=locked, created_by=user if user.is_authenticated else None)
    draft.content, draft.form_data, draft.base_revision = content, form_data, locked.revision
    draft.summary = summary[:300]
    draft._change_reason = with_prefix("Draft saved", summary)
    services._with_user(draft, user).save()
    return draft


@transaction.atomic
def draft_discard(*, dataset: Dataset, user) -> None:
    """Throw the working draft away (and any review waiting on it); the live version stays."""
    services._require_edit(user, dataset)
    locked = services._lock(dataset, None)
    draft = DatasetDraft.objects.filter(dataset=locked).first()
    if draft is None:
        return
    waiting = _waiting(locked)
    if waiting is not None:
        _close(waiting, DatasetReview.State.CANCELLED, user, "")
        _clear_request(locked, user, "Review cancelled: the draft was discarded")
    draft._change_reason = "Draft discarded"
    services._with_user(draft, user).delete()


def _apply(locked: Dataset, draft: DatasetDraft, user) -> Dataset:
    """Make the live record say what the draft says, through the ordinary update service."""
    content = draft.content
    data = {}
    for name in Dataset.DESCRIPTION_FIELDS:
        field = Dataset._meta.get_field(name)
        value = content["data"].get(field.attname)
        if field.is_relation:
            data[name] = field.related_model.objects.filter(pk=value).first() if value else None
        else:
            data[name] = field.to_python(value)
    save, delete = [], []
    for key, model in (*PART_MODELS.items(), ("method", CollectionMethod)):
        rows = content[key] if key != "method" else [content["method"]] if content["method"] else []
        live = {part.pk: part for part in model.objects.filter(dataset=locked)}
        for row in rows:
            part = live.pop(row.get("id"), None) if row.get("id") else None
            if part is None and key == "method" and live:
                part = live.pop(next(iter(live)))
            if part is None:
                part = model(dataset=locked)
            elif part_values(part) == {**row, "id": part.pk}:
                continue
            for field in _columns(model):
                if field.attname in row:
                    setattr(part, field.attname, field.to_python(row[field.attname]))
            save.append(part)
        delete.extend(live.values())
    updated = services.dataset_update(
        dataset=locked,
        user=user,
        data=data,
        expected_revision=None,
        keywords=content["keywords"],
        themes=list(VocabularyTerm.objects.filter(pk__in=content["themes"], scheme=VocabularyTerm.Scheme.THEME)),
        save_parts=save,
        delete_parts=delete,
        publishing=True,
    )
    _apply_derivations(updated, user, content["derivation"])
    return updated


def _apply_derivations(dataset: Dataset, user, wanted: dict) -> None:
    sources = access.visible_datasets(user).filter(pk__in=wanted["sources"])
    derivation_sources_set(derived=dataset, sources=sources, user=user, description=wanted.get("description", ""))


# --- publishing and review ---------------------------------------------------------------------


class Outcome:
    PUBLISHED = "published"
    REVIEW_REQUESTED = "review-requested"
    NOTHING = "nothing"


def _waiting(dataset: Dataset) -> DatasetReview | None:
    """The review the dataset waits for. The dataset's own ``review_requested_by`` is the truth
    the services keep; a request made through ``services.dataset_publish`` alone gets its
    review record here, when it is first acted on."""
    review = DatasetReview.objects.filter(dataset=dataset, state=DatasetReview.State.WAITING).first()
    if review is None and dataset.review_requested_by_id is not None:
        review = DatasetReview.objects.create(
            dataset=dataset,
            requested_by_id=dataset.review_requested_by_id,
            requested_at=dataset.review_requested_at or timezone.now(),
            of_draft=DatasetDraft.objects.filter(dataset=dataset).exists(),
        )
    elif review is not None and dataset.review_requested_by_id is None:
        # The request was settled outside the workflow (published or withdrawn directly).
        _close(review, DatasetReview.State.CANCELLED, AnonymousUser(), "")
        review = None
    return review


def _close(review: DatasetReview, state: str, user, comment: str) -> None:
    review.state, review.comment, review.decided_at = state, comment, timezone.now()
    review.reviewer = user if user.is_authenticated else None
    review.save()


def _clear_request(locked: Dataset, user, reason: str) -> None:
    locked.review_requested_by = None
    locked.review_requested_at = None
    locked.revision += 1
    locked._change_reason = reason
    services._with_user(locked, user).save()
    outbox.datasets_changed([locked.pk])


@transaction.atomic
def dataset_publish(*, dataset: Dataset, user) -> tuple[Dataset, str]:
    """Publish the dataset, or its working draft; where the organisation requires review, ask
    for it (the first time) or approve it (another editor or admin). Returns the dataset and
    what happened (an ``Outcome``). The draft is applied and published in one transaction:
    if the result fails the publication rule, nothing changes and the draft stays."""
    if not access.can_publish_dataset(user, dataset):
        raise PermissionDenied("Only editors and admins of the publishing organisation may publish.")
    locked = services._lock(dataset, None)
    draft = DatasetDraft.objects.select_for_update().filter(dataset=locked).first()
    waiting = _waiting(locked)
    if draft is None:
        if locked.status == Dataset.Status.PUBLISHED:
            return locked, Outcome.NOTHING
        result = services.dataset_publish(dataset=locked, user=user)
        if result.status == Dataset.Status.PUBLISHED:
            if waiting is not None:
                _close(waiting, DatasetReview.State.APPROVED, user, "")
                _tell_requester(waiting)
            return result, Outcome.PUBLISHED
        if waiting is None:
            _request_review(result, user, of_draft=False)
        return result, Outcome.REVIEW_REQUESTED
    if locked.publisher.requires_review:
        if waiting is None:
            _refuse_if_unpublishable(locked, draft, user)
            locked.review_requested_by, locked.review_requested_at = user, timezone.now()
            locked.revision += 1
            locked._change_reason = "Asked for review of the draft"
            services._with_user(locked, user).save()
            outbox.datasets_changed([locked.pk])
            _request_review(locked, user, of_draft=True)
            return locked, Outcome.REVIEW_REQUESTED
        if waiting.requested_by_id == user.pk:
            raise PermissionDenied("A different editor must approve the publication you asked for.")
    published = _publish_draft(locked, draft, user)
    if waiting is not None:
        _close(waiting, DatasetReview.State.APPROVED, user, "")
        _tell_requester(waiting)
    return published, Outcome.PUBLISHED


def _publish_draft(locked: Dataset, draft: DatasetDraft, user) -> Dataset:
    published = _apply(locked, draft, user)
    problems = publication_problems(published)
    if not problems:
        violations = dcat_ap_violations(published)
        if violations:
            problems = {"__all__": "The DCAT-AP record does not conform: " + "; ".join(violations)}
    if problems:
        raise services.PublicationRefused(problems)
    draft._change_reason = "Draft published"
    services._with_user(draft, user).delete()
    return published


def _refuse_if_unpublishable(locked: Dataset, draft: DatasetDraft, user) -> None:
    """Ask for review only of a draft that could be published: try it, then undo."""
    try:
        with transaction.atomic():
            _publish_draft(locked, draft, user)
            raise _TrialPassed
    except _TrialPassed:
        locked.refresh_from_db()


class _TrialPassed(Exception):
    """Rolls back the trial publication of a draft once it has passed the rule."""


@transaction.atomic
def review_return(*, dataset: Dataset, user, comment: str) -> DatasetReview:
    """Send a publication back to its requester with a comment (required: it is what they
    act on). The draft, or the unpublished dataset, stays as it is for them to fix."""
    locked = services._lock(dataset, None)
    waiting = _waiting(locked)
    if waiting is None:
        raise ValidationError("Nothing is waiting for review on this dataset.")
    if not access.can_approve_review(user, locked):
        raise PermissionDenied("Another editor or admin of the organisation reviews a request; not its requester.")
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": "Say what needs to change: the requester sees your comment."})
    _close(waiting, DatasetReview.State.RETURNED, user, comment)
    _clear_request(locked, user, "Returned with comments")
    _tell_requester(waiting)
    return waiting


def _request_review(dataset: Dataset, user, *, of_draft: bool) -> DatasetReview:
    review = DatasetReview.objects.create(
        dataset=dataset,
        requested_by=user,
        requested_at=dataset.review_requested_at or timezone.now(),
        of_draft=of_draft,
    )
    reviewers = [u.email for u in reviewers_for(dataset, exclude=user) if u.email]
    if reviewers:
        url = _absolute(reverse("publish:dataset-review", kwargs={"slug": dataset.slug}))
        what = "changes to" if of_draft else "the publication of"
        _mail(
            f"Review requested: {dataset.title}",
            f"{user.get_username()} asks you to review {what} “{dataset.title}”.\n\n"
            f"See what changes, then approve it or return it with a comment:\n{url}\n",
            reviewers,
        )
    return review


def _tell_requester(review: DatasetReview) -> None:
    requester = review.requested_by
    if requester is None or not requester.email:
        return
    dataset = review.dataset
    reviewer = review.reviewer.get_username() if review.reviewer else "A reviewer"
    if review.state == DatasetReview.State.RETURNED:
        subject = f"Returned with comments: {dataset.title}"
        body = (
            f"{reviewer} returned “{dataset.title}” to you with this comment:\n\n{review.comment}\n\n"
            f"Make the changes and ask for review again:\n"
            f"{_absolute(reverse('publish:dataset-edit', kwargs={'slug': dataset.slug}))}\n"
        )
    else:
        subject = f"Approved and published: {dataset.title}"
        body = f"{reviewer} approved “{dataset.title}”. It is published:\n{_absolute(dataset.get_absolute_url())}\n"
    _mail(subject, body, [requester.email])


def _mail(subject: str, body: str, recipients: list[str]) -> None:
    # Sent once the change is committed: a rolled-back request tells no one.
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=True))


def _absolute(path: str) -> str:
    return f"{settings.PROVCAT_BASE_URI}{path}"


def reviewers_for(dataset: Dataset, *, exclude=None) -> list:
    """The people who may approve a publication of the dataset's organisation (the members
    access.can_approve_review lets: its editors and admins), other than ``exclude`` (the requester)."""
    memberships = Membership.objects.filter(
        organisation_id=dataset.publisher_id, role__in=access.EDIT_ROLES
    ).select_related("user")
    people = [m.user for m in memberships if m.user.is_active]
    return [u for u in people if exclude is None or u.pk != exclude.pk]


def reviews_for_dashboard(user, datasets) -> dict:
    """What waits for whom, among ``datasets`` (the user's organisations' datasets):
    requests the user may approve, requests waiting for someone else, and the user's own
    requests returned with comments (the latest decision on each dataset)."""
    waiting = list(
        datasets.filter(review_requested_by__isnull=False)
        .select_related("publisher", "review_requested_by")
        .order_by("review_requested_at")
    )
    drafted = set(DatasetDraft.objects.filter(dataset__in=waiting).values_list("dataset_id", flat=True))
    items = [
        {
            "dataset": d,
            "requested_by": d.review_requested_by,
            "requested_at": d.review_requested_at,
            "of_draft": d.pk in drafted,
        }
        for d in waiting
    ]
    for_you = [item for item in items if access.can_approve_review(user, item["dataset"])]
    by_others = [item for item in items if item not in for_you]
    returned, seen = [], set()
    latest = (
        DatasetReview.objects.filter(dataset__in=datasets, requested_by=user, dataset__review_requested_by__isnull=True)
        .exclude(state=DatasetReview.State.CANCELLED)
        .select_related("dataset", "reviewer")
        .order_by("dataset_id", "-requested_at", "-pk")
    )
    for review in latest:
        if review.dataset_id in seen:
            continue
        seen.add(review.dataset_id)
        if review.state == DatasetReview.State.RETURNED:
            returned.append(review)
    return {"for_you": for_you, "by_others": by_others, "returned": returned}


def latest_review(dataset: Dataset) -> DatasetReview | None:
    """The dataset's most recent review request (waiting, returned or decided), if any."""
    return review_history(dataset).first()


def empty_content() -> dict:
    """A dataset with nothing written: what a first publication is compared against."""
    return {
        "data": {Dataset._meta.get_field(name).attname: None for name in Dataset.DESCRIPTION_FIELDS},
        "keywords": [],
        "themes": [],
        **{key: [] for key in PART_MODELS},
        "method": None,
        "derivation": {"sources": [], "description": ""},
    }


def review_diff(dataset: Dataset) -> dict:
    """What a reviewer is asked to approve: the working draft against the live version, or, for
    a dataset never published, everything it says (against nothing)."""
    draft = working_draft(dataset)
    if draft is not None:
        return content_diff(dataset_content(dataset), draft.content)
    if dataset.status == Dataset.Status.PUBLISHED:
        return {"properties": [], "parts": {}}
    return content_diff(empty_content(), dataset_content(dataset))


def review_history(dataset: Dataset):
    """The dataset's reviews, newest first (for its history and review pages)."""
    return DatasetReview.objects.filter(dataset=dataset).select_related("requested_by", "reviewer")


def draft_history(dataset: Dataset):
    """Every saved, discarded or published draft of the dataset, newest first."""
    return (
        DatasetDraft.history.filter(dataset_id=dataset.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )


def only_reviewer_note(dataset: Dataset, requester) -> str:
    """Who can approve, in words, when no one else in the organisation can: rather than a dead
    end, the ways forward (a site administrator approves, or another editor is added)."""
    if reviewers_for(dataset, exclude=requester):
        return ""
    return (
        f"No one else at {dataset.publisher.name} can approve this yet: you are its only editor. "
        "A site administrator can approve it, or an admin of the organisation can add another editor "
        "on its members page."
    )
