"""Reading agreements: which ones a user may open, and what the public register lists.

- The public register lists the agreements both parties agreed at least once and chose to
  publish (``SharingAgreement.objects.on_register()``), whatever their status since.
- Members of either party (any role) and site administrators also open the party's other
  agreements (proposed, unpublished) and read the restricted details (processors, security
  handling) of their agreements.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from catalogue import access
from catalogue.models import Dataset, Field, Organisation
from catalogue.sharing import legal
from catalogue.sharing.models import ON_REGISTER, AgreementDataItem, SharingAgreement


def is_party_member(user, agreement: SharingAgreement) -> bool:
    """Does ``user`` belong to either party (or administer the site)? They read everything about it."""
    if access.sees_everything(user):
        return True
    org_ids = access.member_organisation_ids(user)
    return agreement.provider_id in org_ids or agreement.recipient_id in org_ids


def visible_agreements(user) -> QuerySet[SharingAgreement]:
    """The agreements ``user`` may open: the register's, and all of their organisations'."""
    queryset = SharingAgreement.objects.all()
    if access.sees_everything(user):
        return queryset
    org_ids = access.member_organisation_ids(user)
    condition = ON_REGISTER
    if org_ids:
        condition |= Q(provider_id__in=org_ids) | Q(recipient_id__in=org_ids)
    return queryset.filter(condition)


def agreement_for_user(user, pk: int) -> SharingAgreement:
    """The agreement, or 404 when it does not exist or ``user`` may not open it."""
    agreement = visible_agreements(user).select_related("provider", "recipient", "proposed_by").filter(pk=pk).first()
    if agreement is None:
        raise Http404("No such sharing agreement.")
    return agreement


def register_entries() -> QuerySet[SharingAgreement]:
    """What the public register lists (the page and its CSV, JSON and RDF exports alike)."""
    return SharingAgreement.objects.on_register().select_related("provider", "recipient")


# -- the register: filters, entries, and what each entry says ------------------------------

MAX_QUERY_LENGTH = 200
REGISTER_FILTERS = ("q", "organisation", "legal_power", "status", "dataset")


@dataclass
class RegisterFilters:
    """The register's filters as the visitor chose them, checked.

    ``errors`` holds a message for each value the register cannot use (an unknown
    organisation, a legal power not on the list, text too long): the page shows them and
    lists nothing, and the exports answer 400, so a typo never looks like "no sharing"."""

    q: str = ""
    organisation: Organisation | None = None
    legal_power: legal.LegalPower | None = None
    status: str = ""
    dataset: Dataset | None = None
    errors: list[str] = dc_field(default_factory=list)

    @property
    def chosen(self) -> dict[str, str]:
        """The filters in use as query parameters, for links that keep them (the downloads)."""
        values = {
            "q": self.q,
            "organisation": self.organisation.slug if self.organisation else "",
            "legal_power": self.legal_power.code if self.legal_power else "",
            "status": self.status,
            "dataset": self.dataset.slug if self.dataset else "",
        }
        return {name: value for name, value in values.items() if value}


def _param(params, name: str, errors: list[str]) -> str:
    value = params.get(name, "")
    value = value.strip() if isinstance(value, str) else ""
    if "\x00" in value or len(value) > MAX_QUERY_LENGTH:
        errors.append(f"The {name.replace('_', ' ')} given is not valid (at most {MAX_QUERY_LENGTH} characters).")
        return ""
    return value


def register_filters(user, params) -> RegisterFilters:
    """Read the register's filters from query parameters; unknown values become errors.

    A dataset filter names only datasets ``user`` may view, so the register never confirms
    that a restricted dataset exists to someone who may not see it."""
    errors: list[str] = []
    filters = RegisterFilters(q=_param(params, "q", errors))
    slug = _param(params, "organisation", errors)
    if slug:
        filters.organisation = Organisation.objects.filter(slug=slug).first()
        if filters.organisation is None:
            errors.append(f"There is no organisation “{slug}”.")
    code = _param(params, "legal_power", errors)
    if code:
        filters.legal_power = legal.lookup(code)
        if filters.legal_power is None:
            errors.append(f"“{code}” is not a legal power on the register's list.")
    status = _param(params, "status", errors)
    if status:
        if status in SharingAgreement.Status.values:
            filters.status = status
        else:
            errors.append(f"“{status}” is not a status an agreement can have.")
    slug = _param(params, "dataset", errors)
    if slug:
        filters.dataset = access.visible_datasets(user).filter(slug=slug).first()
        if filters.dataset is None:
            errors.append(f"There is no dataset “{slug}” that you can see.")
    filters.errors = errors
    return filters


def register_search(filters: RegisterFilters) -> QuerySet[SharingAgreement]:
    """The register's entries that match ``filters`` (none when a filter was not valid)."""
    entries = register_entries()
    if filters.errors:
        return entries.none()
    if filters.q:
        q = filters.q
        with_item = AgreementDataItem.objects.filter(Q(field_name__icontains=q) | Q(field_title__icontains=q))
        entries = entries.filter(
            Q(name__icontains=q)
            | Q(purpose__icontains=q)
            | Q(benefits__icontains=q)
            | Q(provider__name__icontains=q)
            | Q(recipient__name__icontains=q)
            | Q(pk__in=with_item.values("agreement_id"))
        )
    if filters.organisation is not None:
        entries = entries.involving([filters.organisation.pk])
    if filters.legal_power is not None:
        entries = entries.with_legal_power(filters.legal_power.code)
    if filters.status:
        entries = entries.filter(status=filters.status)
    if filters.dataset is not None:
        # One row per (agreement, dataset) pair: filtering on one dataset adds no duplicates.
        entries = entries.filter(datasets=filters.dataset)
    return entries


@dataclass
class CoveredDataset:
    """A dataset an agreement covers, as one viewer may be told about it."""

    dataset: Dataset
    viewable: bool  # the viewer may open the dataset's page: name and link it
    items: list[AgreementDataItem]

    @property
    def label(self) -> str:
        if self.viewable:
            return self.dataset.title
        return f"a restricted dataset of {self.dataset.publisher.name}"


@dataclass
class RegisterEntry:
    """One agreement as one viewer reads it on the register, its page and its exports."""

    agreement: SharingAgreement
    covered: list[CoveredDataset]
    party_member: bool  # reads the restricted details (processors, security handling)

    @property
    def items(self) -> list[AgreementDataItem]:
        return [item for covered in self.covered for item in covered.items]


def _covered(agreement: SharingAgreement, viewable_ids: set[int]) -> list[CoveredDataset]:
    items_by_dataset: dict[int, list[AgreementDataItem]] = {}
    for item in agreement.data_items.all():
        items_by_dataset.setdefault(item.dataset_id, []).append(item)
    datasets = sorted(agreement.datasets.all(), key=lambda d: (d.title, d.pk))
    return [CoveredDataset(d, d.pk in viewable_ids, items_by_dataset.get(d.pk, [])) for d in datasets]


def register_entries_for(user, agreements) -> list[RegisterEntry]:
    """``agreements`` as ``user`` reads them, in a fixed number of queries."""
    agreements = list(
        agreements.select_related("provider", "recipient").prefetch_related(
            Prefetch("datasets", queryset=Dataset.objects.select_related("publisher")),
            "data_items",
        )
    )
    dataset_ids = {d.pk for a in agreements for d in a.datasets.all()}
    viewable = _viewable_ids(user, dataset_ids)
    return [RegisterEntry(a, _covered(a, viewable), is_party_member(user, a)) for a in agreements]


def register_entry_for(user, agreement: SharingAgreement) -> RegisterEntry:
    """One agreement (already allowed to ``user``) as ``user`` reads it."""
    queryset = SharingAgreement.objects.filter(pk=agreement.pk)
    return register_entries_for(user, queryset)[0]


def _viewable_ids(user, dataset_ids: set[int]) -> set[int]:
    if not dataset_ids:
        return set()
    return set(access.visible_datasets(user).filter(pk__in=dataset_ids).values_list("pk", flat=True))


def dictionary_field_names(entry: RegisterEntry) -> set[tuple[int, str]]:
    """(dataset id, field name) of the covered datasets' dictionaries as they stand now."""
    ids = [covered.dataset.pk for covered in entry.covered]
    return set(Field.objects.filter(dataset_id__in=ids).values_list("dataset_id", "name"))


def dataset_agreements(user, dataset: Dataset) -> list[SharingAgreement]:
    """The agreements covering ``dataset`` that ``user`` may open, each with
    ``dataset_items`` (this dataset's fields it discloses): the register's, and the
    party members' own (proposed, unpublished). Two queries."""
    agreements = (
        visible_agreements(user)
        .filter(datasets=dataset)
        .select_related("provider", "recipient")
        .prefetch_related(
            Prefetch("data_items", queryset=AgreementDataItem.objects.filter(dataset=dataset), to_attr="dataset_items")
        )
    )
    return list(agreements)
