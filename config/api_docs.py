"""The REST API's documentation: readable names and groups in the OpenAPI schema, and Redoc
served entirely from this server under the Content-Security-Policy.

Every view stays free of documentation boilerplate: the schema's operations are grouped by
the resource their path names (``/api/v1/harvest/sources/...`` -> "Harvest sources") and named
from their method and path ("List datasets", "Publish a dataset") by the post-processing hook
below, which leaves alone any tag or summary a view sets itself.
"""

import functools
import re
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView

# Resource (the path after /api/v1/, without ids or actions) -> tag, singular noun, plural
# noun, and what the group is for; the order here is the order of the groups in the docs.
RESOURCES: dict[str, tuple[str, str, str, str]] = {
    "datasets": (
        "Datasets",
        "a dataset",
        "datasets",
        "The catalogue's datasets: describe, publish, withdraw, restore.",
    ),
    "distributions": ("Distributions", "a distribution", "distributions", "The files and services of a dataset."),
    "fields": ("Data dictionary", "a field", "fields", "The columns of a dataset (CSVW), and their column lineage."),
    "collection-methods": (
        "Collection methods",
        "a collection method",
        "collection methods",
        "How a dataset's data was collected.",
    ),
    "checks": ("Validation checks", "a validation check", "validation checks", "Checks run on a dataset's data."),
    "measurements": (
        "Quality measurements",
        "a quality measurement",
        "quality measurements",
        "Measured quality of a dataset (DQV).",
    ),
    "derivations": ("Lineage", "a derivation", "derivations", "Which dataset was made from which."),
    "lineage": (
        "Lineage",
        "lineage",
        "lineage",
        "OpenLineage events from pipelines, paths between datasets, and stub datasets to claim.",
    ),
    "organisations": ("Organisations", "an organisation", "organisations", "The publishing organisations."),
    "memberships": (
        "Memberships",
        "a membership",
        "memberships",
        "Who is admin, editor or viewer of an organisation.",
    ),
    "harvest/sources": (
        "Harvest sources",
        "a harvest source",
        "harvest sources",
        "Other catalogues this one harvests, and starting a harvest.",
    ),
    "harvest/jobs": ("Harvest jobs", "a harvest job", "harvest jobs", "One harvest's report and progress."),
    "glossary/schemes": (
        "Glossary",
        "a concept scheme",
        "concept schemes",
        "Shared definitions: SKOS concept schemes, concepts and the links between them.",
    ),
    "glossary/concepts": ("Glossary", "a concept", "concepts", ""),
    "glossary/links": ("Glossary", "a link between concepts", "links between concepts", ""),
    "compare": ("Compare datasets", "", "", "Can these datasets be joined? Field by field, against the glossary."),
}

# Verbs for the standard operations of a resource, by operationId ending.
STANDARD = {
    "_list": "List {plural}",
    "_create": "Create {singular}",
    "_retrieve": "Read {singular}",
    "_update": "Replace {singular}",
    "_partial_update": "Change {singular}",
    "_destroy": "Delete {singular}",
}

# Operations that are not one of the standard ones, by operationId.
SPECIAL = {
    "v1_datasets_publish_create": "Publish a dataset",
    "v1_datasets_withdraw_create": "Withdraw a dataset",
    "v1_datasets_restore_create": "Restore an earlier version of a dataset",
    "v1_datasets_history_list": "A dataset's history",
    "v1_datasets_upstream_retrieve": "Datasets a dataset was made from (upstream)",
    "v1_datasets_downstream_retrieve": "Datasets made from a dataset (downstream)",
    "v1_datasets_aliases_retrieve": "A dataset's other names in pipelines",
    "v1_datasets_aliases_create": "Add another name of a dataset in pipelines",
    "v1_fields_upstream_retrieve": "Columns a field was made from (upstream)",
    "v1_fields_downstream_retrieve": "Columns made from a field (downstream)",
    "v1_lineage_create": "Send an OpenLineage event",
    "v1_lineage_batch_create": "Send a batch of OpenLineage events",
    "v1_lineage_path_retrieve": "The lineage path between two datasets",
    "v1_lineage_stubs_claim_create": "Claim a stub dataset named by a pipeline",
    "v1_harvest_sources_jobs_list": "A harvest source's jobs",
    "v1_harvest_sources_jobs_create": "Start a harvest",
    "v1_harvest_jobs_cancel_create": "Cancel a harvest",
    "v1_compare_retrieve": "Compare datasets field by field",
}

_RESOURCE_PATH = re.compile(r"^/api/v1/(?P<resource>[a-z-]+(?:/(?:sources|jobs|schemes|concepts|links))?)")


def _resource_of(path: str) -> str | None:
    match = _RESOURCE_PATH.match(path)
    if not match:
        return None
    resource = match["resource"]
    return (
        resource if resource in RESOURCES else resource.split("/")[0] if resource.split("/")[0] in RESOURCES else None
    )


def summary_for(operation_id: str, resource: str) -> str | None:
    if operation_id in SPECIAL:
        return SPECIAL[operation_id]
    _, singular, plural, _ = RESOURCES[resource]
    for ending in sorted(STANDARD, key=len, reverse=True):
        if operation_id.endswith(ending):
            return STANDARD[ending].format(singular=singular, plural=plural)
    return None


def readable_operations(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: a tag per resource and a summary per operation."""
    used: list[str] = []
    for path, operations in result.get("paths", {}).items():
        resource = _resource_of(path)
        if resource is None:
            continue
        tag = RESOURCES[resource][0]
        for operation in operations.values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            if operation.get("tags") in (None, [], ["v1"]):
                operation["tags"] = [tag]
            if not operation.get("summary"):
                summary = summary_for(operation["operationId"], resource)
                if summary:
                    operation["summary"] = summary
            used.extend(t for t in operation["tags"] if t not in used)
    descriptions = {tag: text for tag, _, _, text in RESOURCES.values() if text}
    order = list(dict.fromkeys(tag for tag, _, _, _ in RESOURCES.values()))
    result["tags"] = [
        {"name": tag, **({"description": descriptions[tag]} if tag in descriptions else {})}
        for tag in sorted(used, key=lambda t: order.index(t) if t in order else len(order))
    ]
    return result


# Redoc's bundle is served from here with two exact strings changed, so that it loads
# nothing from another host and runs under the Content-Security-Policy without
# 'unsafe-inline'. tests/test_api_docs.py fails if a new Redoc no longer contains either.
REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
REDOC_REWRITES = {
    # Its sidebar draws the Redocly logo from their CDN, whatever the options: a blank instead.
    "https://cdn.redoc.ly/redoc/logo-mini.svg": (
        "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E"
    ),
    # Its scrollbar stylesheet is written into a <style> as the bundle loads, before Redoc is
    # told the nonce: take the nonce from the <script> element that is loading the bundle.
    'e.exports=function(e){var t=n.nc;t&&e.setAttribute("nonce",t)}': (
        "e.exports=function(e){var t=n.nc||document.currentScript&&document.currentScript.nonce;"
        't&&e.setAttribute("nonce",t)}'
    ),
}


@functools.cache
def redoc_bundle() -> bytes:
    found = finders.find(REDOC_BUNDLE)
    if not found:
        raise Http404("Redoc is not installed (drf-spectacular-sidecar).")
    text = Path(found).read_text(encoding="utf-8")
    for old, new in REDOC_REWRITES.items():
        text = text.replace(old, new)
    return text.encode()


@require_GET
def redoc_script(request):
    response = HttpResponse(redoc_bundle(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


class RedocView(SpectacularRedocView):
    """Redoc under the Content-Security-Policy: its bundle and start-up script are files from
    this server, and the styles it writes at run time carry the page's CSP nonce (Redoc hands
    its `nonce` option to styled-components), so no 'unsafe-inline' is needed."""

    template_name = "drf_spectacular/redoc_local.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.data["redoc_standalone"] = reverse("api-redoc-script")
        response.data["redoc_init"] = static("js/redoc-init.js")
        # This page only: Redoc's search index runs in a worker Redoc makes from its own code
        # as a blob: URL.
        response._csp_update = {"worker-src": ["'self'", "blob:"]}
        return response
