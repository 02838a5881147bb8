"""The synonyms page, /publish/synonyms/: publishers add synonyms, site administrators remove
them, everyone signed in reads the list and its history. Parses and calls
catalogue.search.services; decides nothing itself."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from catalogue.search import services
from catalogue.search.forms import SynonymForm
from catalogue.search.models import Synonym
from catalogue.search.query import SearchParams

HISTORY_LENGTH = 50


def _history() -> list[dict]:
    """The latest additions and removals, newest first (shipped synonyms are not events)."""
    rows = Synonym.objects.select_related("added_by", "removed_by", "organisation").order_by("-added_at")
    events = []
    for synonym in rows.filter(shipped=False)[:HISTORY_LENGTH]:
        events.append({"when": synonym.added_at, "what": "Added", "synonym": synonym, "who": synonym.added_by})
    for synonym in rows.filter(removed_at__isnull=False).order_by("-removed_at")[:HISTORY_LENGTH]:
        events.append({"when": synonym.removed_at, "what": "Removed", "synonym": synonym, "who": synonym.removed_by})
    events.sort(key=lambda e: e["when"], reverse=True)
    return events[:HISTORY_LENGTH]


@login_required
def synonym_list(request):
    may_add = services.may_add_synonyms(request.user)
    form = SynonymForm(request.POST or None, user=request.user) if may_add else None
    if request.method == "POST":
        if "remove" in request.POST:
            synonym = get_object_or_404(Synonym, pk=request.POST["remove"] if request.POST["remove"].isdigit() else 0)
            services.synonym_remove(user=request.user, synonym=synonym)  # PermissionDenied: 403
            return redirect(f"{reverse('search:synonyms')}?removed={synonym.pk}")
        if form is None:
            return redirect("search:synonyms")
        if form.is_valid():
            try:
                synonym = services.synonym_add(
                    user=request.user,
                    phrase=form.cleaned_data["phrase"],
                    equivalent=form.cleaned_data["equivalent"],
                    organisation=form.cleaned_data.get("organisation"),
                )
            except ValidationError as error:
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                return redirect(f"{reverse('search:synonyms')}?added={synonym.pk}")
    synonyms = list(
        Synonym.objects.filter(removed_at__isnull=True).select_related("added_by", "organisation").order_by("phrase")
    )
    for synonym in synonyms:
        synonym.search_url = SearchParams(q=synonym.phrase).url()
    # What the last post did, said on the page it redirected to (the address names the row).
    done = {}
    for what in ("added", "removed"):
        value = request.GET.get(what, "")
        if value.isdigit():
            done = {"what": what, "synonym": Synonym.objects.filter(pk=int(value)).first()}
    return render(
        request,
        "catalogue/search/synonyms.html",
        {
            "form": form,
            "synonyms": synonyms,
            "history": _history(),
            "may_remove": services.may_remove_synonyms(request.user),
            "done": done,
        },
    )
