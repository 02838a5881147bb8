"""Finding the datasets a derivation may name as its sources, by what a publisher types:
a dataset's address name, its page address, or words of its title.

Every answer comes from catalogue.publish.queries.derivation_sources_for, built on the
one access rule, so the picker (static/js/source-picker.js, through picker_views) and the
form without JavaScript offer only datasets the user may see.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from catalogue.models import Dataset
from catalogue.publish.queries import derivation_sources_for

MAX_RESULTS = 10
MAX_QUERY_WORDS = 8


def slug_of(text: str) -> str:
    """'https://host/datasets/hospital-admissions/' -> 'hospital-admissions'; a bare name is kept."""
    return text.strip().rstrip("/").rsplit("/datasets/", 1)[-1].strip("/")


def matching(candidates: QuerySet, text: str, *, limit: int = MAX_RESULTS) -> QuerySet:
    """Of ``candidates``, those whose title holds every word typed or whose address name
    starts with the text: an exact address name first, then titles starting with the text,
    then the rest by title."""
    text = " ".join(text.split())[:200]
    if not text:
        return candidates.none()
    by_title = Q()
    for word in text.split(" ")[:MAX_QUERY_WORDS]:
        by_title &= Q(title__icontains=word)
    slug = slug_of(text)
    return (
        candidates.filter(by_title | Q(slug__istartswith=slug))
        .annotate(
            rank=Case(
                When(slug__iexact=slug, then=Value(0)),
                When(title__iexact=text, then=Value(0)),
                When(title__istartswith=text, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "title", "pk")[:limit]
    )


def source_search(user, text: str, *, dataset: Dataset | None = None, limit: int = MAX_RESULTS) -> QuerySet:
    """Datasets the user may name as sources of ``dataset`` matching what was typed."""
    return matching(derivation_sources_for(user, dataset), text, limit=limit)


def sources_named(user, names: list[str], *, dataset: Dataset | None = None) -> QuerySet:
    """The datasets of these address names the user may name as sources."""
    return derivation_sources_for(user, dataset).filter(slug__in=names)
