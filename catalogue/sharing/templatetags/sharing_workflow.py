"""The parties' workflow on pages: ``{% agreement_workflow agreement as workflow %}`` for the
panel on an agreement's page, and ``{% sharing_dashboard_panel %}`` on the publisher dashboard
(catalogue.publish may not import catalogue.sharing, so its template loads this library).

What a user may do is asked of catalogue.sharing.services, the same functions the actions
check, so the page never offers a button the action would refuse."""

from __future__ import annotations

from django import template
from django.db.models import Q

from catalogue import access
from catalogue.models import Membership
from catalogue.sharing import services
from catalogue.sharing.models import SharingAgreement

register = template.Library()

ADMIN = (Membership.Role.ADMIN,)


@register.simple_tag(takes_context=True)
def agreement_workflow(context, agreement: SharingAgreement) -> dict | None:
    """The approval state of each side and the actions open to the user; None for non-parties."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not services.sides_of(user, agreement):
        return None
    admin_sides = services.sides_of(user, agreement, roles=ADMIN)
    approvable = services.approvable_sides(user, agreement)
    return {
        "sides": [_side(agreement, side, approvable) for side in services.SIDES],
        "approvable": approvable,
        "choose_side": len(approvable) > 1,
        "can_change": services.can_change_terms(user, agreement),
        "can_suspend": services.can_suspend(user, agreement),
        "can_resume": services.can_resume(user, agreement),
        "resume_side": admin_sides[0] if admin_sides else "",
        "can_end": services.can_end(user, agreement),
    }


def _side(agreement: SharingAgreement, side: str, approvable: list[str]) -> dict:
    return {
        "side": side,
        "organisation": getattr(agreement, side),
        "approved_at": getattr(agreement, f"{side}_approved_at"),
        "approved_by": getattr(agreement, f"{side}_approved_by"),
        "may_approve": side in approvable,
    }


def waiting_for_approval(user):
    """Proposed agreements with a side the user administers that has not approved them."""
    admin_of = access.member_organisation_ids(user, roles=ADMIN)
    if not admin_of:
        return SharingAgreement.objects.none()
    unapproved = Q(provider_id__in=admin_of, provider_approved_at__isnull=True) | Q(
        recipient_id__in=admin_of, recipient_approved_at__isnull=True
    )
    return SharingAgreement.objects.filter(unapproved, status=SharingAgreement.Status.PROPOSED)


@register.inclusion_tag("catalogue/sharing/_dashboard_panel.html", takes_context=True)
def sharing_dashboard_panel(context) -> dict:
    """Agreements waiting for the user's approval and those of their organisations due for review."""
    request = context.get("request")
    user = getattr(request, "user", None)
    member_of = access.member_organisation_ids(user)
    if not member_of:
        return {"waiting": [], "due": [], "member": False}
    return {
        "waiting": list(waiting_for_approval(user).only("pk", "name", "status", "start_date")),
        "due": list(services.reviews_due().involving(member_of).only("pk", "name", "review_date", "start_date")),
        "member": True,
    }
