"""Content negotiation for RDF: one place that picks a format from a suffix or an Accept header.

Used by /catalog, /datasets/<slug>.<suffix> and, through
``catalogue.dcat.views.rdf_response_or_none``, the dataset page (which renders HTML when
that returns None).
"""

from django.http import HttpRequest, HttpResponse

from catalogue.rdf.formats import BY_SUFFIX, FORMATS, RdfFormat

HTML_TYPES = ("text/html", "application/xhtml+xml")


def parse_accept(header: str) -> list[tuple[str, float]]:
    """[(media range, q)] from an Accept header; malformed q-values count as 0."""
    ranges = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media_range = pieces[0].lower()
        if not media_range:
            continue
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((media_range, q))
    return ranges


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> float:
    """The q a client gives ``media_type``: that of the most specific range matching it."""
    kind = media_type.split("/")[0]
    best, specificity = 0.0, -1
    for media_range, q in ranges:
        if media_range == media_type:
            rank = 2
        elif media_range == f"{kind}/*":
            rank = 1
        elif media_range == "*/*":
            rank = 0
        else:
            continue
        if rank > specificity:
            best, specificity = q, rank
    return best


def choose(header: str | None, offers: list[str]) -> str | None:
    """The offered media type the client prefers (first offer wins ties), or None."""
    if not header or not header.strip():
        return offers[0]
    ranges = parse_accept(header)
    best, best_q = None, 0.0
    for offer in offers:
        q = _quality(offer, ranges)
        if q > best_q:
            best, best_q = offer, q
    return best


def negotiate(request: HttpRequest, suffix: str | None = None) -> RdfFormat | None:
    """The RDF format for this request: from the URL suffix if any, else from Accept.
    None when the client accepts none of them (the caller answers 406)."""
    if suffix:
        return BY_SUFFIX.get(suffix)
    chosen = choose(request.headers.get("Accept"), [f.media_type for f in FORMATS])
    return next((f for f in FORMATS if f.media_type == chosen), None)


def not_acceptable() -> HttpResponse:
    offered = ", ".join(f.media_type for f in FORMATS)
    return HttpResponse(
        f"Not acceptable. This resource is available as: {offered}.\n", status=406, content_type="text/plain"
    )
