"""Fixtures for harvest tests, on 127.0.0.1 only (the network rule): a local HTTP server that
plays a remote DCAT catalogue, a DCAT-AP Turtle writer for its pages, and a CKAN-like action API."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


class SourceServer:
    """Serves ``routes`` (path with query -> (status, content type, body bytes)) and logs every request."""

    def __init__(self):
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        self.requests: list[str] = []
        # Seconds to wait before answering a path (a slow source).
        self.delays: dict[str, float] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                status, content_type, body = server.routes.get(self.path, (404, "text/plain", b"not here"))
                if self.path in server.delays:
                    time.sleep(server.delays[self.path])
                self.send_response(status)
                if status in (301, 302, 303, 307, 308):
                    self.send_header("Location", body.decode())
                    body = b""
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: bytes | str, content_type: str = "text/turtle", status: int = 200) -> str:
        self.routes[path] = (status, content_type, body.encode() if isinstance(body, str) else body)
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.serve(path, location, "text/plain", status)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def source_server():
    server = SourceServer()
    yield server
    server.close()


PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dataset_turtle(
    n: int,
    *,
    title: str | None = None,
    description: str | None = None,
    derived_from: list[int] = (),
    landing_page: str | None = None,
    base: str = "https://data.example.gov/id/dataset",
) -> str:
    """One DCAT-AP dataset of a remote catalogue, numbered ``n``, with one CSV distribution."""
    iri = f"<{base}/{n}>"
    lines = [
        f"{iri} a dcat:Dataset ;",
        f"  dct:title {_literal(title or f'Remote dataset {n}')}@en ;",
        f"  dct:description {_literal(description or f'Counts number {n}, by month.')}@en ;",
        '  dcat:keyword "transport"@en, "roads"@en ;',
        "  dcat:theme <http://publications.europa.eu/resource/authority/data-theme/TRAN> ;",
        "  dct:license <http://publications.europa.eu/resource/authority/licence/OGL_3_0> ;",
        '  dcat:contactPoint [ a vcard:Kind ; vcard:fn "Roads team" ; vcard:hasEmail <mailto:roads@example.gov> ] ;',
        '  dct:publisher [ a foaf:Agent ; foaf:name "Department of Roads" ] ;',
    ]
    if landing_page:
        lines.append(f"  dcat:landingPage <{landing_page}> ;")
    for source in derived_from:
        lines.append(f"  prov:wasDerivedFrom <{base}/{source}> ;")
    lines.append(
        f"  dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://files.example.gov/{n}.csv> ;"
        f" dcat:downloadURL <https://files.example.gov/{n}.csv> ;"
        " dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ;"
        ' dcat:byteSize "1234"^^xsd:nonNegativeInteger ] .'
    )
    return "\n".join(lines) + "\n"


def catalogue_page(
    datasets: list[str], *, next_url: str | None = None, total: int | None = None, view: str = ""
) -> str:
    """A page of a Hydra-paged DCAT catalogue holding ``datasets`` (their Turtle)."""
    body = PREFIXES
    if next_url or total is not None:
        page = f"<{view}>" if view else "<https://data.example.gov/catalog?page=1>"
        body += f"<https://data.example.gov/catalog> a hydra:Collection ; hydra:view {page} .\n"
        body += f"{page} a hydra:PartialCollectionView"
        if total is not None:
            body += f" ; hydra:totalItems {total}"
        if next_url:
            body += f" ; hydra:next <{next_url}>"
        body += " .\n"
    return body + "\n".join(datasets)


# A CKAN-like site on 127.0.0.1 -------------------------------------------------------


class FakeCkan:
    """package_search as CKAN answers it: sorted, paged on start/rows (rows cut at
    max_rows), filtered on metadata_modified, fl=id honoured; every request recorded."""

    def __init__(self):
        self.packages: list = []
        self.requests: list[dict] = []
        self.sent: list[int] = []
        self.max_rows = 1000
        self.honours_fl = True
        self.sorts = {"id asc": "id", "metadata_modified asc": "metadata_modified"}
        self.ignores_start = False
        self.count_offset = 0
        self.answers: dict[int, tuple[int, bytes]] = {}  # request number -> canned answer
        self.before_answer = None  # called with the request number: the source changing meanwhile
        self.url = ""

    def answer(self, path: str, query: dict) -> tuple[int, object]:
        if path != "/api/3/action/package_search":
            return 404, {"success": False, "error": {"__type": "Not Found Error", "message": "Not found"}}
        sort = query.get("sort", "score desc, metadata_modified desc")
        if sort not in self.sorts:
            return 409, ckan_error("Search Query Error", f"Search Query is invalid: can not sort on {sort}")
        packages = [p for p in self.packages]
        if query.get("fq"):
            match = re.fullmatch(r"metadata_modified:\[(\S+)Z TO \*\]", query["fq"])
            if not match:
                return 409, ckan_error("Search Query Error", f"Search Query is invalid: {query['fq']}")
            packages = [p for p in packages if p["metadata_modified"] >= match.group(1)]
        field = self.sorts[sort]
        packages.sort(key=lambda p: str(p.get(field) or "") if isinstance(p, dict) else "")
        rows = min(int(query.get("rows", 10)), self.max_rows)
        start = 0 if self.ignores_start else int(query.get("start", 0))
        results = packages[start : start + rows]
        if query.get("fl") == "id" and self.honours_fl:
            results = [{"id": p["id"]} for p in results]
        count = len(packages) + self.count_offset
        return 200, {"help": "", "success": True, "result": {"count": count, "results": results, "sort": sort}}


def ckan_error(kind: str, message: str) -> dict:
    """CKAN's error envelope, as its action API answers a failed call."""
    return {"help": "", "success": False, "error": {"__type": kind, "message": message}}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        site = self.server.site
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        site.requests.append({"path": parts.path, **query})
        number = len(site.requests)
        if site.before_answer:
            site.before_answer(number)
        if number in site.answers:
            status, body = site.answers[number]
        else:
            status, document = site.answer(parts.path, query)
            body = json.dumps(document).encode()
        site.sent.append(len(body))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        """Quiet: tests read what was asked from ``site.requests``, not from stderr."""


@pytest.fixture
def ckan():
    site = FakeCkan()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.site = site
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()
