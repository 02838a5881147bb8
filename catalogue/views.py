"""The public web catalogue (analyst): search, dataset pages, organisations, themes, API guide.

Views parse the request and call catalogue.queries / catalogue.search; they decide nothing
about access themselves.
"""

from collections import OrderedDict

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render

from catalogue.models import Dataset, Distribution, Organisation, SearchEntry, ValidationCheck
from catalogue.queries import dataset_for_user, visible_datasets, visible_datasets_q
from catalogue.rdf.negotiation import rdf_response_or_none
from catalogue.search.query import FACETS_BY_PARAM, QUALITY_BANDS, SORTS, SearchParams, search, theme_counts


def home(request):
    params = SearchParams.from_querydict(request.GET)
    result = search(request.user, params)
    context = {
        "params": params,
        "result": result,
        "sorts": [(key, label, params.url(sort=key)) for key, label in SORTS.items() if params.q or key != "relevance"],
        "facet_params": FACETS_BY_PARAM,
        "previous_url": params.url(page=result.page - 1, sort=params.sort) if result.page > 1 else "",
        "next_url": params.url(page=result.page + 1, sort=params.sort) if result.page < min(result.pages, 500) else "",
        "clear_url": params.url(filters={}, sort=params.sort),
    }
    return render(request, "catalogue/home.html", context)


# Everything the dataset page shows, loaded in a fixed number of queries whatever its size.
DATASET_PAGE_QUERYSET = Dataset.objects.select_related(
    "publisher", "licence", "frequency", "language", "collection_method", "search_entry"
).prefetch_related(
    "keywords",
    "themes",
    Prefetch("distributions", queryset=Distribution.objects.select_related("format", "media_type", "licence")),
    "fields",
    Prefetch("validation_checks", queryset=ValidationCheck.objects.order_by("name", "-run_at", "-id")),
    "quality_measurements",
)


def _checks_by_name(checks) -> list[dict]:
    """Each check's latest run with its earlier runs as history."""
    grouped: OrderedDict[str, list] = OrderedDict()
    for check in checks:
        grouped.setdefault(check.name, []).append(check)
    rows = [{"latest": runs[0], "history": runs[1:]} for runs in grouped.values()]
    rows.sort(key=lambda row: ({"fail": 0, "warn": 1, "pass": 2}.get(row["latest"].outcome, 3), row["latest"].name))
    return rows


def dataset_detail(request, slug):
    dataset = dataset_for_user(request.user, slug=slug, queryset=DATASET_PAGE_QUERYSET)
    rdf = rdf_response_or_none(request, dataset)
    if rdf is not None:
        return rdf
    checks = _checks_by_name(dataset.validation_checks.all())
    try:
        collection_method = dataset.collection_method
    except Dataset.collection_method.RelatedObjectDoesNotExist:
        collection_method = None
    context = {
        "dataset": dataset,
        "distributions": dataset.distributions.all(),
        "fields": dataset.fields.all(),
        "checks": checks,
        "failing_checks": [row for row in checks if row["latest"].outcome == ValidationCheck.Outcome.FAIL],
        "measurements": dataset.quality_measurements.all(),
        "collection_method": collection_method,
        "source_systems": [
            line
            for line in (collection_method.source_systems.splitlines() if collection_method else [])
            if line.strip()
        ],
        "keywords": dataset.keywords.all(),
        # The search entry knows, from the lineage closure, whether an upstream dataset fails a check.
        "upstream_failing": " u1 " in getattr(getattr(dataset, "search_entry", None), "facet_keys", ""),
        "themes": dataset.themes.all(),
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
    datasets = (
        visible_datasets(request.user, organisation.datasets.all())
        .only(
            "id",
            "slug",
            "title",
            "description",
            "status",
            "access_rights",
            "quality_band",
            "quality_score",
            "modified",
            "updated_at",
        )
        .order_by("title", "id")
    )
    page = Paginator(datasets, 25).get_page(request.GET.get("page"))
    # The quality overview counts the same visible datasets, from the search entries.
    condition = visible_datasets_q(request.user)
    entries = SearchEntry.objects.filter(publisher=organisation).exclude(status=Dataset.Status.WITHDRAWN)
    if condition is not None:
        entries = entries.filter(condition)
    bands = dict(entries.values_list("quality_band").annotate(n=Count("dataset_id")).order_by())
    overview = [
        {"band": band, "label": label, "count": bands.get("" if band == "none" else band, 0)}
        for band, label in QUALITY_BANDS.items()
    ]
    total = sum(row["count"] for row in overview)
    for row in overview:
        row["percent"] = round(100 * row["count"] / total) if total else 0
    failing = entries.filter(facet_keys__contains=" x1 ").count()
    with_lineage = entries.filter(facet_keys__contains=" h1 ").count()
    context = {
        "organisation": organisation,
        "page": page,
        "overview": overview,
        "total": total,
        "failing": failing,
        "with_lineage": with_lineage,
        "search_url": SearchParams(filters={"publisher": [organisation.slug]}).url(),
        "failing_url": SearchParams(filters={"publisher": [organisation.slug], "checks": ["failing"]}).url(),
    }
    return render(request, "catalogue/organisation_detail.html", context)


def theme_list(request):
    themes = theme_counts(request.user)
    return render(request, "catalogue/theme_list.html", {"themes": themes})


def api_guide(request):
    base = request.build_absolute_uri("/").rstrip("/")
    example = (
        visible_datasets(request.user).filter(status=Dataset.Status.PUBLISHED).values_list("slug", flat=True).first()
    )
    return render(request, "catalogue/api_guide.html", {"base": base, "example": example or "<slug>"})
