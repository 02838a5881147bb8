"""The page that explains the metadata-quality score: its bands, each indicator, and how a
link that was not checked yet differs from one that did not answer. Built from score.py's
own tables, so the explanation cannot drift from the computation."""

from django.shortcuts import render

from catalogue.quality.score import (
    DIMENSIONS,
    INDICATORS,
    MQA_MAX,
    PROVCAT_DIMENSION,
    PROVCAT_MAX,
    band_ranges,
)


def _dimension(key: str, label: str, question: str) -> dict:
    indicators = [{"key": k, **vars(info)} for k, info in INDICATORS.items() if info.dimension == key]
    return {
        "key": key,
        "label": label,
        "question": question,
        "max": sum(i["points"] for i in indicators),
        "indicators": indicators,
    }


def quality_about(request):
    return render(
        request,
        "catalogue/quality/about.html",
        {
            "bands": band_ranges(),
            "dimensions": [_dimension(*d) for d in DIMENSIONS],
            "provcat": _dimension(*PROVCAT_DIMENSION),
            "mqa_max": MQA_MAX,
            "provcat_max": PROVCAT_MAX,
        },
    )
