"""The owners' pages under /publish/glossary/: the schemes of the user's organisations,
creating, editing, publishing and deleting a scheme, its concepts (with their versions),
the links between concepts, and imports (SKOS files and CSVs of terms, read by
catalogue.glossary.skos and catalogue.glossary.csv_terms); and the JSON suggestion of concepts that the
publisher's data dictionary asks for as a field is named (/glossary/suggest.json).

Thin views: catalogue.glossary.services decides who may write and what SKOS allows; a
PermissionDenied from it is a 403, a ValidationError goes back on the form (or, for the
buttons, into a message) and nothing is saved. A scheme the user cannot see is a 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from catalogue import access
from catalogue.glossary import queries, services
from catalogue.glossary.csv_terms import scheme_data_from_csv
from catalogue.glossary.forms import ConceptForm, ImportForm, LinkForm, SchemeForm, SearchForm
from catalogue.glossary.models import INVERSE, Concept, ConceptLink, ConceptScheme
from catalogue.glossary.skos import scheme_data_from_rdf

Status = ConceptScheme.Status
SEARCH_LIMIT = 20

# -- who may come in -------------------------------------------------------------------------


def _scheme_to_edit(user, slug: str) -> ConceptScheme:
    """The scheme, if the user may change it: 404 if they cannot see it, 403 if they only read it."""
    scheme = queries.scheme_for_user(user, slug)
    if not services.can_edit_scheme(user, scheme):
        raise PermissionDenied(f"Only editors and admins of {scheme.organisation} change “{scheme.title}”.")
    return scheme


def _concept_to_edit(user, slug: str, concept_slug: str) -> tuple[ConceptScheme, Concept]:
    scheme = _scheme_to_edit(user, slug)
    return scheme, queries.concept_for_user(user, scheme.slug, concept_slug)


def _posted(request: HttpRequest, *, files: bool = False):
    """What a form is bound to: the post (even an empty one), or nothing for a GET."""
    data = request.POST if request.method == "POST" else None
    if files:
        return data, request.FILES if data is not None else None
    return data


def _put_on_form(form, error: ValidationError) -> None:
    """A service's refusal, next to the fields it names (or above the form)."""
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


def _saved(form, write):
    """Run the service; on refusal put its messages on the form and return None."""
    try:
        with transaction.atomic():
            return write()
    except services.StaleConcept as error:
        form.add_error(None, str(error))
    except ValidationError as error:
        _put_on_form(form, error)
    return None


# -- the schemes -------------------------------------------------------------------------------


@login_required
def schemes(request: HttpRequest) -> HttpResponse:
    """The schemes the user's organisations own."""
    owned = queries.visible_schemes(request.user)
    if not access.sees_everything(request.user):
        owned = owned.filter(organisation_id__in=access.member_organisation_ids(request.user))
    owned = owned.annotate(concept_count=Count("concepts")).order_by("organisation__name", "title")
    editable = set(access.editable_organisations(request.user).values_list("pk", flat=True))
    rows = [{"scheme": scheme, "can_edit": scheme.organisation_id in editable} for scheme in owned]
    return render(
        request,
        "catalogue/glossary/publish/schemes.html",
        {"rows": rows, "can_create": bool(editable)},
    )


@login_required
def scheme_create(request: HttpRequest) -> HttpResponse:
    organisations = access.editable_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied("Only editors and admins of an organisation create glossary schemes.")
    form = SchemeForm(_posted(request), organisations=organisations)
    if request.method == "POST" and form.is_valid():
        scheme = _saved(
            form,
            lambda: services.scheme_create(
                request.user, organisation=form.cleaned_data["organisation"], **form.service_data()
            ),
        )
        if scheme is not None:
            messages.success(request, "Scheme created as a draft: add its concepts, then publish it.")
            return redirect("glossary:scheme-edit", slug=scheme.slug)
    status = 400 if form.is_bound else 200
    return render(request, "catalogue/glossary/publish/scheme_form.html", {"form": form}, status=status)


@login_required
def scheme_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The scheme's page: its title, description and version, its concepts, and its buttons."""
    scheme = _scheme_to_edit(request.user, slug)
    form = SchemeForm(_posted(request), scheme=scheme)
    if request.method == "POST" and form.is_valid():
        changed = _saved(
            form,
            lambda: services.scheme_update(
                request.user, scheme, revision=form.cleaned_data["revision"], **form.service_data()
            ),
        )
        if changed is not None:
            messages.success(request, "Saved.")
            return redirect("glossary:scheme-edit", slug=changed.slug)
    status = 400 if form.is_bound else 200
    context = {"scheme": scheme, "form": form, "concepts": scheme.concepts.all()}
    return render(request, "catalogue/glossary/publish/scheme.html", context, status=status)


STATUS_DONE = {
    Status.PUBLISHED: "Published: everyone can now read the scheme, and search finds datasets by its concepts.",
    Status.DRAFT: "Back to draft: only your organisation's members see the scheme now.",
}


@require_POST
@login_required
def scheme_status(request: HttpRequest, slug: str) -> HttpResponse:
    scheme = _scheme_to_edit(request.user, slug)
    wanted = request.POST.get("status", "")
    if wanted not in STATUS_DONE:
        messages.error(request, "Choose to publish the scheme or to take it back to draft.")
        return redirect("glossary:scheme-edit", slug=scheme.slug)
    try:
        with transaction.atomic():
            services.scheme_update(request.user, scheme, status=wanted)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, STATUS_DONE[wanted])
    return redirect("glossary:scheme-edit", slug=scheme.slug)


@login_required
def scheme_delete(request: HttpRequest, slug: str) -> HttpResponse:
    scheme = _scheme_to_edit(request.user, slug)
    if request.method == "POST":
        services.scheme_delete(request.user, scheme)
        messages.success(request, f"Deleted the scheme “{scheme.title}” and its concepts.")
        return redirect("glossary:schemes")
    context = {"scheme": scheme, "concept_count": scheme.concepts.count()}
    return render(request, "catalogue/glossary/publish/scheme_delete.html", context)


@login_required
def scheme_import(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload a SKOS file or a CSV of terms into the scheme: all of it, or (with the reason) nothing."""
    scheme = _scheme_to_edit(request.user, slug)
    form = ImportForm(*_posted(request, files=True))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        body = upload.read(settings.PROVCAT_GLOSSARY_IMPORT_MAX_BYTES + 1)

        def run() -> services.ImportResult:
            if form.is_csv():
                data = scheme_data_from_csv(body)
            else:
                data = scheme_data_from_rdf(body, filename=upload.name, content_type=upload.content_type or "")
            return services.scheme_import(request.user, scheme, data, change_note=form.cleaned_data["change_note"])

        result = _saved(form, run)
        if result is not None:
            messages.success(request, f"Imported “{upload.name}”: {result}.")
            return redirect("glossary:scheme-edit", slug=scheme.slug)
    status = 400 if form.is_bound else 200
    return render(request, "catalogue/glossary/publish/import.html", {"scheme": scheme, "form": form}, status=status)


# -- the concepts ------------------------------------------------------------------------------


@login_required
def concept_create(request: HttpRequest, slug: str) -> HttpResponse:
    scheme = _scheme_to_edit(request.user, slug)
    form = ConceptForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        concept = _saved(
            form,
            lambda: services.concept_create(
                request.user, scheme, change_note=form.cleaned_data["change_note"], **form.service_data()
            ),
        )
        if concept is not None:
            messages.success(request, f"Added “{concept.pref_label}”. Link it to related concepts below.")
            return redirect("glossary:concept-edit", slug=scheme.slug, concept=concept.slug)
    status = 400 if form.is_bound else 200
    context = {"scheme": scheme, "form": form}
    return render(request, "catalogue/glossary/publish/concept_new.html", context, status=status)


@login_required
def concept_edit(request: HttpRequest, slug: str, concept: str) -> HttpResponse:
    """The concept's page: what it says (a change is a new version), its versions, and its links."""
    scheme, current = _concept_to_edit(request.user, slug, concept)
    form = ConceptForm(_posted(request), concept=current)
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                changed = services.concept_update(
                    request.user,
                    current,
                    expected_version=form.cleaned_data["version"],
                    change_note=form.cleaned_data["change_note"],
                    **form.service_data(),
                )
        except services.StaleConcept as error:
            form.add_error(None, str(error))
            stale = current
        except ValidationError as error:
            _put_on_form(form, error)
        else:
            if changed.version != current.version:
                messages.success(request, f"Saved as version {changed.version}; the earlier version is kept.")
            else:
                messages.success(request, "Saved.")
            return redirect("glossary:concept-edit", slug=scheme.slug, concept=changed.slug)
    link_form = LinkForm(found=_found(request, current))
    return _render_concept(request, scheme, current, form, link_form, stale=stale)


def _found(request: HttpRequest, concept: Concept) -> list[queries.Match]:
    """The concepts the link search found (the words come back with the link form's post)."""
    q = (request.POST.get("q") if request.method == "POST" else request.GET.get("q")) or ""
    if not q.strip():
        return []
    return [m for m in queries.glossary_search(request.user, q, limit=SEARCH_LIMIT) if m.concept.pk != concept.pk]


def _render_concept(request, scheme, concept, form, link_form, *, stale=None) -> HttpResponse:
    search = SearchForm(request.GET or None)
    q = search.cleaned_data["q"] if search.is_valid() else request.POST.get("q", "")
    status = 400 if (form.is_bound and form.errors) or (link_form.is_bound and link_form.errors) else 200
    context = {
        "scheme": scheme,
        "concept": concept,
        "form": form,
        "stale": stale,
        "versions": concept.versions.select_related("changed_by"),
        "link_form": link_form,
        "search": search,
        "q": q,
        "searched": bool(q.strip()),
        "ours": _ours(request.user, concept),
        "theirs": _theirs(request.user, concept),
    }
    return render(request, "catalogue/glossary/publish/concept.html", context, status=status)


def _ours(user, concept: Concept) -> list[dict]:
    """The links this concept's scheme stated, each with the concept it points at if the user sees it."""
    links = list(concept.links.all())
    targets = {c.uri: c for c in queries.visible_concepts(user).filter(uri__in=[link.target_uri for link in links])}
    return [{"link": link, "target": targets.get(link.target_uri)} for link in links]


def _theirs(user, concept: Concept) -> list[dict]:
    """The links other concepts (that the user sees) stated about this one, read from this side."""
    links = ConceptLink.objects.filter(target_uri=concept.uri, concept__in=queries.visible_concepts(user))
    links = links.select_related("concept__scheme__organisation")
    return [{"link": link, "as_seen_here": ConceptLink.Kind(INVERSE[link.kind]).label} for link in links]


@login_required
def concept_delete(request: HttpRequest, slug: str, concept: str) -> HttpResponse:
    scheme, current = _concept_to_edit(request.user, slug, concept)
    if request.method == "POST":
        services.concept_delete(request.user, current)
        messages.success(request, f"Deleted “{current.pref_label}”. Fields that measured it keep its IRI.")
        return redirect("glossary:scheme-edit", slug=scheme.slug)
    context = {"scheme": scheme, "concept": current, "links": current.links.count()}
    return render(request, "catalogue/glossary/publish/concept_delete.html", context)


# -- the links ---------------------------------------------------------------------------------


@require_POST
@login_required
def link_add(request: HttpRequest, slug: str, concept: str) -> HttpResponse:
    scheme, current = _concept_to_edit(request.user, slug, concept)
    link_form = LinkForm(request.POST, found=_found(request, current))
    if link_form.is_valid():
        kind, target = link_form.cleaned_data["kind"], link_form.cleaned_data["target_uri"]
        try:
            with transaction.atomic():
                link = services.link_add(request.user, current, kind, target)
        except ValidationError as error:
            _put_on_form(link_form, error)
        else:
            label = ConceptLink.Kind(kind).label
            if link is None:
                messages.info(request, f"Already stated: “{current.pref_label}” has a {label} to {target}.")
            else:
                messages.success(request, f"Linked: “{current.pref_label}” has a {label} to {target}.")
            return redirect("glossary:concept-edit", slug=scheme.slug, concept=current.slug)
    return _render_concept(request, scheme, current, ConceptForm(concept=current), link_form)


@require_POST
@login_required
def link_remove(request: HttpRequest, slug: str, concept: str, pk: int) -> HttpResponse:
    scheme, current = _concept_to_edit(request.user, slug, concept)
    link = get_object_or_404(ConceptLink, pk=pk, concept=current)
    services.link_remove(request.user, link)
    messages.success(request, f"Removed the {link.get_kind_display()} to {link.target_uri}.")
    return redirect("glossary:concept-edit", slug=scheme.slug, concept=current.slug)


# -- the suggestion for the publisher's data dictionary ----------------------------------------


@require_GET
def suggest(request: HttpRequest) -> JsonResponse:
    """The concepts a field probably measures, best first, among the concepts the user sees."""
    matches = queries.suggest(request.user, request.GET.get("name", ""), request.GET.get("title", ""))
    return JsonResponse(
        [
            {
                "uri": match.concept.uri,
                "label": match.concept.pref_label,
                "scheme": match.concept.scheme.title,
                "organisation": match.concept.scheme.organisation.name,
                "definition": match.concept.definition,
                "why": match.why,
            }
            for match in matches
        ],
        safe=False,
    )
