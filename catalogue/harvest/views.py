"""Harvest pages: the sources, their jobs and progress, their quality, and detaching a dataset.

Thin views over catalogue.harvest.queries (reads) and catalogue.harvest.services (every
change, and who may make it). Sources, jobs and their reports are public; managing a source
needs an admin of its organisation (or a site administrator).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from catalogue import access
from catalogue.harvest import queries, services
from catalogue.harvest.forms import SourceForm
from catalogue.harvest.models import HarvestedDataset, HarvestJob, HarvestSource


def _source(pk: int) -> HarvestSource:
    return get_object_or_404(HarvestSource.objects.select_related("organisation"), pk=pk)


def _managed_source(request, pk: int) -> HarvestSource:
    source = _source(pk)
    if not access.can_manage_organisation(request.user, source.organisation_id):
        raise PermissionDenied("Only admins of the source's organisation manage its harvest sources.")
    return source


def source_list(request):
    sources = list(queries.sources_with_latest_job())
    managed = set(queries.organisations_managed_by(request.user).values_list("pk", flat=True))
    for source in sources:
        source.can_manage = source.organisation_id in managed
    return render(request, "catalogue/harvest/source_list.html", {"sources": sources, "can_add": bool(managed)})


def source_detail(request, pk):
    source = _source(pk)
    jobs = Paginator(queries.source_jobs(source), queries.JOBS_PER_PAGE).get_page(request.GET.get("page"))
    active = next((job for job in jobs if job.is_active), None) if jobs.number == 1 else None
    context = {
        "source": source,
        "jobs": jobs,
        "active": active or queries.active_job(source),
        "dataset_count": source.datasets.filter(detached_at__isnull=True).count(),
        "can_manage": access.can_manage_organisation(request.user, source.organisation_id),
    }
    return render(request, "catalogue/harvest/source_detail.html", context)


def _save_source(request, form: SourceForm, source: HarvestSource | None) -> HarvestSource | None:
    """Save through the service; None with the refusal put on the form."""
    try:
        return services.source_save(
            user=request.user,
            organisation=form.cleaned_data["organisation"],
            data=form.service_data(),
            source=source,
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
    return None


def _source_form(request, source: HarvestSource | None):
    organisations = queries.organisations_managed_by(request.user)
    if source is None and not organisations.exists():
        raise PermissionDenied("Only admins of an organisation add harvest sources for it.")
    form = SourceForm(
        request.POST or None,
        instance=source,
        organisations=organisations,
        may_allow_private=access.sees_everything(request.user),
    )
    if request.method == "POST" and form.is_valid():
        # A fresh copy: the one the page shows keeps its stored values if the save is refused.
        saved = _save_source(request, form, HarvestSource.objects.get(pk=source.pk) if source else None)
        if saved is not None:
            messages.success(request, "Source saved." if source else "Source added. Start its first harvest below.")
            return redirect(saved)
    status = 400 if request.method == "POST" else 200
    return render(request, "catalogue/harvest/source_form.html", {"form": form, "source": source}, status=status)


@login_required
def source_create(request):
    return _source_form(request, None)


@login_required
def source_edit(request, pk):
    return _source_form(request, _managed_source(request, pk))


@login_required
def source_delete(request, pk):
    source = _managed_source(request, pk)
    if request.method == "POST":
        try:
            services.source_delete(user=request.user, source=source)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(source)
        messages.success(request, f"Source “{source.name}” deleted.")
        return redirect("harvest:source-list")
    has_datasets = source.datasets.exists()
    return render(request, "catalogue/harvest/source_delete.html", {"source": source, "has_datasets": has_datasets})


@login_required
@require_POST
def source_enable(request, pk):
    source = _managed_source(request, pk)
    enabled = request.POST.get("enabled") == "1"
    services.source_save(user=request.user, organisation=source.organisation, data={"enabled": enabled}, source=source)
    messages.success(request, "Source enabled: it is harvested on its schedule." if enabled else "Source disabled.")
    return redirect(source)


@login_required
@require_POST
def source_harvest(request, pk):
    source = _managed_source(request, pk)
    try:
        job = services.job_start(user=request.user, source=source)
    except services.JobAlreadyActive as exc:
        messages.info(request, f"{exc.message} Its progress is below.")
        return redirect(exc.job)
    messages.success(request, "Harvest started.")
    return redirect(job)


def source_quality(request, pk):
    source = _source(pk)
    return render(
        request,
        "catalogue/harvest/source_quality.html",
        {"source": source, **queries.source_quality(request.user, source)},
    )


def job_detail(request, pk):
    job = queries.job_with_source(pk)
    if job is None:
        raise Http404("No such harvest job.")
    errors = Paginator(queries.job_record_errors(job), queries.RECORD_ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "job": job,
        "source": job.source,
        "errors": errors,
        "can_manage": access.can_manage_organisation(request.user, job.source.organisation_id),
    }
    return render(request, "catalogue/harvest/job_detail.html", context)


@login_required
@require_POST
def job_cancel(request, pk):
    job = queries.job_with_source(pk)
    if job is None:
        raise Http404("No such harvest job.")
    try:
        services.job_cancel(user=request.user, job=job)
    except ValidationError as exc:
        messages.info(request, " ".join(exc.messages))
    else:
        messages.success(request, "Cancelled." if job.status == HarvestJob.Status.CANCELLED else "Cancelling…")
    return redirect(job)


@login_required
def dataset_detach(request, slug):
    dataset = access.dataset_for_user(request.user, slug=slug)
    origin = HarvestedDataset.objects.select_related("source__organisation").filter(dataset=dataset).first()
    if origin is None:
        raise Http404("This dataset was not harvested.")
    if not access.can_manage_organisation(request.user, origin.source.organisation_id):
        raise PermissionDenied("Only admins of the source's organisation detach its datasets.")
    if request.method == "POST":
        try:
            services.dataset_detach(user=request.user, dataset=dataset)
        except ValidationError as exc:
            messages.info(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                f"Detached. Editors of {dataset.publisher.name} can now change it here; "
                f"harvests of “{origin.source.name}” leave it alone.",
            )
        return redirect(dataset)
    return render(request, "catalogue/harvest/dataset_detach.html", {"dataset": dataset, "origin": origin})
