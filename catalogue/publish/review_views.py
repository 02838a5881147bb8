"""The review of a publication: the reviewer sees what changes against the live version,
then approves (which publishes) or returns it with a comment; the editor may discard a
working draft. Thin views over catalogue.workflow; who may do what is catalogue.access's."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from catalogue import access, services, workflow
from catalogue.changes import PART_NOUNS
from catalogue.models import Dataset


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label="Comment for the requester",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Say what needs to change before this can be published. The requester sees it and is emailed.",
        error_messages={"required": "Write a comment: say what needs to change before it can be published."},
    )


PART_HEADINGS = {
    "distributions": "Distributions",
    "fields": "Data dictionary",
    "method": "Collection method",
    "checks": "Validation checks",
    "measurements": "Quality measurements",
    "sources": "Derived from",
}


def _review_context(request, dataset, form: ReturnForm) -> dict:
    diff = workflow.review_diff(dataset)
    draft = workflow.working_draft(dataset)
    review = workflow.latest_review(dataset)
    waiting = None
    if dataset.review_requested_by_id is not None:
        waiting = {"requested_by": dataset.review_requested_by, "requested_at": dataset.review_requested_at}
    return {
        "dataset": dataset,
        "draft": draft,
        "review": review,
        "waiting": waiting,
        "past_reviews": [r for r in workflow.review_history(dataset) if r.state != r.State.WAITING][:10],
        "properties": diff["properties"],
        "parts": [(PART_HEADINGS[key], PART_NOUNS[key], changes) for key, changes in diff["parts"].items()],
        "summary": workflow.diff_summary(diff),
        "can_decide": waiting is not None and access.can_approve_review(request.user, dataset),
        "is_requester": waiting is not None and dataset.review_requested_by_id == request.user.pk,
        "only_reviewer_note": workflow.only_reviewer_note(dataset, dataset.review_requested_by)
        if waiting is not None
        else "",
        "can_manage": access.can_manage_organisation(request.user, dataset.publisher_id),
        "form": form,
    }


@login_required
def dataset_review(request, slug):
    """What a publication changes, and (for another editor or admin) approve or return it."""
    dataset = access.dataset_for_user(
        request.user,
        slug=slug,
        for_edit=True,
        queryset=Dataset.objects.select_related("publisher", "review_requested_by"),
    )
    return render(request, "catalogue/publish/review.html", _review_context(request, dataset, ReturnForm()))


@login_required
@require_POST
def review_approve(request, slug):
    dataset = access.dataset_for_user(request.user, slug=slug, for_edit=True)
    if not access.can_approve_review(request.user, dataset):
        raise PermissionDenied("Another editor or admin of the organisation approves a request; not its requester.")
    try:
        dataset, outcome = workflow.dataset_publish(dataset=dataset, user=request.user)
    except services.PublicationRefused as exc:
        messages.error(request, exc.summary)
        return redirect("publish:dataset-review", slug=slug)
    messages.success(request, "Approved and published. The requester has been told.")
    return redirect(dataset)


@login_required
@require_POST
def review_return(request, slug):
    dataset = access.dataset_for_user(request.user, slug=slug, for_edit=True)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            workflow.review_return(dataset=dataset, user=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            form.add_error("comment" if "comment" in getattr(exc, "message_dict", {}) else None, exc.messages)
        else:
            messages.success(request, "Returned with your comment. The requester has been told.")
            return redirect("publish:dashboard")
    return render(request, "catalogue/publish/review.html", _review_context(request, dataset, form), status=400)


@login_required
@require_POST
def draft_discard(request, slug):
    dataset = access.dataset_for_user(request.user, slug=slug, for_edit=True)
    workflow.draft_discard(dataset=dataset, user=request.user)
    messages.success(request, "Draft discarded. The published version is unchanged.")
    return redirect("publish:dataset-edit", slug=slug)
