"""Reads and the one access helper that decides who may see or change a dataset.

Every path that shows or changes a dataset — HTML pages, the REST API, the DCAT and
CKAN endpoints, lineage answers and tasks — asks these functions, so a private
dataset cannot leak through a path someone forgot.

The rules:
- anyone may read a dataset that is published (or withdrawn: its page stays, with a
  notice) and whose access rights are public;
- members of the publishing organisation, whatever their role, may read all of its
  datasets: drafts, restricted and non-public ones;
- editors and admins of the publishing organisation may change its datasets;
- site administrators (superusers) may read and change everything.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet
from django.http import Http404

from catalogue.models import Dataset, Membership

EDIT_ROLES = (Membership.Role.ADMIN, Membership.Role.EDITOR)


def _is_authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def member_organisation_ids(user, roles=None) -> list[int]:
    """The ids of the organisations the user belongs to (with one of ``roles`` if given)."""
    if not _is_authenticated(user):
        return []
    cache_key = "_provcat_org_ids_" + ("all" if roles is None else "-".join(sorted(roles)))
    cached = getattr(user, cache_key, None)
    if cached is None:
        memberships = Membership.objects.filter(user=user)
        if roles is not None:
            memberships = memberships.filter(role__in=roles)
        cached = list(memberships.values_list("organisation_id", flat=True))
        setattr(user, cache_key, cached)
    return cached


def public_datasets_q(prefix: str = "") -> Q:
    """The condition for a dataset everyone may read (``prefix`` for a related lookup)."""
    return Q(
        **{
            f"{prefix}status__in": (Dataset.Status.PUBLISHED, Dataset.Status.WITHDRAWN),
            f"{prefix}access_rights": Dataset.AccessRights.PUBLIC,
        }
    )


def visible_datasets_q(user, prefix: str = "") -> Q | None:
    """The condition for datasets ``user`` may read; None means every dataset."""
    if _is_authenticated(user) and user.is_superuser:
        return None
    condition = public_datasets_q(prefix)
    org_ids = member_organisation_ids(user)
    if org_ids:
        condition |= Q(**{f"{prefix}publisher_id__in": org_ids})
    return condition


def visible_datasets(user, queryset: QuerySet | None = None) -> QuerySet:
    """Datasets ``user`` may read."""
    queryset = Dataset.objects.all() if queryset is None else queryset
    condition = visible_datasets_q(user)
    return queryset if condition is None else queryset.filter(condition)


def catalogued_datasets(queryset: QuerySet | None = None) -> QuerySet:
    """Datasets served to machines and listed in the public catalogue: published and public only."""
    queryset = Dataset.objects.all() if queryset is None else queryset
    return queryset.filter(status=Dataset.Status.PUBLISHED, access_rights=Dataset.AccessRights.PUBLIC)


def can_view_dataset(user, dataset: Dataset) -> bool:
    if _is_authenticated(user) and user.is_superuser:
        return True
    if dataset.status != Dataset.Status.DRAFT and dataset.access_rights == Dataset.AccessRights.PUBLIC:
        return True
    return dataset.publisher_id in member_organisation_ids(user)


def can_edit_dataset(user, dataset: Dataset) -> bool:
    if not _is_authenticated(user):
        return False
    if user.is_superuser:
        return True
    return dataset.publisher_id in member_organisation_ids(user, roles=EDIT_ROLES)


def can_edit_for_organisation(user, organisation_id: int) -> bool:
    """May ``user`` create or change datasets published by this organisation?"""
    if not _is_authenticated(user):
        return False
    return user.is_superuser or organisation_id in member_organisation_ids(user, roles=EDIT_ROLES)


def can_manage_organisation(user, organisation_id: int) -> bool:
    """May ``user`` manage the organisation's members and harvest sources?"""
    if not _is_authenticated(user):
        return False
    return user.is_superuser or organisation_id in member_organisation_ids(user, roles=(Membership.Role.ADMIN,))


def dataset_for_user(user, *, slug: str, for_edit: bool = False, queryset: QuerySet | None = None) -> Dataset:
    """The dataset with this slug, or 404 when it does not exist or the user may not see it.

    With ``for_edit``, a dataset the user may see but not change raises PermissionDenied.
    """
    queryset = Dataset.objects.select_related("publisher") if queryset is None else queryset
    try:
        dataset = queryset.get(slug=slug)
    except Dataset.DoesNotExist:
        raise Http404("No such dataset.") from None
    if not can_view_dataset(user, dataset):
        raise Http404("No such dataset.")
    if for_edit and not can_edit_dataset(user, dataset):
        raise PermissionDenied("You may not change this dataset.")
    return dataset


# Publisher: publishing, review and the organisation's quality figures.


def can_publish_dataset(user, dataset: Dataset) -> bool:
    """Editors and admins of the publishing organisation publish and withdraw; viewers never do."""
    return can_edit_dataset(user, dataset)


def can_approve_review(user, dataset: Dataset) -> bool:
    """A publication waiting for review is approved by a different editor of the organisation."""
    return (
        can_publish_dataset(user, dataset)
        and dataset.review_requested_by_id is not None
        and dataset.review_requested_by_id != getattr(user, "pk", None)
    )


def editable_organisations(user) -> QuerySet:
    """Organisations for which ``user`` may create and change datasets."""
    from catalogue.models import Organisation

    if not _is_authenticated(user):
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=member_organisation_ids(user, roles=EDIT_ROLES))


def organisation_quality(user, organisation, weakest: int = 5) -> dict:
    """The average MQA score of the organisation's datasets ``user`` may see, and the weakest ones."""
    from django.db.models import Avg, Count

    scored = visible_datasets(user, organisation.datasets.exclude(quality_score__isnull=True))
    figures = scored.aggregate(average=Avg("quality_score"), count=Count("id"))
    return {
        "average": round(figures["average"]) if figures["average"] is not None else None,
        "count": figures["count"],
        "weakest": list(scored.order_by("quality_score", "title")[:weakest]),
    }


def datasets_awaiting_score() -> QuerySet:
    """Datasets never scored (loaded in bulk, past the services); changed ones wait in the outbox."""
    return Dataset.objects.filter(quality_scored_at__isnull=True).order_by("pk")


def distributions_due_for_link_check(max_age_hours: int) -> QuerySet:
    """Ids of distributions whose links were never checked or were checked too long ago."""
    from datetime import timedelta

    from django.db.models import Min
    from django.utils import timezone

    from catalogue.models import Distribution

    cutoff = timezone.now() - timedelta(hours=max_age_hours)
    return (
        Distribution.objects.annotate(last=Min("link_checks__checked_at"))
        .filter(Q(last__isnull=True) | Q(last__lt=cutoff))
        .order_by(F("last").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)
    )


def can_view_history(user, dataset: Dataset) -> bool:
    """The change history (who changed what) is for members of the publishing organisation."""
    if not _is_authenticated(user):
        return False
    return user.is_superuser or dataset.publisher_id in member_organisation_ids(user)
