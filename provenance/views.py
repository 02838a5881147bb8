"""Web routes of the provenance app: PROV-O exports and the lineage stubs publishers can claim."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from catalogue import access
from catalogue.models import Organisation
from lib.input_parsing import InvalidValue, moment_parse
from provenance.prov_document import dataset_provenance_graph
from provenance.queries import claimable_stubs, stub_for_claim
from provenance.services import STUB_ORGANISATION_SLUG, dataset_stub_claim

FORMATS = {
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "jsonld": ("json-ld", "application/ld+json"),
}


def dataset_provenance(request, slug: str, extension: str):
    dataset = access.dataset_for_user(request.user, slug=slug)
    rdf_format, content_type = FORMATS[extension]
    try:
        as_of = moment_parse(request.GET["as_of"], "as_of", day_means_end=True) if request.GET.get("as_of") else None
    except InvalidValue as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    graph = dataset_provenance_graph(request.user, dataset, as_of=as_of)
    response = HttpResponse(graph.serialize(format=rdf_format), content_type=content_type)
    response["Vary"] = "Cookie"
    return response


@login_required
def stub_list(request):
    """Datasets OpenLineage events named that nobody has claimed, for editors to take over."""
    organisations = access.editable_organisations(request.user).exclude(slug=STUB_ORGANISATION_SLUG)
    if not organisations:
        raise PermissionDenied("Only editors can claim lineage stubs.")
    stubs = claimable_stubs(request.user).prefetch_related("aliases").order_by("title")
    return render(request, "provenance/stub_list.html", {"stubs": stubs, "organisations": organisations})


@login_required
@require_POST
def stub_claim(request, slug: str):
    # As in the API: the organisation first, then the stub among the ones claimable for it, so a
    # private dataset, a non-stub, another organisation's stub and a missing slug answer alike.
    organisation = get_object_or_404(Organisation, slug=request.POST.get("organisation", ""))
    if not access.can_edit_for_organisation(request.user, organisation.pk):
        raise PermissionDenied("You may only claim a stub for an organisation you edit for.")
    dataset = stub_for_claim(request.user, slug=slug, organisation=organisation)
    try:
        dataset_stub_claim(dataset=dataset, organisation=organisation, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("provenance:stub-list")
    messages.success(request, f"“{dataset.title}” now belongs to {organisation.name}, as a draft for you to complete.")
    return redirect(dataset.get_absolute_url())
