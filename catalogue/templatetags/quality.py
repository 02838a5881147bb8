"""Template tags for the metadata-quality score (publisher).

{% load quality %}{% quality_panel dataset %}       score, band, dimensions; hints only to editors
{% organisation_quality organisation %}              average score and the weakest datasets
"""

from django import template

from catalogue import access, queries
from catalogue.models import QualityAssessment
from catalogue.publish.hints import hints_merged

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
