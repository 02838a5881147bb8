"""Reads of the catalogue, built on the one access rule in catalogue.access.

Who may see or change a dataset is decided in catalogue/access.py, never here.
"""

from datetime import timedelta

from django.db.models import Avg, Count, F, Min, Q, QuerySet
from django.utils import timezone

from catalogue.access import visible_datasets
from catalogue.models import Dataset, Distribution


def organisation_quality(user, organisation, weakest: int = 5) -> dict:
    """The average MQA score of the organisation's datasets ``user`` may see, and the weakest ones."""
    scored = visible_datasets(user, organisation.datasets.exclude(quality_score__isnull=True))
    figures = scored.aggregate(average=Avg("quality_score"), count=Count("id"))
    return {
        "average": round(figures["average"]) if figures["average"] is not None else None,
        "count": figures["count"],
        "weakest": list(scored.order_by("quality_score", "title")[:weakest]),
    }


def datasets_awaiting_score() -> QuerySet:
    """Datasets never scored (loaded in bulk, past the services); changed ones wait in the outbox."""
    return Dataset.objects.filter(quality_scored_at__isnull=True).order_by("pk")


def distributions_due_for_link_check(max_age_hours: int) -> QuerySet:
    """Ids of distributions whose links were never checked or were checked too long ago."""
    cutoff = timezone.now() - timedelta(hours=max_age_hours)
    return (
        Distribution.objects.annotate(last=Min("link_checks__checked_at"))
        .filter(Q(last__isnull=True) | Q(last__lt=cutoff))
        .order_by(F("last").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)
    )
