"""The public glossary: the list of schemes and the glossary search (/glossary/), a page per
scheme and per concept (each also SKOS by content negotiation), the scheme's exports (SKOS in
the RDF formats, CSV), and the concept and scheme IRIs (/id/glossary/...) that lead to their
pages.

Reads only, through catalogue.glossary.queries: a draft scheme is a 404 to anyone outside
its organisation, and the datasets listed on a concept page are those catalogue.access lets
the reader see.
"""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from catalogue.dcat.negotiation import HTML_TYPES, choose
from catalogue.glossary import csv_terms, queries, skos
from catalogue.glossary.models import MATCHES
from catalogue.rdf.formats import BY_SUFFIX, FORMATS, RdfFormat

SEARCH_LIMIT = 50
FIELDS_PER_PAGE = 50
CONCEPTS_PER_PAGE = 200
FORMAT_NAMES = {"ttl": "Turtle", "rdf": "RDF/XML", "jsonld": "JSON-LD", "nt": "N-Triples"}
EXPORT_SUFFIXES = (*(f.suffix for f in FORMATS), "csv")


@require_safe
def index(request):
    q = request.GET.get("q", "").strip()[: queries.MAX_QUERY_LENGTH]
    context = {"q": q, "groups": queries.schemes_by_organisation(request.user)}
    if q:
        matches = queries.glossary_search(request.user, q, limit=SEARCH_LIMIT)
        counts = queries.datasets_measuring_counts(request.user, [m.concept.uri for m in matches])
        context["results"] = [(m, counts.get(m.concept.uri, queries.Measured(0))) for m in matches]
    return render(request, "catalogue/glossary/index.html", context)


def _export_links(scheme) -> list[tuple[str, str, str]]:
    """(name, address, media type) of each export of the scheme."""
    links = [(f"SKOS ({FORMAT_NAMES.get(f.suffix, f.suffix)})", f.suffix, f.media_type) for f in FORMATS]
    links.append(("CSV of terms", "csv", "text/csv"))
    return [
        (name, reverse("glossary:scheme-export", args=[scheme.slug, suffix]), media) for name, suffix, media in links
    ]


def _rdf_response(graph, fmt: RdfFormat, filename: str) -> HttpResponse:
    response = HttpResponse(skos.serialise(graph, fmt.rdflib_format), content_type=fmt.content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}.{fmt.suffix}"'
    return response


def _negotiated(request, html, graph, filename: str) -> HttpResponse:
    """The page (``html()``) or its SKOS (``graph()``), in the format the client's Accept prefers."""
    offers = [*HTML_TYPES, *(f.media_type for f in FORMATS)]
    chosen = choose(request.headers.get("Accept"), offers)
    if chosen is None:
        return HttpResponse(
            f"Not acceptable. This is available as: {', '.join(offers)}.\n", status=406, content_type="text/plain"
        )
    if chosen in HTML_TYPES:
        response = html()
    else:
        response = _rdf_response(graph(), next(f for f in FORMATS if f.media_type == chosen), filename)
    patch_vary_headers(response, ["Accept"])
    return response


@require_safe
def scheme(request, scheme):
    scheme = queries.scheme_for_user(request.user, scheme)

    def html():
        page = Paginator(scheme.concepts.order_by("pref_label", "id"), CONCEPTS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        broader = queries.concept_broader(page)
        for concept in page:
            concept.broader = broader.get(concept.pk, [])
        context = {"scheme": scheme, "page": page, "exports": _export_links(scheme)}
        return render(request, "catalogue/glossary/scheme.html", context)

    return _negotiated(request, html, lambda: skos.scheme_graph(scheme, request.user), scheme.slug)


@require_safe
def scheme_export(request, scheme, suffix):
    if suffix not in EXPORT_SUFFIXES:
        raise Http404("A scheme is available as " + ", ".join(f".{s}" for s in EXPORT_SUFFIXES) + ".")
    scheme = queries.scheme_for_user(request.user, scheme)
    if suffix != "csv":
        return _rdf_response(skos.scheme_graph(scheme, request.user), BY_SUFFIX[suffix], scheme.slug)
    response = HttpResponse(csv_terms.scheme_csv(scheme, request.user), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{scheme.slug}.csv"'
    return response


@require_safe
def concept(request, scheme, concept):
    concept = queries.concept_for_user(request.user, scheme, concept)

    def html():
        relations = queries.concept_relations(request.user, concept)
        exact = queries.exact_match_closure(request.user, concept.uri)
        fields = Paginator(queries.fields_measuring(request.user, [concept.uri, *sorted(exact)]), FIELDS_PER_PAGE)
        page = fields.get_page(request.GET.get("page"))
        matched = queries.concepts_by_uri(request.user, exact)
        for field in page:
            field.matched_concept = matched.get(field.concept_uri)
        context = {
            "concept": concept,
            "scheme": concept.scheme,
            "within": [r for r in relations if r.kind not in MATCHES],
            "matches": [r for r in relations if r.kind in MATCHES],
            "versions": concept.versions.select_related("changed_by").order_by("-version"),
            "page": page,
            "exact": bool(exact),
        }
        return render(request, "catalogue/glossary/concept.html", context)

    filename = f"{concept.scheme.slug}-{concept.slug}"
    return _negotiated(request, html, lambda: skos.concept_graph(concept, request.user), filename)


@require_safe
def scheme_by_uri(request, scheme):
    """A scheme's IRI (``/id/glossary/<scheme>``, the subject of its SKOS) leads to its page,
    which answers in the format the client accepts."""
    return _see_other(queries.scheme_for_user(request.user, scheme).get_absolute_url())


@require_safe
def concept_by_uri(request, scheme, concept):
    """A concept's IRI (``/id/glossary/<scheme>/<concept>``) leads to its page, which answers
    in the format the client accepts."""
    return _see_other(queries.concept_for_user(request.user, scheme, concept).get_absolute_url())


def _see_other(url: str) -> HttpResponse:
    response = redirect(url)
    response.status_code = 303
    return response
