"""DCAT endpoints for machine harvesters: /catalog (paged, negotiated), full dumps,
the change feed, and each dataset's RDF. Thin: parse, ask catalogue.rdf, stream."""

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from catalogue.access import catalogued_datasets
from catalogue.dcat import pages
from catalogue.dcat.negotiation import HTML_TYPES, choose, negotiate, not_acceptable
from catalogue.models import Dataset, RdfRecord
from catalogue.rdf import dcat
from catalogue.rdf.formats import BY_SUFFIX, FORMATS, RdfFormat
from catalogue.rdf.record import records_for
from config.throttling import rate_limited
from lib.input_parsing import whole_number_parse


def _bad_request(error: pages.BadRequest) -> HttpResponse:
    return HttpResponse(f"{error}\n", status=400, content_type="text/plain; charset=utf-8")


def _with_validators(response: HttpResponse, *, etag: str | None, last_modified) -> HttpResponse:
    if etag:
        response["ETag"] = etag
    if last_modified:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    return response


@require_safe
@rate_limited("catalog")
def catalog(request: HttpRequest, suffix: str | None = None) -> HttpResponse:
    fmt = negotiate(request, suffix)
    if fmt is None:
        return not_acceptable() if suffix is None else _not_found()
    try:
        query = pages.PageQuery.from_params(request.GET)
        page = pages.catalogue_page(query)
    except pages.BadRequest as error:
        return _bad_request(error)

    path = request.path
    base = query.base_params()

    def url(**extra) -> str:
        return request.build_absolute_uri(path + ("?" + urlencode({**base, **extra}) if base or extra else ""))

    view = request.build_absolute_uri()
    hydra = dcat.hydra_triples(
        view=view,
        total=page.total,
        page_size=query.page_size,
        first=url(page="1"),
        last=url(page=str(page.last_page)),
        next_=url(cursor=pages.encode_cursor({"a": page.last_key})) if page.has_next else None,
        previous=url(cursor=pages.encode_cursor({"b": page.first_key})) if page.has_previous else None,
    )
    etag = pages.page_etag(fmt, page, view)
    last_modified = pages.last_change()
    not_modified = get_conditional_response(
        request, etag=etag, last_modified=last_modified and int(last_modified.timestamp())
    )
    if not_modified is not None:
        not_modified["Vary"] = "Accept"
        return not_modified
    response = StreamingHttpResponse(fmt.stream(pages.page_fragments(fmt, page, hydra)), content_type=fmt.content_type)
    response["Vary"] = "Accept"
    if page.has_next:
        response["Link"] = f'<{url(cursor=pages.encode_cursor({"a": page.last_key}))}>; rel="next"'
    return _with_validators(response, etag=etag, last_modified=last_modified)


@require_safe
@rate_limited("catalog")
def catalog_dump(request: HttpRequest, suffix: str) -> HttpResponse:
    """The whole catalogue in one streamed document (no paging), for bulk harvesters."""
    fmt = BY_SUFFIX.get(suffix)
    if fmt is None:
        return _not_found()
    last_modified = pages.last_change()
    count = pages.catalogued_records().count()
    etag = f'"dump-{fmt.name}-{count}-{last_modified.timestamp() if last_modified else 0}"'
    not_modified = get_conditional_response(
        request, etag=etag, last_modified=last_modified and int(last_modified.timestamp())
    )
    if not_modified is not None:
        return not_modified
    response = StreamingHttpResponse(fmt.stream(pages.dump_fragments(fmt)), content_type=fmt.content_type)
    response["Content-Disposition"] = f'inline; filename="catalog.{fmt.suffix}"'
    return _with_validators(response, etag=etag, last_modified=last_modified)


def _not_found() -> HttpResponse:
    return HttpResponse("Not found.\n", status=404, content_type="text/plain")


def dataset_rdf_response(request: HttpRequest, dataset: Dataset, fmt: RdfFormat) -> HttpResponse | None:
    """The dataset's stored RDF in ``fmt``; None if it is not in the catalogue."""
    if not catalogued_datasets().filter(pk=dataset.pk).exists():
        return None
    record = RdfRecord.objects.filter(dataset_pk=dataset.pk, in_catalogue=True).exclude(etag="").first()
    if record is not None:
        fragment, etag, last_modified = getattr(record, fmt.name), f'"{record.etag[:40]}-{fmt.suffix}"', record.modified
    else:
        # Published a moment ago and its refresh has not run yet: build it now.
        triples = records_for([dataset.pk]).get(dataset.pk)
        if triples is None:
            return None
        fragment, etag, last_modified = fmt.fragment(triples), None, None
    if etag:
        not_modified = get_conditional_response(request, etag=etag, last_modified=int(last_modified.timestamp()))
        if not_modified is not None:
            return not_modified
    response = HttpResponse(fmt.document([fragment]), content_type=fmt.content_type)
    return _with_validators(response, etag=etag, last_modified=last_modified)


def rdf_response_or_none(request: HttpRequest, dataset: Dataset) -> HttpResponse | None:
    """For the dataset page: the dataset's RDF when the client prefers an RDF format to
    HTML, else None (render the page). Only catalogued datasets have RDF; for others
    this returns None and the page's own access rules apply."""
    offers = list(HTML_TYPES) + [f.media_type for f in FORMATS]
    chosen = choose(request.headers.get("Accept"), offers)
    if chosen is None or chosen in HTML_TYPES:
        return None
    fmt = next(f for f in FORMATS if f.media_type == chosen)
    response = dataset_rdf_response(request, dataset, fmt)
    if response is not None:
        response["Vary"] = "Accept"
    return response


@require_safe
@rate_limited("catalog")
def dataset_rdf(request: HttpRequest, slug: str, suffix: str) -> HttpResponse:
    fmt = BY_SUFFIX.get(suffix)
    dataset = catalogued_datasets().filter(slug=slug).first()
    if fmt is None or dataset is None:
        raise Http404("No such dataset in the catalogue.")
    response = dataset_rdf_response(request, dataset, fmt)
    if response is None:
        raise Http404("No such dataset in the catalogue.")
    return response


ATOM = "application/atom+xml"


@require_safe
@rate_limited("catalog")
def catalog_changes(request: HttpRequest, suffix: str | None = None) -> HttpResponse:
    """What entered, changed in or left the catalogue since ``since``: JSON, or Atom
    (``.atom`` or Accept: application/atom+xml)."""
    as_atom = suffix == "atom" or (
        suffix != "json" and choose(request.headers.get("Accept"), ["application/json", ATOM]) == ATOM
    )
    try:
        since = pages.parse_when(request.GET["since"], "since") if request.GET.get("since") else None
        if since is None:
            raise pages.BadRequest("since is required: an ISO 8601 date or date-time, e.g. ?since=2024-01-31T00:00:00Z")
        limit = whole_number_parse(request.GET.get("limit"), "limit", default=1000, minimum=1, maximum=1000)
        cursor = pages.decode_cursor(request.GET["cursor"]) if request.GET.get("cursor") else None
        changes, next_cursor = pages.changes_since(since, limit=limit, cursor=cursor)
    except ValueError as error:
        return _bad_request(pages.BadRequest(str(error)))

    params = {"since": request.GET["since"], "limit": str(limit)}
    next_url = None
    if next_cursor:
        next_url = request.build_absolute_uri(
            request.path + "?" + urlencode({**params, "cursor": pages.encode_cursor(next_cursor)})
        )

    def links(change: pages.Change) -> dict:
        if change.change == "withdrawn":
            return {}
        page = request.build_absolute_uri(reverse("catalogue:dataset-detail", args=[change.slug]))
        rdf = {s: request.build_absolute_uri(reverse("dcat:dataset-rdf", args=[change.slug, s])) for s in BY_SUFFIX}
        return {"page": page, "rdf": rdf}

    if as_atom:
        feed = Atom1Feed(
            title="Provcat catalogue changes",
            link=request.build_absolute_uri(reverse("dcat:catalog")),
            description=f"Datasets created, modified and withdrawn since {since.isoformat()}",
            feed_url=request.build_absolute_uri(),
            id=request.build_absolute_uri(),
        )
        for change in changes:
            feed.add_item(
                title=f"{change.change}: {change.title}",
                link=links(change).get("page") or change.uri,
                description=f"Dataset {change.uri} was {change.change}.",
                unique_id=f"{change.uri}#{change.change}-{change.at.isoformat()}",
                updateddate=change.at,
                pubdate=change.at,
                categories=[change.change],
            )
        response = HttpResponse(content_type=f"{ATOM}; charset=utf-8")
        feed.write(response, "utf-8")
        if next_url:
            response["Link"] = f'<{next_url}>; rel="next"'
        response["Vary"] = "Accept"
        return response

    body = {
        "since": since.isoformat(),
        "until": timezone.now().isoformat(),
        "count": len(changes),
        "next": next_url,
        "changes": [
            {
                "uri": c.uri,
                "name": c.slug,
                "title": c.title,
                "change": c.change,
                "at": c.at.isoformat(),
                **links(c),
            }
            for c in changes
        ],
    }
    response = JsonResponse(body)
    response["Vary"] = "Accept"
    return response
