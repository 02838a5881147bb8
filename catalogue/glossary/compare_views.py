"""The compatibility check's page (/compare/?datasets=a,b): a GET page an analyst can share.
``?with=<slug>`` opens the form with one dataset filled in. It parses the slugs and shows what catalogue.glossary.compare finds; every refusal (too
few or too many datasets, one named twice, one unknown or not visible) is a 400 page that
says which, with the form to try again."""

from django.shortcuts import render

from catalogue.glossary.compare import MAX_DATASETS, CompareError, compare, parse_slugs


def compare_page(request):
    asked = request.GET.getlist("datasets")
    context = {"asked": ", ".join(asked)[:1000], "max_datasets": MAX_DATASETS}
    if not asked:
        # From a dataset's "Compare with..." link: the form, with that dataset filled in.
        start = request.GET.get("with", "").strip()[:100]
        context["asked"] = f"{start}, " if start else ""
        return render(request, "catalogue/glossary/compare.html", context)
    try:
        comparison = compare(request.user, parse_slugs(asked))
    except CompareError as error:
        context["error"] = error.message
        return render(request, "catalogue/glossary/compare.html", context, status=400)
    context.update(
        comparison=comparison,
        counts=comparison.counts(),
        asked=", ".join(comparison.slugs),
    )
    return render(request, "catalogue/glossary/compare.html", context)
