"""The public web catalogue (analyst): search, dataset pages, organisations, themes, API guide.

Views parse the request and call catalogue.access / catalogue.queries / catalogue.search; they decide nothing
about access themselves.
"""

import logging
from collections import OrderedDict

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from catalogue.access import can_manage_organisation, dataset_for_user, visible_datasets, visible_datasets_q
from catalogue.dcat.views import rdf_response_or_none
from catalogue.glossary.queries import concepts_by_uri
from catalogue.models import Dataset, Distribution, Organisation, SearchEntry, ValidationCheck
from catalogue.preview.queries import previews_for_page
from catalogue.search.query import (
    FACETS_BY_PARAM,
    QUALITY_BANDS,
    SORTS,
    SearchParams,
    publisher_counts,
    search,
    theme_counts,
)

logger = logging.getLogger(__name__)


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
    "publisher",
    "licence",
    "frequency",
    "language",
    "collection_method",
    "search_entry",
    "harvest__source__organisation",
).prefetch_related(
    "keywords",
    "themes",
    Prefetch(
        "distributions",
        queryset=Distribution.objects.select_related("format", "media_type", "licence").prefetch_related("link_checks"),
    ),
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


def _cached_page_key(dataset: Dataset) -> str | None:
    """The cache key of an anonymous visitor's rendering of this dataset's page.

    It changes whenever the dataset or its search entry is written — and the entry is
    rewritten when the dataset's parts, checks, derivations, quality score or an upstream
    failure change (the outbox's search work and the sweep) — so a cached page is never
    older than those. What only a neighbour's own write changes (its renamed title, a
    derivation two or three steps away) may show late by up to the cache lifetime. The day
    is in the key too: what the page says about sharing agreements depends on the date (an
    agreement whose end date has passed is past sharing though nothing was written).
    """
    entry = getattr(dataset, "search_entry", None)  # a missing entry raises an AttributeError subclass
    if entry is None:
        return None
    return (
        f"dataset-page:v1:{dataset.pk}:{dataset.updated_at.timestamp()}:{entry.indexed_at.timestamp()}"
        f":{timezone.localdate().isoformat()}"
    )


def dataset_detail(request, slug):
    # Anonymous visitors all see the same page, so it is rendered once per version of the
    # dataset and kept (PROVCAT_PAGE_CACHE_SECONDS); the access check runs on every request.
    cacheable = settings.PROVCAT_PAGE_CACHE_SECONDS > 0 and not request.user.is_authenticated and not request.GET
    key = None
    if cacheable:
        light = dataset_for_user(
            request.user,
            slug=slug,
            queryset=Dataset.objects.select_related("search_entry").only(
                "id", "slug", "uri", "status", "access_rights", "publisher_id", "updated_at", "search_entry__indexed_at"
            ),
        )
        rdf = rdf_response_or_none(request, light)
        if rdf is not None:
            return rdf
        key = _cached_page_key(light)
        html = _page_cache_get(key) if key else None
        if html is not None:
            response = HttpResponse(html)
            patch_vary_headers(response, ["Accept"])
            return response
    response = _dataset_page(request, slug)
    if key and response.status_code == 200 and not get_messages(request):
        _page_cache_set(key, response.content.decode())
    return response


def _page_cache_get(key: str) -> str | None:
    try:
        return caches["pages"].get(key)
    except Exception:  # the cache is an optimisation: if Redis is away, render the page
        logger.warning("page cache unavailable", exc_info=True)
        return None


def _page_cache_set(key: str, html: str) -> None:
    try:
        caches["pages"].set(key, html, settings.PROVCAT_PAGE_CACHE_SECONDS)
    except Exception:
        logger.warning("page cache unavailable", exc_info=True)


def _dataset_page(request, slug):
    dataset = dataset_for_user(request.user, slug=slug, queryset=DATASET_PAGE_QUERYSET)
    rdf = rdf_response_or_none(request, dataset)
    if rdf is not None:
        return rdf
    checks = _checks_by_name(dataset.validation_checks.all())
    try:
        collection_method = dataset.collection_method
    except Dataset.collection_method.RelatedObjectDoesNotExist:
        collection_method = None
    origin = _harvest_origin(dataset)
    fields = list(dataset.fields.all())
    # One query for every field's concept, among the glossary schemes the reader sees.
    concepts = concepts_by_uri(request.user, [f.concept_uri for f in fields])
    for field in fields:
        field.glossary_concept = concepts.get(field.concept_uri)
    context = {
        "dataset": dataset,
        "distributions": dataset.distributions.all(),
        "previews": previews_for_page(dataset.distributions.all(), fields),
        "fields": fields,
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
        # Where a harvested dataset came from; its source's admins may detach it to edit it here.
        "origin": origin,
        "can_detach": origin is not None
        and origin.detached_at is None
        and can_manage_organisation(request.user, origin.source.organisation_id),
    }
    response = render(request, "catalogue/dataset_detail.html", context)
    patch_vary_headers(response, ["Accept"])
    return response


def _harvest_origin(dataset: Dataset):
    try:
        return dataset.harvest
    except ObjectDoesNotExist:
        return None


def dataset_by_uri(request, uuid):
    dataset = get_object_or_404(visible_datasets(request.user), uuid=uuid)
    return redirect(dataset, permanent=False)


def organisation_list(request):
    # Counts of the datasets in search (not withdrawn) the visitor may see, from the totals kept on write.
    counts = publisher_counts(request.user)
    organisations = list(Organisation.objects.all())
    for organisation in organisations:
        organisation.dataset_count = counts.get(organisation.pk, 0)
    return render(request, "catalogue/organisation_list.html", {"organisations": organisations})


def organisation_detail(request, slug):
    organisation = get_object_or_404(Organisation, slug=slug)
    datasets = (
        visible_datasets(request.user, organisation.datasets.all())
        .only(
            "id",
            "publisher",  # the related manager sets .publisher on each row from it: one query each without
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
        visible_datasets(request.user)
        .filter(status=Dataset.Status.PUBLISHED)
        .order_by("pk")
        .values_list("slug", flat=True)
        .first()
    )
    return render(request, "catalogue/api_guide.html", {"base": base, "example": example or "<slug>"})
