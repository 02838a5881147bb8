"""The publisher's pages: thin views over catalogue.publish.forms, catalogue.services and
catalogue.access (who may do what is decided there, never here)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.utils import ErrorDict
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from catalogue import access, services, workflow
from catalogue.glossary import queries as glossary_queries
from catalogue.models import CollectionMethod, Dataset, Membership, Organisation
from catalogue.publish import dictionary as dictionary_import
from catalogue.publish import form_import
from catalogue.publish.forms import (
    CollectionMethodForm,
    DatasetForm,
    DerivationForm,
    DictionaryConfirmForm,
    DictionaryImportForm,
    DistributionFormSet,
    FieldFormSet,
    MembershipForm,
    QualityMeasurementFormSet,
    ValidationCheckFormSet,
    WithdrawForm,
)
from catalogue.publish.queries import (
    dashboard_for,
    derivation_sources_for,
    history_versions,
    live_score,
    version_diff,
)
from provenance.models import Derivation
from provenance.services import derivation_sources_set


def _forms(request, dataset: Dataset | None, draft=None):
    """Every form of the dataset page, bound to POST data when there is some, else to the
    working draft's form when the published dataset has one (read at the live revision)."""
    data = request.POST if request.method == "POST" else None
    if data is None and draft is not None:
        data = QueryDict(mutable=True)
        for key, values in draft.form_data.items():
            data.setlist(key, values)
        data.setlist("revision", [str(dataset.revision)])
    instance = dataset or Dataset()
    method = CollectionMethod.objects.filter(dataset=dataset).first() if dataset else None
    sources = derivation_sources_for(request.user, dataset)
    current_sources = ""
    if dataset is not None:
        current = list(Derivation.objects.current().filter(derived=dataset).select_related("source"))
        current_sources = ", ".join(d.source.slug for d in current)
        description = next((d.description for d in current if d.description), "")
    else:
        description = ""
    return {
        "form": DatasetForm(data, instance=instance, organisations=access.editable_organisations(request.user)),
        "distributions": DistributionFormSet(data, instance=instance, prefix="distributions"),
        "fields": FieldFormSet(data, instance=instance, prefix="fields"),
        "method": CollectionMethodForm(data, instance=method or CollectionMethod(dataset=dataset), prefix="method"),
        "checks": ValidationCheckFormSet(data, instance=instance, prefix="checks"),
        "measurements": QualityMeasurementFormSet(data, instance=instance, prefix="measurements"),
        "derivation": DerivationForm(
            data,
            sources=sources,
            prefix="derivation",
            initial={"sources": current_sources, "description": description},
        ),
    }


FORMSETS = ("distributions", "fields", "checks", "measurements")


def _all_valid(forms: dict) -> bool:
    return all([f.is_valid() for f in forms.values()])


def _parts(forms: dict, dataset: Dataset):
    """The part objects to save and delete, from the formsets and the collection-method form."""
    save, delete = [], []
    for name in FORMSETS:
        formset = forms[name]
        formset.instance = dataset
        for form in formset.forms:
            if not form.has_changed() or form in formset.deleted_forms:
                continue
            part = form.save(commit=False)
            part.dataset = dataset
            save.append(part)
        delete.extend(f.instance for f in formset.deleted_forms if f.instance.pk)
    for position, part in enumerate(p for p in save if p.__class__.__name__ == "Field"):
        part.position = position
    method_form = forms["method"]
    if not method_form.is_blank():
        method = method_form.save(commit=False)
        method.dataset = dataset
        save.append(method)
    elif method_form.instance.pk:
        delete.append(method_form.instance)
    return save, delete


def _draft_content(forms: dict, dataset: Dataset) -> dict:
    """What the editor left in the form, as a working draft's content (see catalogue.workflow)."""
    parts = {}
    for name in FORMSETS:
        formset = forms[name]
        rows = []
        for form in formset.forms:
            if form in formset.deleted_forms or not (form.has_changed() or form.instance.pk):
                continue
            part = form.save(commit=False)
            part.dataset = dataset
            rows.append(part)
        parts[name] = rows
    for position, part in enumerate(parts["fields"]):
        part.position = position
    method_form = forms["method"]
    method = None if method_form.is_blank() else method_form.save(commit=False)
    form = forms["form"]
    return workflow.draft_content(
        dataset=dataset,
        data=form.service_data(),
        keywords=form.cleaned_data["keywords"],
        themes=form.cleaned_data["themes"],
        parts=parts,
        method=method,
        sources=forms["derivation"].cleaned_data["sources"],
        description=forms["derivation"].cleaned_data["description"],
    )


def _form_payload(request) -> dict:
    """The submitted form, to show it again as the draft (without the token or the button)."""
    return {key: request.POST.getlist(key) for key in request.POST if key not in ("csrfmiddlewaretoken", "action")}


def _save_draft(request, forms: dict, dataset: Dataset):
    """Keep the edit of a published dataset as its working draft; the public sees no change."""
    form = forms["form"]
    try:
        return workflow.draft_save(
            dataset=dataset,
            user=request.user,
            content=_draft_content(forms, dataset),
            form_data=_form_payload(request),
            expected_revision=form.cleaned_data.get("revision"),
        )
    except services.StaleRevision as exc:
        form.add_error(None, str(exc))
    except ValidationError as exc:
        form.add_error(None, exc.messages)
    return None


def _save_derivations(forms: dict, dataset: Dataset, user) -> None:
    cleaned = forms["derivation"].cleaned_data
    derivation_sources_set(derived=dataset, sources=cleaned["sources"], user=user, description=cleaned["description"])


def _show_publication_problems(forms: dict, problems: dict) -> None:
    """Put each missing property next to its field (on fresh forms showing what was saved)."""
    form = forms["form"]
    form._errors, form.cleaned_data = ErrorDict(), {}
    for key, message in problems.items():
        if key in forms["form"].fields:
            forms["form"].add_error(key, message)
        elif key.startswith("distribution-"):
            form.add_error(None, message)
        else:
            forms["form"].add_error(None, message)


def _save(request, forms: dict, dataset: Dataset | None):
    """Save everything; returns the dataset, or None with the errors put on the forms."""
    form = forms["form"]
    user = request.user
    try:
        with transaction.atomic():
            if dataset is None:
                dataset = services.dataset_create(
                    user=user,
                    organisation=form.cleaned_data["publisher"],
                    data=form.service_data(),
                    keywords=form.cleaned_data["keywords"],
                    themes=form.cleaned_data["themes"],
                )
                revision = dataset.revision
            else:
                revision = form.cleaned_data.get("revision")
            save, delete = _parts(forms, dataset)
            dataset = services.dataset_update(
                dataset=dataset,
                user=user,
                data=form.service_data(),
                expected_revision=revision,
                keywords=form.cleaned_data["keywords"],
                themes=form.cleaned_data["themes"],
                save_parts=save,
                delete_parts=delete,
            )
            _save_derivations(forms, dataset, user)
    except services.StaleRevision as exc:
        form.add_error(None, str(exc))
        return None
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            forms["derivation"].add_error("sources", exc.messages)
        return None
    return dataset


# Suggestions rendered under at most this many rows per page (two queries each); the
# script asks for the others' as their names change.
SUGGESTED_ROWS = 30


def _suggest_concepts(user, formset) -> None:
    """Under each row that has a name and no concept, the glossary concepts it probably measures."""
    rows = [row for row in formset.forms if row["name"].value() and not row["concept_uri"].value()][:SUGGESTED_ROWS]
    columns = [(str(row["name"].value()), str(row["title"].value() or "")) for row in rows]
    for row, suggestions in zip(rows, glossary_queries.suggest_many(user, columns, limit=3), strict=True):
        row.concept_suggestions = suggestions


def _render_form(request, forms: dict, dataset: Dataset | None, status: int = 200):
    _suggest_concepts(request.user, forms["fields"])
    context = {
        **forms,
        "dataset": dataset,
        "draft": workflow.working_draft(dataset) if dataset is not None else None,
        "review": workflow.latest_review(dataset) if dataset is not None else None,
        "can_publish": dataset is None or access.can_publish_dataset(request.user, dataset),
        "score_url": reverse("publish:live-score"),
        "formsets_for_summary": [
            (forms["distributions"], "distribution"),
            (forms["fields"], "field"),
            (forms["checks"], "check"),
            (forms["measurements"], "measurement"),
        ],
    }
    return render(request, "catalogue/publish/dataset_form.html", context, status=status)


def _after_save(request, forms: dict, dataset: Dataset, *, drafted: bool = False):
    if request.POST.get("action") == "publish":
        try:
            dataset, outcome = workflow.dataset_publish(dataset=dataset, user=request.user)
        except services.PublicationRefused as exc:
            refreshed = _forms_after_save(request, dataset)
            _show_publication_problems(refreshed, exc.problems)
            messages.error(request, "Saved as a draft. " + exc.summary)
            return _render_form(request, refreshed, dataset, status=400)
        except PermissionDenied as exc:
            # e.g. the editor who asked for review cannot also approve it.
            messages.error(request, f"Saved as a draft, not published: {exc}")
            return redirect("publish:dataset-edit", slug=dataset.slug)
        if outcome == workflow.Outcome.PUBLISHED:
            messages.success(request, "Published. Everyone can now find this dataset.")
            return redirect(dataset)
        if outcome == workflow.Outcome.REVIEW_REQUESTED:
            _say_review_requested(request, dataset)
    elif drafted:
        messages.success(request, "Draft saved. The public still sees the published version.")
    else:
        messages.success(request, "Draft saved." if dataset.status == Dataset.Status.DRAFT else "Changes saved.")
    return redirect("publish:dataset-edit", slug=dataset.slug)


def _say_review_requested(request, dataset: Dataset) -> None:
    note = workflow.only_reviewer_note(dataset, request.user)
    messages.success(
        request,
        f"Saved and sent for review. Another editor or admin of {dataset.publisher.name} must approve it "
        "before the public sees it." + (f" {note}" if note else ""),
    )


def _forms_after_save(request, dataset: Dataset) -> dict:
    # Fresh, unbound forms (with the new revision) plus the errors to show.
    request_get = request.method
    request.method = "GET"
    try:
        fresh = Dataset.objects.get(pk=dataset.pk)
        return _forms(request, fresh, workflow.working_draft(fresh))
    finally:
        request.method = request_get


@login_required
def dataset_create(request):
    if not access.editable_organisations(request.user).exists():
        raise PermissionDenied(
            "Only editors and admins of an organisation can describe a new dataset. "
            "Ask an admin of your organisation to make you an editor."
        )
    if form_import.wants_import(request):  # columns from a file into the unsaved form
        return _render_form(request, form_import.import_into_form(request, lambda r: _forms(r, None)), None)
    forms = _forms(request, None)
    if request.method == "POST" and _all_valid(forms):
        dataset = _save(request, forms, None)
        if dataset is not None:
            return _after_save(request, forms, dataset)
    status = 400 if request.method == "POST" else 200
    return _render_form(request, forms, None, status)


@login_required
def dataset_edit(request, slug):
    dataset = access.dataset_for_user(request.user, slug=slug, for_edit=True)
    published = dataset.status == Dataset.Status.PUBLISHED
    forms = _forms(request, dataset, workflow.working_draft(dataset) if published else None)
    if request.method == "POST" and _all_valid(forms):
        if published:
            # A published dataset's edit is a working draft: the public sees the live version.
            if _save_draft(request, forms, dataset) is not None:
                return _after_save(request, forms, dataset, drafted=True)
        else:
            saved = _save(request, forms, dataset)
            if saved is not None:
                return _after_save(request, forms, saved)
    status = 400 if request.method == "POST" else 200
    return _render_form(request, forms, dataset, status)


@login_required
@require_POST
def live_score_view(request):
    """Score the unsaved form as it is being filled in (JSON for static/js/publish.js)."""
    slug = request.POST.get("dataset") or ""
    dataset = access.dataset_for_user(request.user, slug=slug, for_edit=True) if slug else None
    if dataset is None and not access.editable_organisations(request.user).exists():
        raise PermissionDenied
    return JsonResponse(live_score(request.POST, dataset))


@login_required
@require_POST
def dataset_publish(request, slug):
    dataset = access.dataset_for_user(request.user, slug=slug, for_edit=True)
    try:
        dataset, outcome = workflow.dataset_publish(dataset=dataset, user=request.user)
    except services.PublicationRefused as exc:
        messages.error(request, exc.summary)
        return redirect("publish:dataset-edit", slug=slug)
    except PermissionDenied as exc:
        if not access.can_publish_dataset(request.user, dataset):
            raise
        messages.error(request, str(exc))
        return redirect("publish:dataset-edit", slug=slug)
    if outcome == workflow.Outcome.PUBLISHED:
        messages.success(request, "Published.")
    elif outcome == workflow.Outcome.REVIEW_REQUESTED:
        _say_review_requested(request, dataset)
    else:
        messages.info(request, "Nothing to publish: the dataset is published and has no draft.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("publish:dataset-edit", kwargs={"slug": slug})
    return redirect(target)


@login_required
def dataset_withdraw(request, slug):
    dataset = access.dataset_for_user(request.user, slug=slug, for_edit=True)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.dataset_withdraw(dataset=dataset, user=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, "Withdrawn. The page stays, with your notice, and lineage still shows it.")
        return redirect(dataset)
    return render(request, "catalogue/publish/withdraw.html", {"dataset": dataset, "form": form})


@login_required
def dataset_history(request, slug):
    dataset = access.dataset_for_user(request.user, slug=slug)
    if not access.can_view_history(request.user, dataset):
        raise Http404("No such dataset.")
    versions = history_versions(dataset)
    ids = [v.history_id for v in versions]
    diff = None
    try:
        a, b = int(request.GET.get("a", 0)), int(request.GET.get("b", 0))
    except ValueError:
        a = b = 0
    if a in ids and b in ids and a != b:
        diff = version_diff(dataset, a, b)
    elif len(ids) >= 2 and not request.GET:
        diff = version_diff(dataset, ids[1], ids[0])
    return render(
        request,
        "catalogue/publish/history.html",
        {
            "dataset": dataset,
            "versions": versions,
            "entries": _history_entries(dataset, versions),
            "diff": diff,
            "can_restore": access.can_edit_dataset(request.user, dataset),
        },
    )


def _history_entries(dataset: Dataset, versions: list) -> list[dict]:
    """The dataset's versions and its drafts' saves, discards and publications, newest first:
    a draft is not a version of the live record (nothing to compare or restore), but it is
    part of what happened to the dataset."""
    entries = [{"when": v.history_date, "version": v} for v in versions]
    for event in workflow.draft_history(dataset):
        if event.history_type == "~" or event.history_type == "+":
            entries.append({"when": event.history_date, "draft": event, "what": event.history_change_reason})
        elif event.history_change_reason == "Draft discarded":
            entries.append({"when": event.history_date, "draft": event, "what": "Draft discarded"})
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries


@login_required
@require_POST
def dataset_restore(request, slug):
    dataset = access.dataset_for_user(request.user, slug=slug, for_edit=True)
    try:
        history_id = int(request.POST.get("history_id", ""))
        services.dataset_restore_version(dataset=dataset, user=request.user, history_id=history_id)
    except services.ReviewRequired as exc:
        messages.error(request, str(exc))
    except (ValueError, ValidationError):
        messages.error(request, "No such version of this dataset.")
    else:
        messages.success(request, "Restored. The restore itself is a new version in the history.")
    return redirect("publish:dataset-history", slug=slug)


@login_required
def dictionary_import_view(request, slug):
    dataset = access.dataset_for_user(request.user, slug=slug, for_edit=True)
    context = {"dataset": dataset}
    if request.method == "POST" and request.POST.get("confirm"):
        confirm = DictionaryConfirmForm(request.POST)
        if not confirm.is_valid():  # its errors are capped already
            problems = [problem for errors in confirm.errors.values() for problem in errors]
            messages.error(request, "The import could not be saved: " + " ".join(problems))
            return redirect("publish:dictionary-import", slug=slug)
        try:
            rows = confirm.cleaned_data["rows"]
            services.fields_replace(
                dataset=dataset, user=request.user, rows=rows, expected_revision=confirm.cleaned_data["revision"]
            )
        except (services.StaleRevision, services.ReviewRequired) as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            problems = dictionary_import.problems_capped(exc.messages)
            messages.error(request, "The import could not be saved: " + " ".join(problems))
        else:
            messages.success(request, f"Imported {len(rows)} fields into the data dictionary.")
            return redirect("publish:dataset-edit", slug=slug)
        return redirect("publish:dictionary-import", slug=slug)
    form = DictionaryImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            rows = dictionary_import.parse(form.cleaned_data["content"], filename=form.cleaned_data["filename"])
        except dictionary_import.ImportProblems as exc:
            for problem in exc.problems:
                form.add_error(None, problem)
        else:
            context.update({"rows": rows, "rows_json": json.dumps(rows), "revision": dataset.revision})
    context["form"] = form
    return render(request, "catalogue/publish/dictionary_import.html", context)


@login_required
def dashboard(request):
    return render(request, "catalogue/publish/dashboard.html", dashboard_for(request.user))


@login_required
def organisation_members(request, slug):
    organisation = get_object_or_404(Organisation, slug=slug)
    if not access.can_manage_organisation(request.user, organisation.pk):
        raise PermissionDenied(f"Only admins of {organisation.name} can manage its members.")
    form = MembershipForm(request.POST or None)
    if request.method == "POST":
        try:
            if "requires_review" in request.POST:
                services.organisation_set_review(
                    organisation=organisation, user=request.user, requires_review=request.POST["requires_review"] == "1"
                )
                messages.success(request, "Publishing rule saved.")
                return redirect("publish:organisation-members", slug=slug)
            if "remove" in request.POST:
                membership = get_object_or_404(Membership, pk=request.POST["remove"], organisation=organisation)
                services.membership_remove(membership=membership, user=request.user)
                messages.success(request, f"{membership.user.username} removed.")
                return redirect("publish:organisation-members", slug=slug)
            if form.is_valid():
                member = services.addable_members().filter(username=form.cleaned_data["username"]).first()
                if member is None:
                    form.add_error("username", services.MEMBER_NOT_FOUND)
                else:
                    services.membership_set(
                        organisation=organisation, user=request.user, member=member, role=form.cleaned_data["role"]
                    )
                    messages.success(request, f"{member.username} is now {form.cleaned_data['role']}.")
                    return redirect("publish:organisation-members", slug=slug)
        except ValidationError as exc:
            form.add_error("role" if "role" in getattr(exc, "message_dict", {}) else None, exc.messages)
    memberships = organisation.memberships.select_related("user").order_by("user__username")
    return render(
        request,
        "catalogue/publish/members.html",
        {"organisation": organisation, "memberships": memberships, "form": form, "roles": Membership.Role.choices},
    )
