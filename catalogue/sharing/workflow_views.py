"""The parties' pages: their agreements, proposing, changing, approving, suspending, resuming, ending.

Thin views: catalogue.sharing.services decides who may do what and checks the terms; a
PermissionDenied from it is a 403, a ValidationError goes back on the form (or, for the
buttons, into a message) and nothing is saved. After an action the user goes back to the
agreement's page, whose workflow panel (_workflow_panel.html) shows what changed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from catalogue import access
from catalogue.models import Membership
from catalogue.sharing import queries, services
from catalogue.sharing.forms import AgreementTermsForm, CoverageForm, ReasonForm
from catalogue.sharing.models import SharingAgreement

Status = SharingAgreement.Status
ADMIN = (Membership.Role.ADMIN,)

# -- the list ------------------------------------------------------------------------------


@login_required
def agreements(request: HttpRequest) -> HttpResponse:
    """The agreements of the user's organisations, grouped by what they wait for."""
    mine = queries.visible_agreements(request.user)
    if not access.sees_everything(request.user):
        mine = mine.involving(access.member_organisation_ids(request.user))
    mine = list(mine.select_related("provider", "recipient"))
    due = set(services.reviews_due().filter(pk__in=[a.pk for a in mine]).values_list("pk", flat=True))
    return render(
        request,
        "catalogue/sharing/agreements.html",
        {
            "groups": _grouped(request.user, mine, due),
            "can_propose": access.editable_organisations(request.user).exists(),
        },
    )


GROUPS = (
    ("waiting-you", "Waiting for your approval"),
    ("waiting-other", "Waiting for the other party"),
    ("review", "Due for review"),
    ("active", "Active"),
    ("suspended", "Suspended"),
    ("over", "Ended or expired"),
)


def _group_of(user, agreement: SharingAgreement, due: set[int]) -> str:
    if agreement.status == Status.PROPOSED:
        return "waiting-you" if services.approvable_sides(user, agreement) else "waiting-other"
    if agreement.pk in due:
        return "review"
    if agreement.status == Status.ACTIVE:
        return "active"
    if agreement.status == Status.SUSPENDED:
        return "suspended"
    return "over"


def _grouped(user, agreements: list[SharingAgreement], due: set[int]) -> list[dict]:
    members: dict[str, list] = {key: [] for key, _ in GROUPS}
    for agreement in agreements:
        members[_group_of(user, agreement, due)].append(agreement)
    return [{"key": key, "title": title, "agreements": members[key]} for key, title in GROUPS]


# -- proposing and changing the terms ------------------------------------------------------


@login_required
def propose(request: HttpRequest) -> HttpResponse:
    """Step 1 (GET): the parties and datasets; step 2 (same address): the terms and data items."""
    if not access.editable_organisations(request.user).exists():
        raise PermissionDenied("Only editors and admins of an organisation may propose an agreement.")
    coverage = CoverageForm(request.GET or None, user=request.user)
    if not _coverage_chosen(coverage, request):
        return render(request, "catalogue/sharing/agreement_form.html", {"coverage": coverage, "step": 1})
    datasets = list(coverage.cleaned_data["datasets"])
    form = AgreementTermsForm(request.POST or None, user=request.user, datasets=datasets)
    if request.method == "POST" and form.is_valid():
        provider, recipient, proposed_by = coverage.parties()
        agreement = _saved(
            form,
            lambda: services.agreement_propose(
                user=request.user,
                provider=provider,
                recipient=recipient,
                proposed_by=proposed_by,
                data=form.service_data(),
                datasets=datasets,
                data_items=form.cleaned_data["data_items"],
            ),
        )
        if agreement is not None:
            messages.success(request, "Proposed. The other organisation's admins are asked to approve it.")
            return redirect(agreement)
    return _render_terms(request, coverage, form, None)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the terms (and, through step 1, the datasets covered)."""
    agreement = queries.agreement_for_user(request.user, pk)
    if not services.can_change_terms(request.user, agreement):
        if not services.sides_of(request.user, agreement, roles=access.EDIT_ROLES):
            raise PermissionDenied("Only editors and admins of the parties may change an agreement.")
        messages.error(request, f"This agreement is {agreement.get_status_display().lower()}: its terms are final.")
        return redirect(agreement)
    coverage = CoverageForm(request.GET or None, user=request.user, agreement=agreement)
    if coverage.is_bound and not _coverage_chosen(coverage, request):
        return render(
            request, "catalogue/sharing/agreement_form.html", {"coverage": coverage, "step": 1, "agreement": agreement}
        )
    datasets = list(coverage.cleaned_data["datasets"]) if coverage.is_bound else list(agreement.datasets.all())
    form = AgreementTermsForm(request.POST or None, user=request.user, datasets=datasets, agreement=agreement)
    if request.method == "POST" and form.is_valid():
        changed = _saved(
            form,
            lambda: services.agreement_update(
                agreement=agreement,
                user=request.user,
                data=form.service_data(),
                datasets=datasets,
                data_items=form.cleaned_data["data_items"],
                expected_revision=form.cleaned_data["revision"],
            ),
        )
        if changed is not None:
            messages.success(request, _after_change(changed))
            return redirect(changed)
    return _render_terms(request, coverage, form, agreement)


def _coverage_chosen(coverage: CoverageForm, request: HttpRequest) -> bool:
    """Is step 1 done? Asking for datasets only once the list of them has been shown."""
    if not coverage.is_bound or not coverage.is_valid() or request.GET.get("step") == "choose":
        return False
    if coverage.cleaned_data["datasets"]:
        return True
    if request.GET.get("step") == "datasets":
        coverage.add_error("datasets", "Choose at least one of the provider's datasets.")
    return False


def _saved(form: AgreementTermsForm, write):
    """Run the service; on refusal put its messages on the form's fields and return None."""
    try:
        with transaction.atomic():
            return write()
    except services.StaleAgreement as error:
        form.add_error(None, str(error))
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            form.add_error(None, error.messages)
    return None


def _choose_query(request: HttpRequest, datasets) -> str:
    """The address of step 1 with the choices made so far, to go back and change them."""
    query = request.GET.copy()
    query.setlist("datasets", [str(d.pk) for d in datasets])
    query["step"] = "choose"
    return query.urlencode()


def _after_change(agreement: SharingAgreement) -> str:
    if agreement.status == Status.PROPOSED and not (agreement.provider_approved_at or agreement.recipient_approved_at):
        return "Saved. Both organisations must now approve the new terms."
    return "Saved."


def _render_terms(request, coverage, form, agreement) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    context = {
        "coverage": coverage,
        "form": form,
        "step": 2,
        "agreement": agreement,
        "query": request.GET.urlencode(),
        "choose_query": _choose_query(request, form.datasets),
    }
    return render(request, "catalogue/sharing/agreement_form.html", context, status=status)


# -- the buttons ---------------------------------------------------------------------------


def _revision(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return None


def _act(request: HttpRequest, agreement: SharingAgreement, action, done) -> HttpResponse:
    """Run a workflow step; a refusal of state becomes a message, never an error page.

    ``done`` is the message on success, or a function of the agreement giving it."""
    try:
        with transaction.atomic():
            action()
    except services.StaleAgreement as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done(agreement) if callable(done) else done)
    return redirect(agreement)


@require_POST
@login_required
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = queries.agreement_for_user(request.user, pk)
    side = request.POST.get("side") or None
    if side is not None and side not in services.SIDES:
        raise PermissionDenied("Approve for the provider or the recipient.")
    revision = _revision(request)
    if revision is None:
        messages.error(request, "This page is out of date: reload the agreement and check its terms again.")
        return redirect(agreement)

    def run():
        services.agreement_approve(agreement=agreement, user=request.user, side=side, revision=revision)

    return _act(request, agreement, run, _approved)


def _approved(agreement: SharingAgreement) -> str:
    if agreement.status == Status.ACTIVE:
        return "Approved. Both organisations have approved: the agreement is active."
    return "Approved. The agreement becomes active when the other organisation approves it too."


@login_required
def suspend(request: HttpRequest, pk: int) -> HttpResponse:
    return _stop(request, pk, services.can_suspend, services.agreement_suspend, "suspend")


@login_required
def end(request: HttpRequest, pk: int) -> HttpResponse:
    return _stop(request, pk, services.can_end, services.agreement_end, "end")


STOPS = {
    "suspend": {
        "title": "Suspend",
        "lead": "The recipient's access to the covered datasets stops at once. To share again, either side puts "
        "the agreement forward and both organisations approve it.",
        "button": "Suspend the agreement",
        "done": "Suspended. The recipient's access has stopped.",
    },
    "end": {
        "title": "End",
        "lead": "Ending is final: the recipient's access stops at once, and sharing again needs a new agreement. "
        "The public register keeps the entry, marked as ended.",
        "button": "End the agreement",
        "done": "Ended. The recipient's access has stopped.",
    },
}


def _stop(request: HttpRequest, pk: int, allowed, service, kind: str) -> HttpResponse:
    """The confirm page with its reason, then the step itself."""
    agreement = queries.agreement_for_user(request.user, pk)
    sides = services.sides_of(request.user, agreement, roles=ADMIN)
    if not sides:
        raise PermissionDenied("Only admins of the parties may do this.")
    if not allowed(request.user, agreement):
        messages.error(request, f"This agreement is {agreement.get_status_display().lower()}: you cannot {kind} it.")
        return redirect(agreement)
    form = ReasonForm(request.POST or None, sides=_side_choices(agreement, sides))
    if request.method == "POST" and form.is_valid():
        reason, side = form.cleaned_data["reason"], form.cleaned_data.get("side") or None

        def run():
            service(agreement=agreement, user=request.user, reason=reason, side=side)

        return _act(request, agreement, run, STOPS[kind]["done"])
    status = 400 if form.is_bound else 200
    context = {"agreement": agreement, "form": form, **STOPS[kind]}
    return render(request, "catalogue/sharing/confirm_stop.html", context, status=status)


def _side_choices(agreement: SharingAgreement, sides: list[str]) -> list[tuple[str, str]]:
    return [(side, f"{getattr(agreement, side).name} ({side})") for side in sides]


@require_POST
@login_required
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = queries.agreement_for_user(request.user, pk)
    side = request.POST.get("side") or None
    if side is not None and side not in services.SIDES:
        raise PermissionDenied("Act for the provider or the recipient.")

    def run():
        services.agreement_resume(agreement=agreement, user=request.user, side=side)

    return _act(request, agreement, run, "Put forward again: both organisations must approve it.")
