"""Template tags for the metadata-quality score (publisher).

{% load quality %}{% quality_panel dataset %}       score, band, dimensions; hints only to editors
{% organisation_quality organisation %}              average score and the weakest datasets
{% quality_explained dataset %}                      the dataset page: every indicator explained
"""

from http import HTTPStatus

from django import template
from django.conf import settings

from catalogue import access, queries
from catalogue.models import QualityAssessment
from catalogue.publish.hints import hints_merged
from catalogue.quality.score import (
    DIMENSIONS,
    EARNED,
    INDICATORS,
    MISSING,
    PARTLY,
    PROVCAT_DIMENSION,
    STATUS_LABELS,
)
from catalogue.templatetags.links import web_url

register = template.Library()


@register.inclusion_tag("catalogue/publish/_quality_panel.html", takes_context=True)
def quality_panel(context, dataset):
    user = context.get("user") or getattr(context.get("request"), "user", None)
    assessment = (
        QualityAssessment.objects.filter(dataset=dataset).order_by("-computed_at", "-pk").first()
        if dataset is not None and dataset.pk
        else None
    )
    dimensions = assessment.breakdown[:5] if assessment else []
    provcat = assessment.breakdown[5] if assessment and len(assessment.breakdown) > 5 else None
    show_hints = dataset is not None and dataset.pk and access.can_edit_dataset(user, dataset)
    hints = []
    if assessment and show_hints:
        indicators = [i for d in assessment.breakdown for i in d["indicators"] if i["hint"]]
        hints = hints_merged([i["hint"] for i in indicators])
    return {
        "dataset": dataset,
        "assessment": assessment,
        "dimensions": dimensions,
        "provcat": provcat,
        "hints": hints,
        "show_hints": show_hints,
    }


@register.inclusion_tag("catalogue/publish/_organisation_quality.html", takes_context=True)
def organisation_quality(context, organisation):
    user = context.get("user") or getattr(context.get("request"), "user", None)
    return {"organisation": organisation, **queries.organisation_quality(user, organisation)}


@register.filter
def percent_of(value, maximum):
    try:
        return round(100 * int(value) / int(maximum))
    except (TypeError, ValueError, ZeroDivisionError):
        return 0


def _explain(dimension: dict, about: dict) -> dict:
    """A stored dimension of the breakdown with each indicator's explanation and status."""
    indicators = []
    for item in dimension["indicators"]:
        info = INDICATORS.get(item["key"])
        if "status" in item:
            status = item["status"]
        else:  # scored before statuses were stored
            status = EARNED if item["points"] >= item["max"] else (PARTLY if item["points"] else MISSING)
        indicators.append(
            {
                **item,
                "status": status,
                "status_label": STATUS_LABELS.get(status, ""),
                "checks": info.checks if info else "",
                "earn": info.earn if info else "",
                "property": info.property if info else "",
            }
        )
    return {
        **dimension,
        "question": about.get(dimension["key"], ""),
        "indicators": indicators,
        "complete": dimension["points"] >= dimension["max"],
    }


@register.inclusion_tag("catalogue/quality/_explained.html", takes_context=True)
def quality_explained(context, dataset):
    """The dataset page's quality section: each MQA indicator with what it checks, its points,
    whether it was earned (or waits for a link check) and how to earn it."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    assessment = QualityAssessment.objects.filter(dataset=dataset).order_by("-computed_at", "-pk").first()
    about = {key: question for key, _, question in (*DIMENSIONS, PROVCAT_DIMENSION)}
    breakdown = [_explain(d, about) for d in assessment.breakdown] if assessment else []
    pending = sum(i.get("pending", 0) for d in breakdown[:5] for i in d["indicators"])
    return {
        "dataset": dataset,
        "assessment": assessment,
        "dimensions": breakdown[:5],
        "provcat": breakdown[5] if len(breakdown) > 5 else None,
        "pending_points": pending,
        "can_edit": access.can_edit_dataset(user, dataset),
    }


def _latest_check(distribution, kind: str, url: str):
    """The check of this URL, from the prefetched link checks (none: not checked yet)."""
    for check in distribution.link_checks.all():
        if check.kind == kind and check.url == url:
            return check
    return None


def _status_text(check) -> str:
    if check is None:
        return "Not checked yet"
    if check.reachable:
        return "Answers"
    if check.status_code:
        try:
            reason = HTTPStatus(check.status_code).phrase
        except ValueError:
            reason = "error"
        return f"Did not answer ({check.status_code} {reason})"
    return "Did not answer (no response)"


@register.inclusion_tag("catalogue/quality/_distribution.html", takes_context=True)
def distribution_links(context, distribution, dataset):
    """A distribution's buttons, its size (declared and as the server reported it) and what
    the link check found. Uses the page's prefetched link checks: no query per distribution."""
    request = context.get("request")
    download = web_url(distribution.download_url)
    access = web_url(distribution.access_url)
    path = dataset.get_absolute_url()
    pages = {f"{settings.PROVCAT_BASE_URI}{path}".rstrip("/")}
    if request is not None:
        pages.add(request.build_absolute_uri(path).rstrip("/"))
    # An access URL that is the download itself, or this very page, is no separate page to offer.
    offer_access = bool(access) and access != download and access.rstrip("/") not in pages
    check = None
    if distribution.download_url:
        check = _latest_check(distribution, "download", distribution.download_url)
    elif distribution.access_url:
        check = _latest_check(distribution, "access", distribution.access_url)
    reported = check.byte_size if check is not None and check.reachable else None
    return {
        "distribution": distribution,
        "dataset": dataset,
        "name": distribution.title or (distribution.format.label if distribution.format else "distribution"),
        "download": download,
        "access": access if offer_access else "",
        "access_text": distribution.access_url if not access and not download else "",
        "check": check,
        "status": "earned" if check and check.reachable else ("failed" if check else "pending"),
        "status_text": _status_text(check),
        "declared": distribution.byte_size,
        "reported": reported,
        "size_differs": reported is not None
        and distribution.byte_size is not None
        and reported != distribution.byte_size,
    }
