"""Reading agreements: which ones a user may open, and what the public register lists.

- The public register lists the agreements both parties agreed at least once and chose to
  publish (``SharingAgreement.objects.on_register()``), whatever their status since.
- Members of either party (any role) and site administrators also open the party's other
  agreements (proposed, unpublished) and read the restricted details (processors, security
  handling) of their agreements.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from catalogue import access
from catalogue.sharing.models import SharingAgreement


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
    condition = Q(published=True, activated_at__isnull=False)
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
