"""The JSON behind the derivation sources picker (static/js/source-picker.js).

Thin: it parses the query and answers what catalogue.publish.sources finds, which offers
only datasets the user may see (catalogue.access). The form itself works without it.
"""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse

from catalogue import access
from catalogue.publish import sources

MAX_SLUGS = 50


def _answer(dataset) -> dict:
    return {"slug": dataset.slug, "title": dataset.title, "publisher": dataset.publisher.name}


@login_required
def source_search_json(request):
    """``?q=words`` the datasets matching, best first; ``?slugs=a,b`` those datasets (the
    picker shows the titles of the sources already chosen); ``&dataset=<slug>`` leaves out the
    dataset being edited. A dataset the user may not see is never in an answer."""
    dataset = None
    slug = request.GET.get("dataset", "")
    if slug:
        dataset = access.dataset_for_user(request.user, slug=slug[:200], for_edit=True)
    if "slugs" in request.GET:
        names = [name.strip() for name in request.GET["slugs"].split(",") if name.strip()][:MAX_SLUGS]
        found = {d.slug: d for d in sources.sources_named(request.user, names, dataset=dataset)}
        return JsonResponse({"results": [_answer(found[name]) for name in names if name in found]})
    results = sources.source_search(request.user, request.GET.get("q", ""), dataset=dataset)
    return JsonResponse({"results": [_answer(d) for d in results]})
