"""Writes on sharing agreements: proposing, changing, approving, suspending, resuming,
ending, expiring, and the review reminders. Every writer (the pages, the demo, beat)
calls these; the rules are here.

Who may do what:
- editors and admins of either party propose an agreement and change its terms;
- an admin of each party approves the terms for their side; the agreement becomes active
  when both sides have approved the terms as they stand. Changing the terms after that
  clears both approvals and puts the agreement back to "proposed" (its access stops until
  both sides approve again);
- an admin of either party suspends or ends it, giving a reason; a suspended agreement is
  put forward again for both sides' approval;
- beat marks agreements past their end date expired and reminds both parties' admins
  of reviews that are due.
Each step is one AgreementEvent (who, for which side, when, why). Steps that change what
a covered dataset's stored record says about agreements record that work in the outbox.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalogue import access, outbox
from catalogue.models import Dataset, DerivedWork, Field, Membership, Organisation
from catalogue.sharing import legal
from catalogue.sharing.models import AgreementDataItem, AgreementEvent, SharingAgreement

Status = SharingAgreement.Status
Action = AgreementEvent.Action
SIDES = ("provider", "recipient")

# The terms a form or caller may set (everything in TERMS but the two parties, which are
# fixed when the agreement is proposed: a different party is a different agreement).
EDITABLE_TERMS = tuple(t for t in SharingAgreement.TERMS if t not in ("provider", "recipient"))

CHANGEABLE_STATUSES = (Status.PROPOSED, Status.ACTIVE, Status.SUSPENDED, Status.EXPIRED)


class StaleAgreement(Exception):
    def __init__(self, current: int):
        super().__init__(
            f"Someone else changed this agreement while you were editing (it is now at revision {current}). "
            "Reload the page to see their changes, then make yours again."
        )
        self.current = current


# -- who may do what ----------------------------------------------------------------------


def _is_authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def sides_of(user, agreement: SharingAgreement, *, roles=None) -> list[str]:
    """The sides ("provider", "recipient") ``user`` belongs to (with one of ``roles``)."""
    if not _is_authenticated(user):
        return []
    if user.is_superuser:
        return list(SIDES)
    org_ids = access.member_organisation_ids(user, roles=roles)
    return [side for side in SIDES if getattr(agreement, f"{side}_id") in org_ids]


def can_change_terms(user, agreement: SharingAgreement) -> bool:
    return agreement.status in CHANGEABLE_STATUSES and bool(sides_of(user, agreement, roles=access.EDIT_ROLES))


def approvable_sides(user, agreement: SharingAgreement) -> list[str]:
    """The sides ``user`` may approve the current terms for (admins of a side that has not approved)."""
    if agreement.status != Status.PROPOSED:
        return []
    return [
        side
        for side in sides_of(user, agreement, roles=(Membership.Role.ADMIN,))
        if getattr(agreement, f"{side}_approved_at") is None
    ]


def can_suspend(user, agreement: SharingAgreement) -> bool:
    return agreement.status == Status.ACTIVE and bool(sides_of(user, agreement, roles=(Membership.Role.ADMIN,)))


def can_resume(user, agreement: SharingAgreement) -> bool:
    return agreement.status == Status.SUSPENDED and bool(sides_of(user, agreement, roles=(Membership.Role.ADMIN,)))


def can_end(user, agreement: SharingAgreement) -> bool:
    return agreement.status != Status.ENDED and bool(sides_of(user, agreement, roles=(Membership.Role.ADMIN,)))


def _acting_side(user, agreement: SharingAgreement, side: str | None, *, roles) -> str:
    sides = sides_of(user, agreement, roles=roles)
    if side is None and len(sides) == 1:
        side = sides[0]
    if side not in SIDES or side not in sides:
        raise PermissionDenied("Only the agreement's parties may do this, and only for their own side.")
    return side


# -- validation ----------------------------------------------------------------------------


def _clean_terms(agreement: SharingAgreement) -> None:
    errors: dict[str, str] = {}
    if agreement.provider_id == agreement.recipient_id:
        errors["recipient"] = "The recipient must be a different organisation from the provider."
    if not agreement.legal_gateway and not agreement.lawful_basis:
        errors["legal_gateway"] = "Give the legal power that permits the sharing, the UK GDPR lawful basis, or both."
    if agreement.legal_gateway == legal.OTHER_STATUTE and not agreement.legal_citation.strip():
        errors["legal_citation"] = "Cite the statute and section that permits the sharing."
    if agreement.special_category_condition and not agreement.lawful_basis:
        errors["lawful_basis"] = (
            "Special-category data needs an Article 6 lawful basis as well as the Article 9 condition."
        )
    if agreement.end_date and agreement.start_date and agreement.end_date < agreement.start_date:
        errors["end_date"] = "The end date is before the start date."
    if agreement.review_date and agreement.start_date and agreement.review_date < agreement.start_date:
        errors["review_date"] = "The review date is before the start date."
    if agreement.sharing_method == SharingAgreement.Method.OTHER and not agreement.sharing_method_detail.strip():
        errors["sharing_method_detail"] = "Describe how the data is shared."
    try:
        agreement.full_clean(exclude=["proposed_by", "datasets"], validate_constraints=False)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, " ".join(messages))
    if errors:
        raise ValidationError(errors)


def _clean_coverage(
    agreement: SharingAgreement, datasets: Iterable[Dataset], data_items: Iterable[tuple[int, str]]
) -> tuple[list[Dataset], list[AgreementDataItem]]:
    """The covered datasets (the provider's, published) and the data items (their fields)."""
    datasets = list({d.pk: d for d in datasets}.values())
    if not datasets:
        raise ValidationError({"datasets": "Choose at least one of the provider's datasets."})
    for dataset in datasets:
        if dataset.publisher_id != agreement.provider_id:
            raise ValidationError({"datasets": f"“{dataset.title}” is not published by the provider."})
        if dataset.status not in (Dataset.Status.PUBLISHED, Dataset.Status.WITHDRAWN):
            raise ValidationError({"datasets": f"“{dataset.title}” is a draft: only published datasets can be shared."})
    fields = {
        (dataset_id, name): title
        for dataset_id, name, title in Field.objects.filter(dataset__in=datasets).values_list(
            "dataset_id", "name", "title"
        )
    }
    chosen = list(dict.fromkeys((int(d), str(n)) for d, n in data_items))
    unknown = [name for key in chosen if key not in fields for name in [key[1]]]
    if unknown:
        raise ValidationError(
            {"data_items": f"Not in the covered datasets' data dictionaries: {', '.join(sorted(set(unknown)))}."}
        )
    with_dictionary = {dataset_id for dataset_id, _ in fields}
    missing = [d.title for d in datasets if d.pk in with_dictionary and not any(k[0] == d.pk for k in chosen)]
    if missing:
        raise ValidationError(
            {
                "data_items": f"Choose the data items disclosed from “{missing[0]}”: the register says exactly which fields travel."
            }
        )
    items = [
        AgreementDataItem(dataset_id=d, field_name=n, field_title=fields[(d, n)], position=i)
        for i, (d, n) in enumerate(chosen)
    ]
    return datasets, items


def _terms_of(agreement: SharingAgreement) -> dict[str, str]:
    terms = {
        term: getattr(agreement, term if term not in ("provider", "recipient") else f"{term}_id")
        for term in SharingAgreement.TERMS
    }
    terms = {k: "" if v is None else str(v) for k, v in terms.items()}
    if agreement.pk:
        terms["datasets"] = ", ".join(sorted(agreement.datasets.values_list("slug", flat=True)))
        terms["data_items"] = ", ".join(
            sorted(f"{slug}:{name}" for slug, name in agreement.data_items.values_list("dataset__slug", "field_name"))
        )
    return terms


def _record(agreement, action, *, user=None, organisation=None, reason="", changes=None) -> AgreementEvent:
    return AgreementEvent.objects.create(
        agreement=agreement,
        action=action,
        user=user if _is_authenticated(user) else None,
        organisation=organisation,
        reason=reason,
        changes=changes or {},
    )


def _records_change(dataset_ids: Iterable[int]) -> None:
    """The covered datasets' stored records name the agreements on the register, and their
    pages say who receives them: rewriting the search entry renews the anonymous page cache's
    key (catalogue.views), so the page does not show the old state for the cache's lifetime."""
    dataset_ids = set(dataset_ids)
    outbox.record_many({DerivedWork.Kind.RDF: dataset_ids, DerivedWork.Kind.SEARCH: dataset_ids})


def _covered_ids(agreement: SharingAgreement) -> set[int]:
    return set(agreement.datasets.values_list("pk", flat=True))


def _lock(agreement: SharingAgreement, expected_revision: int | None = None) -> SharingAgreement:
    locked = SharingAgreement.objects.select_for_update().get(pk=agreement.pk)
    if expected_revision is not None and int(expected_revision) != locked.revision:
        raise StaleAgreement(locked.revision)
    return locked


# -- the workflow --------------------------------------------------------------------------


@transaction.atomic
def agreement_propose(
    *,
    user,
    provider: Organisation,
    recipient: Organisation,
    proposed_by: Organisation,
    data: dict,
    datasets: Iterable[Dataset],
    data_items: Iterable[tuple[int, str]],
) -> SharingAgreement:
    """A new agreement, proposed by ``proposed_by`` (one of the parties); nobody has approved it yet."""
    if proposed_by.pk not in (provider.pk, recipient.pk):
        raise PermissionDenied("An agreement is proposed by one of its two parties.")
    if not access.can_edit_for_organisation(user, proposed_by.pk):
        raise PermissionDenied("Only editors and admins of a party may propose an agreement.")
    unknown = set(data) - set(EDITABLE_TERMS)
    if unknown:
        raise ValidationError(f"Unknown agreement terms: {', '.join(sorted(unknown))}.")
    agreement = SharingAgreement(
        provider=provider,
        recipient=recipient,
        proposed_by=proposed_by,
        created_by=user if _is_authenticated(user) else None,
        **data,
    )
    _clean_terms(agreement)
    datasets, items = _clean_coverage(agreement, datasets, data_items)
    agreement.save()
    agreement.datasets.set(datasets)
    for item in items:
        item.agreement = agreement
    AgreementDataItem.objects.bulk_create(items)
    _record(agreement, Action.PROPOSED, user=user, organisation=proposed_by)
    _notify_other_side(agreement, proposed_by, "proposed")
    return agreement


@transaction.atomic
def agreement_update(
    *,
    agreement: SharingAgreement,
    user,
    data: dict,
    datasets: Iterable[Dataset] | None = None,
    data_items: Iterable[tuple[int, str]] | None = None,
    expected_revision: int | None = None,
) -> SharingAgreement:
    """Change the terms. If anything changed after a side approved, both sides approve again."""
    if not can_change_terms(user, agreement):
        raise PermissionDenied("Only editors and admins of the parties may change an agreement that has not ended.")
    unknown = set(data) - set(EDITABLE_TERMS)
    if unknown:
        raise ValidationError(f"Unknown agreement terms: {', '.join(sorted(unknown))}.")
    locked = _lock(agreement, expected_revision)
    before = _terms_of(locked)
    covered_before = _covered_ids(locked)
    for term, value in data.items():
        setattr(locked, term, value)
    _clean_terms(locked)
    if datasets is None:
        datasets = list(locked.datasets.all())
    if data_items is None:
        data_items = list(locked.data_items.values_list("dataset_id", "field_name"))
    datasets, items = _clean_coverage(locked, datasets, data_items)
    locked.save()
    locked.datasets.set(datasets)
    locked.data_items.all().delete()
    for item in items:
        item.agreement = locked
    AgreementDataItem.objects.bulk_create(items)
    after = _terms_of(locked)
    changes = {term: [before.get(term, ""), after[term]] for term in after if before.get(term, "") != after[term]}
    if not changes:
        _copy(locked, agreement)
        return agreement
    was_approved = bool(locked.provider_approved_at or locked.recipient_approved_at)
    locked.provider_approved_at = locked.recipient_approved_at = None
    locked.provider_approved_by = locked.recipient_approved_by = None
    if locked.status in (Status.ACTIVE, Status.SUSPENDED, Status.EXPIRED):
        locked.status = Status.PROPOSED
    locked.revision += 1
    locked.save()
    side = (sides_of(user, locked, roles=access.EDIT_ROLES) or [None])[0]
    organisation = getattr(locked, side) if side else None
    _record(locked, Action.CHANGED, user=user, organisation=organisation, changes=changes)
    if was_approved:
        _notify_parties(locked, "changed")
    _records_change(covered_before | _covered_ids(locked))
    _copy(locked, agreement)
    return agreement


def _copy(source: SharingAgreement, target: SharingAgreement) -> None:
    if source is not target:
        target.__dict__.update({k: v for k, v in source.__dict__.items() if not k.startswith("_")})


@transaction.atomic
def agreement_approve(
    *, agreement: SharingAgreement, user, side: str | None = None, revision: int | None = None
) -> SharingAgreement:
    """An admin of ``side`` approves the terms as they stand (``revision`` refuses a stale page)."""
    side = _acting_side(user, agreement, side, roles=(Membership.Role.ADMIN,))
    locked = _lock(agreement, revision)
    if locked.status != Status.PROPOSED:
        raise ValidationError(f"This agreement is {locked.get_status_display().lower()}: there is nothing to approve.")
    if getattr(locked, f"{side}_approved_at") is not None:
        raise ValidationError(f"The {side} has already approved these terms.")
    if locked.end_date and locked.end_date < timezone.localdate():
        raise ValidationError("This agreement's end date has passed: change the dates before approving it.")
    now = timezone.now()
    setattr(locked, f"{side}_approved_at", now)
    setattr(locked, f"{side}_approved_by", user if _is_authenticated(user) else None)
    organisation = getattr(locked, side)
    _record(locked, Action.APPROVED, user=user, organisation=organisation)
    if locked.provider_approved_at and locked.recipient_approved_at:
        locked.status = Status.ACTIVE
        locked.status_reason = ""
        locked.activated_at = locked.activated_at or now
        _record(locked, Action.ACTIVATED, user=user, organisation=organisation)
        _notify_parties(locked, "activated")
        _records_change(_covered_ids(locked))
    else:
        _notify_other_side(locked, organisation, "approved")
    locked.save()
    _copy(locked, agreement)
    return agreement


def _stop(agreement, user, side, reason, status, action) -> SharingAgreement:
    locked = _lock(agreement)
    locked.status = status
    locked.status_reason = reason
    organisation = getattr(locked, side) if side else None
    _record(locked, action, user=user, organisation=organisation, reason=reason)
    locked.save()
    _records_change(_covered_ids(locked))
    _copy(locked, agreement)
    return agreement


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason: the other party and the history keep it."})
    return reason


@transaction.atomic
def agreement_suspend(*, agreement: SharingAgreement, user, reason: str, side: str | None = None) -> SharingAgreement:
    """Either side's admin suspends an active agreement: the recipient's access stops at once."""
    side = _acting_side(user, agreement, side, roles=(Membership.Role.ADMIN,))
    reason = _require_reason(reason)
    if agreement.status != Status.ACTIVE:
        raise ValidationError("Only an active agreement can be suspended.")
    _stop(agreement, user, side, reason, Status.SUSPENDED, Action.SUSPENDED)
    _notify_parties(agreement, "suspended")
    return agreement


@transaction.atomic
def agreement_resume(*, agreement: SharingAgreement, user, side: str | None = None) -> SharingAgreement:
    """A suspended agreement is put forward again: both sides approve before it is active."""
    side = _acting_side(user, agreement, side, roles=(Membership.Role.ADMIN,))
    locked = _lock(agreement)
    if locked.status != Status.SUSPENDED:
        raise ValidationError("Only a suspended agreement can be put forward again.")
    locked.status = Status.PROPOSED
    locked.provider_approved_at = locked.recipient_approved_at = None
    locked.provider_approved_by = locked.recipient_approved_by = None
    locked.revision += 1
    _record(locked, Action.RESUMED, user=user, organisation=getattr(locked, side))
    locked.save()
    _notify_parties(locked, "resumed")
    _copy(locked, agreement)
    return agreement


@transaction.atomic
def agreement_end(*, agreement: SharingAgreement, user, reason: str, side: str | None = None) -> SharingAgreement:
    """Either side's admin ends the agreement for good (a new one is proposed to share again)."""
    side = _acting_side(user, agreement, side, roles=(Membership.Role.ADMIN,))
    reason = _require_reason(reason)
    if agreement.status == Status.ENDED:
        raise ValidationError("This agreement has already ended.")
    _stop(agreement, user, side, reason, Status.ENDED, Action.ENDED)
    _notify_parties(agreement, "ended")
    return agreement


# -- beat: expiry and review reminders -----------------------------------------------------


def agreements_expire(on: datetime.date | None = None) -> int:
    """Mark active and suspended agreements whose end date has passed as expired.

    Access already stopped when the end date passed (the access rule checks the dates);
    this makes the status, the register and the dashboards say so."""
    on = on or timezone.localdate()
    expired = 0
    due = SharingAgreement.objects.filter(status__in=(Status.ACTIVE, Status.SUSPENDED), end_date__lt=on)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            locked = SharingAgreement.objects.select_for_update().get(pk=pk)
            if locked.status not in (Status.ACTIVE, Status.SUSPENDED) or not locked.end_date or locked.end_date >= on:
                continue
            reason = f"The end date, {locked.end_date:%-d %B %Y}, has passed."
            _stop(locked, None, None, reason, Status.EXPIRED, Action.EXPIRED)
            _notify_parties(locked, "expired")
            expired += 1
    return expired


def reviews_due(on: datetime.date | None = None):
    """Agreements in effect whose review date is within PROVCAT_SHARING_REVIEW_NOTICE_DAYS (or past)."""
    on = on or timezone.localdate()
    horizon = on + datetime.timedelta(days=settings.PROVCAT_SHARING_REVIEW_NOTICE_DAYS)
    return SharingAgreement.objects.filter(
        status__in=(Status.ACTIVE, Status.SUSPENDED), review_date__isnull=False, review_date__lte=horizon
    )


def review_reminders_send(on: datetime.date | None = None) -> int:
    """Email both parties' admins once per review date of each agreement whose review is due."""
    sent = 0
    for agreement in (
        reviews_due(on).exclude(review_reminded_for=F("review_date")).select_related("provider", "recipient")
    ):
        with transaction.atomic():
            locked = SharingAgreement.objects.select_for_update().get(pk=agreement.pk)
            if locked.review_reminded_for == locked.review_date:
                continue
            locked.review_reminded_for = locked.review_date
            locked.save(update_fields=["review_reminded_for", "updated_at"])
            _record(locked, Action.REVIEW_REMINDER, reason=f"Review due on {locked.review_date:%-d %B %Y}.")
            _notify_parties(locked, "review")
            sent += 1
    return sent


# -- email ---------------------------------------------------------------------------------

_MESSAGES = {
    "proposed": (
        "Sharing agreement proposed: {name}",
        "{other} proposed the data-sharing agreement “{name}”. Review its terms and approve them for your organisation:",
    ),
    "approved": (
        "Sharing agreement approved by {other}: {name}",
        "{other} approved the terms of “{name}”. It becomes active when your organisation approves them too:",
    ),
    "changed": (
        "Sharing agreement changed, approval needed: {name}",
        "The terms of “{name}” changed after approval. Both organisations must approve them again before it is active:",
    ),
    "activated": ("Sharing agreement active: {name}", "Both organisations approved “{name}”. It is now active:"),
    "suspended": ("Sharing agreement suspended: {name}", "“{name}” was suspended: {reason}"),
    "resumed": (
        "Sharing agreement put forward again: {name}",
        "“{name}” was put forward again after its suspension. Both organisations must approve it:",
    ),
    "ended": ("Sharing agreement ended: {name}", "“{name}” was ended: {reason}"),
    "expired": (
        "Sharing agreement expired: {name}",
        "“{name}” expired: {reason} The recipient's access to the covered datasets has stopped.",
    ),
    "review": (
        "Sharing agreement due for review: {name}",
        "“{name}” is due for review on {review}. Check that the sharing is still needed and its terms still right:",
    ),
}


def _admin_emails(organisation_ids) -> list[str]:
    return sorted(
        {
            email
            for email in Membership.objects.filter(
                organisation_id__in=list(organisation_ids), role=Membership.Role.ADMIN, user__is_active=True
            ).values_list("user__email", flat=True)
            if email
        }
    )


def _send(agreement: SharingAgreement, organisation_ids, event: str, other: Organisation | None = None) -> None:
    recipients = _admin_emails(organisation_ids)
    if not recipients:
        return
    subject, body = _MESSAGES[event]
    values = {
        "name": agreement.name,
        "other": other.name if other else "",
        "reason": agreement.status_reason,
        "review": f"{agreement.review_date:%-d %B %Y}" if agreement.review_date else "",
    }
    url = settings.PROVCAT_BASE_URI + agreement.get_absolute_url()
    message = body.format(**values) + "\n\n" + url + "\n"
    subject = subject.format(**values)[:200]
    transaction.on_commit(lambda: send_mail(subject, message, None, recipients, fail_silently=True))


def _notify_parties(agreement: SharingAgreement, event: str) -> None:
    _send(agreement, [agreement.provider_id, agreement.recipient_id], event)


def _notify_other_side(agreement: SharingAgreement, acting: Organisation, event: str) -> None:
    other_id = agreement.recipient_id if acting.pk == agreement.provider_id else agreement.provider_id
    _send(agreement, [other_id], event, other=acting)
