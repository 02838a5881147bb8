"""Refuse NUL characters in a request before any view sees them.

PostgreSQL cannot store a NUL character in text (nor compare one in a query), so a NUL that
reaches the database is a 500 from whichever path it came through: a slug in the URL, a
CKAN parameter, a lineage query, a JSON value a serializer does not check (a field's
constraints), a row of the data dictionary import. No legitimate value holds one, so one
check here covers every path: the path, the query string, form fields and JSON bodies. Form
fields in multipart bodies (uploads) are left to the forms, whose text fields refuse NUL
themselves: parsing them here would leave the raw body unreadable for the views that read it.
"""

import re

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseBadRequest, JsonResponse

from config.errors import API_PREFIXES, CKAN_PREFIXES

# \u0000 escaped in JSON text: the backslash before it must not itself be escaped.
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_FORM = "application/x-www-form-urlencoded"


def _nul_in_pairs(pairs) -> str | None:
    for key, values in pairs.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return key.replace("\x00", "\\0")
    return None


def _where_nul(request) -> str | None:
    """Where the request carries a NUL character, or None."""
    if "\x00" in request.path:
        return "the address"
    name = _nul_in_pairs(request.GET)
    if name is not None:
        return f"the query parameter {name!r}"
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    if request.content_type == _FORM:
        name = _nul_in_pairs(request.POST)
        return None if name is None else f"the form field {name!r}"
    json_body = request.content_type == "application/json" or request.content_type.endswith("+json")
    if json_body and not request.headers.get("Content-Encoding"):
        try:
            body = request.body
        except RequestDataTooBig:
            return None  # the view answers a body over the limit in its own way
        if b"\x00" in body or _JSON_NUL.search(body):
            return "the JSON body"
    return None


def refuse_nul_characters(get_response):
    def middleware(request):
        where = _where_nul(request)
        if where is None:
            return get_response(request)
        reason = f"NUL characters (\\u0000) are not allowed: {where} contains one."
        if request.path.startswith(CKAN_PREFIXES):
            error = {"__type": "Bad Request", "message": reason}
            return JsonResponse({"success": False, "error": error}, status=400)
        if request.path.startswith(API_PREFIXES):
            return JsonResponse({"detail": reason}, status=400)
        return HttpResponseBadRequest(reason, content_type="text/plain; charset=utf-8")

    return middleware
