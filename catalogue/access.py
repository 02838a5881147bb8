"""Who may see and who may change a dataset: the one definition every read path uses.

HTML pages, the REST API and its related fields, the DCAT and CKAN endpoints, the
search index and its totals, lineage answers and tasks all ask this module, so a
private dataset cannot leak through a path someone forgot.

The rules:
- anyone may read a dataset that is published (or withdrawn: its page stays, with a
  notice) and whose access rights are public;
- members of the publishing organisation, whatever their role, may read all of its
  datasets: drafts, restricted and non-public ones;
- members of the recipient organisation of a sharing agreement in force today may read
  the published (or withdrawn) datasets it covers, whatever their access rights
  (catalogue.sharing; metadata only: nothing here grants the data itself);
- editors and admins of the publishing organisation may change its datasets, except the
  harvested ones not detached from their source (the harvest writes those);
- site administrators (superusers) may read and change everything.
- Machines (the DCAT catalogue, CKAN, RDF records) are served only datasets that are
  published and public: ``catalogued``.

How a rule is written: a *clause* maps dataset columns to the values they may take,
and a dataset satisfies the clause when every column holds one of its values. A user
may read a dataset when any of ``_visibility_clauses(user)`` holds. From those clauses
alone come both

- the queryset condition, ``visible_datasets_q(user, prefix)`` (``prefix`` for a
  related lookup such as ``"dataset__"``; with no prefix it applies to SearchEntry
  too, whose ``status``, ``access_rights`` and ``publisher`` columns copy the
  dataset's and whose primary key is the dataset's), and
- the per-object check, ``can_view_dataset(user, dataset)``, which evaluates the same
  clauses in Python.

So a new way of gaining access is ONE clause appended in ``_visibility_clauses``, as the
sharing agreements' is: ``{"pk": <the datasets covered by agreements in force whose
recipient is one of member_organisation_ids(user)>, "status": published or withdrawn}``
(its pk values are ``QueriedValues``: a subquery in the ORM condition, read once for the
per-object check);
the ORM filter, the per-object check, the search
filter and the tests (tests/catalogue/test_access.py compares them over the demo
catalogue) all follow. Columns a clause may name: ``pk``, ``status``,
``access_rights``, ``publisher_id`` (the ones SearchEntry copies).
"""

from collections.abc import Iterable, Mapping

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from catalogue.models import Dataset, Membership, Organisation

# The one import upward (pyproject's import-linter contract names it): an active sharing
# agreement is one clause of the rule, so the rule asks which datasets agreements cover.
from catalogue.sharing.models import covered_datasets

EDIT_ROLES = (Membership.Role.ADMIN, Membership.Role.EDITOR)

Clause = Mapping[str, "frozenset | QueriedValues"]

# Everyone may read these; withdrawn datasets keep their page, with a notice.
PUBLIC_CLAUSE: Clause = {
    "status": frozenset({Dataset.Status.PUBLISHED, Dataset.Status.WITHDRAWN}),
    "access_rights": frozenset({Dataset.AccessRights.PUBLIC}),
}
# Served to machines and listed in the public catalogue.
CATALOGUED_CLAUSE: Clause = {
    "status": frozenset({Dataset.Status.PUBLISHED}),
    "access_rights": frozenset({Dataset.AccessRights.PUBLIC}),
}


def _is_authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def sees_everything(user) -> bool:
    """Site administrators read and change every dataset."""
    return _is_authenticated(user) and user.is_superuser


def member_organisation_ids(user, roles: Iterable[str] | None = None) -> list[int]:
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


# -- clauses: the rules as data ------------------------------------------------------------


def _visibility_clauses(user) -> list[Clause] | None:
    """The ways ``user`` may read a dataset (any one suffices); None means every dataset.

    Add a new way of gaining read access here, as one more clause (see the module doc).
    """
    if sees_everything(user):
        return None
    clauses = [PUBLIC_CLAUSE]
    org_ids = member_organisation_ids(user)
    if org_ids:
        clauses.append({"publisher_id": frozenset(org_ids)})
        clauses.append({"status": PUBLIC_CLAUSE["status"], "pk": shared_with_members_of(user)})
    return clauses


class QueriedValues:
    """A clause's values that the database computes: the ORM condition uses the query as a
    subquery (one read however many values there are); the per-object check reads them
    once, on its first question."""

    def __init__(self, queryset: QuerySet, column: str):
        self.queryset, self.column = queryset, column
        self._values: frozenset | None = None

    def __contains__(self, value) -> bool:
        if self._values is None:
            self._values = frozenset(self.queryset.values_list(self.column, flat=True))
        return value in self._values


def shared_with_members_of(user) -> QueriedValues:
    """The datasets that sharing agreements in force today share with the user's organisations.

    Members of the recipient organisation of an active sharing agreement read the metadata
    of the datasets it covers, from its start date to its end date inclusive; the dates are
    checked per request, so access stops the moment the end date passes (before beat marks
    the agreement expired) and the moment it is suspended or ended."""
    cached = getattr(user, "_provcat_shared", None)
    if cached is None:
        cached = QueriedValues(covered_datasets(member_organisation_ids(user)), "dataset_id")
        user._provcat_shared = cached
    return cached


def _edit_clauses(user) -> list[Clause] | None:
    """The ways ``user`` may change a dataset; None means every dataset."""
    if sees_everything(user):
        return None
    org_ids = member_organisation_ids(user, roles=EDIT_ROLES)
    return [{"publisher_id": frozenset(org_ids)}] if org_ids else []


def _clause_q(clause: Clause, prefix: str) -> Q:
    condition = Q()
    for column, values in clause.items():
        if isinstance(values, QueriedValues):
            condition &= Q(**{f"{prefix}{column}__in": values.queryset})
        elif len(values) == 1:
            condition &= Q(**{f"{prefix}{column}": next(iter(values))})
        else:
            condition &= Q(**{f"{prefix}{column}__in": sorted(values)})
    return condition


def _clauses_q(clauses: list[Clause], prefix: str) -> Q:
    if not clauses:
        return Q(**{f"{prefix}pk__in": []})
    condition = _clause_q(clauses[0], prefix)
    for clause in clauses[1:]:
        condition |= _clause_q(clause, prefix)
    return condition


def _holds(clauses: list[Clause] | None, row) -> bool:
    """Evaluate the clauses on one object (a Dataset, a SearchEntry, anything with the columns)."""
    if clauses is None:
        return True
    return any(all(getattr(row, column) in values for column, values in clause.items()) for clause in clauses)


# -- reading -------------------------------------------------------------------------------


def public_datasets_q(prefix: str = "") -> Q:
    """The condition for a dataset everyone may read (``prefix`` for a related lookup)."""
    return _clause_q(PUBLIC_CLAUSE, prefix)


def visible_datasets_q(user, prefix: str = "") -> Q | None:
    """The condition for datasets ``user`` may read; None means every dataset.

    Applies to Dataset, to a related lookup with ``prefix`` (``"dataset__"``), and to
    SearchEntry with no prefix.
    """
    clauses = _visibility_clauses(user)
    return None if clauses is None else _clauses_q(clauses, prefix)


def sees_beyond_public(user) -> bool:
    """Does ``user`` read anything besides what everyone reads?"""
    clauses = _visibility_clauses(user)
    return clauses is None or len(clauses) > 1


def visible_datasets(user, queryset: QuerySet | None = None) -> QuerySet:
    """Datasets ``user`` may read (``queryset`` of Dataset, or of SearchEntry)."""
    queryset = Dataset.objects.all() if queryset is None else queryset
    condition = visible_datasets_q(user)
    return queryset if condition is None else queryset.filter(condition)


def can_view_dataset(user, dataset) -> bool:
    """The per-object form of visible_datasets_q: the same clauses, evaluated in Python."""
    return _holds(_visibility_clauses(user), dataset)


def catalogued_q(prefix: str = "") -> Q:
    """The condition for a dataset served to machines: published and public."""
    return _clause_q(CATALOGUED_CLAUSE, prefix)


def catalogued_datasets(queryset: QuerySet | None = None) -> QuerySet:
    """Datasets served to machines and listed in the public catalogue: published and public only."""
    queryset = Dataset.objects.all() if queryset is None else queryset
    return queryset.filter(catalogued_q())


def is_catalogued(dataset) -> bool:
    """The per-object form of catalogued_q (a Dataset, a SearchEntry, or anything with the columns)."""
    return _holds([CATALOGUED_CLAUSE], dataset)


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


def can_view_history(user, dataset: Dataset) -> bool:
    """The change history (who changed what) is for members of the publishing organisation."""
    if not _is_authenticated(user):
        return False
    return user.is_superuser or dataset.publisher_id in member_organisation_ids(user)


# -- changing ------------------------------------------------------------------------------


# A harvested dataset is written by the harvests of its source (the next run would overwrite a
# local edit) until an admin detaches it: only site administrators (and the system actors that
# run harvests) change it before that.


def _not_harvest_locked_q(prefix: str) -> Q:
    return Q(**{f"{prefix}harvest__isnull": True}) | Q(**{f"{prefix}harvest__detached_at__isnull": False})


def is_harvest_locked(dataset: Dataset) -> bool:
    """Is ``dataset`` harvested from a source and not detached from it?"""
    try:
        origin = dataset.harvest
    except ObjectDoesNotExist:
        return False
    return origin.detached_at is None


def editable_datasets_q(user, prefix: str = "") -> Q | None:
    """The condition for datasets ``user`` may change; None means every dataset."""
    clauses = _edit_clauses(user)
    return None if clauses is None else _clauses_q(clauses, prefix) & _not_harvest_locked_q(prefix)


def can_edit_dataset(user, dataset: Dataset) -> bool:
    clauses = _edit_clauses(user)
    if clauses is None:
        return True
    return _holds(clauses, dataset) and not is_harvest_locked(dataset)


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


def editable_organisations(user) -> QuerySet:
    """Organisations for which ``user`` may create and change datasets."""
    if not _is_authenticated(user):
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=member_organisation_ids(user, roles=EDIT_ROLES))


# Publisher: publishing and review.


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
