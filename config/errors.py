"""Error pages: API clients get JSON, people get the catalogue's own pages."""

from django.http import JsonResponse
from django.views.defaults import page_not_found

API_PREFIXES = ("/api/",)
# CKAN-compatible clients (ckanapi) read every answer as {"success": ..., "error": {...}}.
CKAN_PREFIXES = ("/api/3/action/", "/api/action/")


def not_found(request, exception=None):
    # A URL under /api/ that no route matches (a malformed id, a typo) still answers in the
    # API's own shape, as DRF does for a missing object, so clients parse one kind of error.
    if request.path.startswith(API_PREFIXES):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
