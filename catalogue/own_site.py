"""Ask this site's own links in-process, without a socket (link checks and data previews).

Many distributions link to this very catalogue (the demo's sample files, pages a publisher
points at). Fetching them over the network would ask the server to call itself: it fails
while the server is not up yet (``load_demo`` runs before ``make run`` serves), needs the
loopback address allowed, and in eager mode ties up the one web process waiting on itself.
The answer is the same either way, since this code is what the server would run, so a URL
under PROVCAT_BASE_URI is handed to Django's request handler here, as an anonymous visitor
would send it: a restricted dataset's files answer 404 just as they would to the public.

No ``request_started``/``request_finished`` signals are sent (``get_response``, not the WSGI
entry point): those close the database connection, which belongs to the caller.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.http.request import validate_host

MAX_REDIRECTS = 5
USER_AGENT = "Provcat link check"


class _NotLinkChecks(logging.Filter):
    """Keeps a link check's 404 out of django.request's log: a broken link is recorded on its
    distribution and shown on the dataset page, not an error of this server."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        return getattr(request, "META", {}).get("HTTP_USER_AGENT") != USER_AGENT


@dataclass
class OwnAnswer:
    status: int
    content_length: int | None
    # Set when a redirect leads off this site: the caller asks that URL over the network.
    elsewhere: str | None = None


def is_own_url(url: str) -> bool:
    """Whether ``url`` is on this site's base URI (and this site accepts that host)."""
    base = urlsplit(settings.PROVCAT_BASE_URI)
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc.lower()) != (base.scheme, base.netloc.lower()):
        return False
    if not parts.path.startswith(base.path.rstrip("/") + "/") and parts.path != base.path:
        return False
    return validate_host(base.hostname or "", settings.ALLOWED_HOSTS)


def _environ(url: str) -> dict:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": parts.path or "/",
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname,
        "SERVER_PORT": str(port),
        "HTTP_HOST": parts.netloc,
        "HTTP_USER_AGENT": USER_AGENT,
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme,
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


_handler: WSGIHandler | None = None


def _get_handler() -> WSGIHandler:
    global _handler  # noqa: PLW0603 (loading the middleware once per process, as a WSGI server does)
    if _handler is None:
        logging.getLogger("django.request").addFilter(_NotLinkChecks())
        _handler = WSGIHandler()
    return _handler


@dataclass
class OwnResponse:
    status: int
    content_type: str
    body: bytes


def own_url_get(url: str, *, max_bytes: int) -> OwnResponse:
    """What this site answers ``url`` with (at most ``max_bytes`` of the body), following
    redirects that stay on it; OSError when one leads elsewhere or there are too many, as the
    network fetch's callers expect of a link they cannot follow."""
    answer, response = _answer(url)
    if answer.elsewhere:
        raise OSError(f"{url}: redirected off this site, to {answer.elsewhere}")
    if response.streaming:
        body = b""
        for chunk in response.streaming_content:
            body += chunk
            if len(body) >= max_bytes:
                break
    else:
        body = response.content
    return OwnResponse(response.status_code, response.get("Content-Type", ""), body[:max_bytes])


def own_url_answer(url: str) -> OwnAnswer:
    """The status and size this site answers ``url`` with, following redirects that stay on it."""
    return _answer(url)[0]


def _answer(url: str):
    for _ in range(MAX_REDIRECTS + 1):
        response = _get_handler().get_response(WSGIRequest(_environ(url)))
        location = response.get("Location") if response.status_code in (301, 302, 303, 307, 308) else None
        if location:
            url = urljoin(url, location)
            if not is_own_url(url):
                return OwnAnswer(response.status_code, None, elsewhere=url), response
            continue
        length = response.get("Content-Length")
        if length is not None and length.isdigit():
            size = int(length)
        elif response.streaming:
            size = None
        else:
            size = len(response.content)
        return OwnAnswer(response.status_code, size), response
    raise OSError(f"{url}: more than {MAX_REDIRECTS} redirects")
