"""The public register: its page, one page per agreement, and the exports (CSV, JSON, RDF).

Anyone may read the register. The page and every export are built from the same list of
entries (``queries.register_entries_for`` over ``queries.register_search``) with the same
filters, so "download these" gives exactly what the page lists. Restricted details
(processors, security handling) go only to members of the agreement's parties.
"""

import csv
import hashlib
import io
import json
from urllib.parse import urlencode

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import quote_etag

from catalogue import access
from catalogue.models import Organisation
from catalogue.rdf.formats import BY_SUFFIX
from catalogue.sharing import legal, queries, rdf
from catalogue.sharing.models import SharingAgreement
from lib.csv_cells import csv_row_neutralise

CSV_COLUMNS = (
    "id",
    "url",
    "name",
    "purpose",
    "benefits",
    "provider",
    "recipient",
    "legal_power",
    "lawful_basis",
    "special_category_condition",
    "citation",
    "datasets",
    "data_items",
    "sharing_method",
    "security_classification",
    "retention_period",
    "start_date",
    "end_date",
    "review_date",
    "status",
    "contact",
    "costs_borne_by",
    "charge",
    "outputs_owner",
    "processors",
    "security_handling",
)


def _filtered(request):
    filters = queries.register_filters(request.user, request.GET)
    entries = queries.register_entries_for(request.user, queries.register_search(filters))
    return filters, entries


def _with_query(path: str, filters: queries.RegisterFilters) -> str:
    chosen = filters.chosen
    return f"{path}?{urlencode(chosen)}" if chosen else path


def _register_parties():
    """The organisations that are a party to an entry on the register (for the filter)."""
    pairs = queries.register_entries().values_list("provider_id", "recipient_id")
    return Organisation.objects.filter(pk__in={pk for pair in pairs for pk in pair}).order_by("name")


def register(request):
    filters, entries = _filtered(request)
    context = {
        "filters": filters,
        "entries": entries,
        "organisations": _register_parties(),
        "legal_groups": [
            ("Legal powers", legal.GATEWAYS),
            ("UK GDPR Article 6 lawful bases", legal.LAWFUL_BASES),
            ("UK GDPR Article 9 conditions", legal.SPECIAL_CATEGORY_CONDITIONS),
        ],
        "statuses": SharingAgreement.Status.choices,
        "datasets": access.visible_datasets(request.user)
        .filter(sharing_agreements__in=queries.register_entries())
        .distinct()
        .order_by("title"),
        "csv_url": _with_query(reverse("sharing:register-csv"), filters),
        "json_url": _with_query(reverse("sharing:register-json"), filters),
        "ttl_url": _with_query(reverse("sharing:register-rdf", args=["ttl"]), filters),
    }
    return render(request, "catalogue/sharing/register.html", context, status=400 if filters.errors else 200)


def detail(request, pk):
    agreement = queries.agreement_for_user(request.user, pk)
    entry = queries.register_entry_for(request.user, agreement)
    in_dictionary = queries.dictionary_field_names(entry)
    for covered in entry.covered:
        for item in covered.items:
            item.in_dictionary = (item.dataset_id, item.field_name) in in_dictionary
    agreement = entry.agreement
    events = agreement.events.select_related("organisation", "user").order_by("at", "id")
    context = {
        "agreement": agreement,
        "entry": entry,
        "events": events,
        "on_register": agreement.is_on_register,
        "citation_needed": agreement.legal_gateway == legal.OTHER_STATUTE,
        "today": timezone.localdate(),
        "rdf_url": reverse("sharing:detail-rdf", args=[agreement.pk, "ttl"]),
    }
    return render(request, "catalogue/sharing/detail.html", context)


# -- exports -------------------------------------------------------------------------------


def _conditional(request, response: HttpResponse) -> HttpResponse:
    """An ETag from the body, and 304 when the client already holds it (harvesters poll).

    The body depends on who asks (party members read restricted details), hence Vary: Cookie."""
    response["ETag"] = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
    patch_vary_headers(response, ["Cookie"])
    not_modified = get_conditional_response(request, etag=response["ETag"], response=response)
    return not_modified or response


def _bad_filters(filters: queries.RegisterFilters, as_json: bool):
    if as_json:
        return JsonResponse({"errors": filters.errors}, status=400)
    return HttpResponse("\n".join(filters.errors) + "\n", status=400, content_type="text/plain; charset=utf-8")


def _organisation(organisation: Organisation) -> dict:
    return {"name": organisation.name, "slug": organisation.slug, "uri": organisation.uri}


def _power(code: str) -> dict | None:
    power = legal.lookup(code)
    if power is None:
        return None
    return {"code": power.code, "label": power.label, "iri": power.iri or None}


def entry_record(request, entry: queries.RegisterEntry) -> dict:
    """One entry as the JSON export gives it (the CSV flattens the same record)."""
    a = entry.agreement
    return {
        "id": a.pk,
        "url": request.build_absolute_uri(a.get_absolute_url()),
        "uri": a.uri,
        "name": a.name,
        "purpose": a.purpose,
        "benefits": a.benefits,
        "provider": _organisation(a.provider),
        "recipient": _organisation(a.recipient),
        "legal_power": _power(a.legal_gateway),
        "lawful_basis": _power(a.lawful_basis),
        "special_category_condition": _power(a.special_category_condition),
        "citation": a.legal_citation,
        "datasets": [
            {
                "title": covered.label,
                "url": request.build_absolute_uri(covered.dataset.get_absolute_url()) if covered.viewable else None,
                "data_items": [{"name": i.field_name, "title": i.field_title} for i in covered.items],
            }
            for covered in entry.covered
        ],
        "sharing_method": a.get_sharing_method_display(),
        "sharing_method_detail": a.sharing_method_detail,
        "security_classification": a.get_security_classification_display(),
        "retention_period": a.retention_period,
        "start_date": a.start_date.isoformat(),
        "end_date": a.end_date.isoformat() if a.end_date else None,
        "review_date": a.review_date.isoformat() if a.review_date else None,
        "status": a.status,
        "status_reason": a.status_reason,
        "contact": {"name": a.contact_name, "email": a.contact_email},
        "costs_borne_by": a.get_costs_borne_by_display(),
        "charge": a.charge,
        "outputs_owner": a.get_outputs_owner_display(),
        "outputs_terms": a.outputs_terms,
        # Only the parties' members read these; null for everyone else.
        "processors": a.processor_names if entry.party_member else None,
        "security_handling": a.security_handling if entry.party_member else None,
    }


def _csv_row(record: dict) -> list:
    def label(power):
        return power["label"] if power else ""

    return [
        record["id"],
        record["url"],
        record["name"],
        record["purpose"],
        record["benefits"],
        record["provider"]["name"],
        record["recipient"]["name"],
        label(record["legal_power"]),
        label(record["lawful_basis"]),
        label(record["special_category_condition"]),
        record["citation"],
        "; ".join(d["title"] for d in record["datasets"]),
        "; ".join(f"{d['title']}: {i['name']}" for d in record["datasets"] for i in d["data_items"]),
        record["sharing_method"],
        record["security_classification"],
        record["retention_period"],
        record["start_date"],
        record["end_date"] or "",
        record["review_date"] or "",
        record["status"],
        f"{record['contact']['name']} <{record['contact']['email']}>",
        record["costs_borne_by"],
        record["charge"],
        record["outputs_owner"],
        "; ".join(record["processors"] or []),
        record["security_handling"] or "",
    ]


def register_csv(request):
    filters, entries = _filtered(request)
    if filters.errors:
        return _bad_filters(filters, as_json=False)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    # Names, purposes and field names are typed by publishers: never let a spreadsheet run them.
    writer.writerows(csv_row_neutralise(_csv_row(entry_record(request, e))) for e in entries)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sharing-register.csv"'
    return _conditional(request, response)


def register_json(request):
    filters, entries = _filtered(request)
    if filters.errors:
        return _bad_filters(filters, as_json=True)
    records = [entry_record(request, e) for e in entries]
    body = json.dumps({"count": len(records), "entries": records}, ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="sharing-register.json"'
    return _conditional(request, response)


def _rdf_response(graph, suffix: str, filename: str) -> HttpResponse:
    rdf_format = BY_SUFFIX[suffix]
    response = HttpResponse(graph.serialize(format=rdf_format.rdflib_format), content_type=rdf_format.content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}.{suffix}"'
    return response


def detail_rdf(request, pk, suffix):
    if suffix not in BY_SUFFIX:
        raise Http404("This agreement is available as " + ", ".join(f".{s}" for s in BY_SUFFIX) + ".")
    agreement = queries.agreement_for_user(request.user, pk)
    entry = queries.register_entry_for(request.user, agreement)
    graph = rdf.agreements_graph([entry])
    return _rdf_response(graph, suffix, f"sharing-agreement-{agreement.pk}")


def register_rdf(request, suffix):
    if suffix not in BY_SUFFIX:
        raise Http404("The register is available as " + ", ".join(f".{s}" for s in BY_SUFFIX) + ".")
    filters, entries = _filtered(request)
    if filters.errors:
        return _bad_filters(filters, as_json=False)
    return _rdf_response(rdf.agreements_graph(entries), suffix, "sharing-register")


def agreement_by_uri(request, pk):
    """An agreement's URI (``/id/agreement/<id>``, the subject of its RDF) leads to its page."""
    return redirect(queries.agreement_for_user(request.user, pk))
