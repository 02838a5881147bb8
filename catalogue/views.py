from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render

from catalogue.models import Dataset, Organisation
from catalogue.queries import dataset_for_user, visible_datasets, visible_datasets_q


def home(request):
    datasets = (
        visible_datasets(request.user)
        .exclude(status=Dataset.Status.WITHDRAWN)
        .select_related("publisher")
        .order_by("-updated_at")[:50]
    )
    return render(request, "catalogue/home.html", {"datasets": datasets})


def dataset_detail(request, slug):
    dataset = dataset_for_user(request.user, slug=slug)
    context = {
        "dataset": dataset,
        "distributions": dataset.distributions.select_related("format", "media_type", "licence"),
        "fields": dataset.fields.all(),
        "checks": dataset.validation_checks.all(),
        "measurements": dataset.quality_measurements.all(),
    }
    return render(request, "catalogue/dataset_detail.html", context)


def dataset_by_uri(request, uuid):
    dataset = get_object_or_404(visible_datasets(request.user), uuid=uuid)
    return redirect(dataset, permanent=False)


def organisation_list(request):
    condition = visible_datasets_q(request.user, prefix="datasets__")
    count = Count("datasets", filter=condition) if condition is not None else Count("datasets")
    organisations = Organisation.objects.annotate(dataset_count=count)
    return render(request, "catalogue/organisation_list.html", {"organisations": organisations})


def organisation_detail(request, slug):
    organisation = get_object_or_404(Organisation, slug=slug)
    datasets = visible_datasets(request.user, organisation.datasets.all())
    return render(request, "catalogue/organisation_detail.html", {"organisation": organisation, "datasets": datasets})
