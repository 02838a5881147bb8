"""Fixtures for harvest tests: a local HTTP server that plays a remote catalogue (127.0.0.1
only, as the network rule wants), and a DCAT-AP Turtle writer for the pages it serves."""

from __future__ import annotations

import json
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
        # A CKAN action API (``serve_ckan``): the packages package_search answers with.
        self.ckan_packages: list[dict] | None = None
        # Seconds to wait before answering a path (a slow source).
        self.delays: dict[str, float] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                if server.ckan_packages is not None and self.path.startswith("/api/3/action/package_search"):
                    status, content_type, body = server.package_search(self.path)
                else:
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

    def serve_ckan(self, packages: list[dict]) -> str:
        """Answer package_search as CKAN does (q, fq on metadata_modified, sort id, start, rows, fl)."""
        self.ckan_packages = packages
        return self.url("/api/3/action/")

    def package_search(self, path: str) -> tuple[int, str, bytes]:
        query = parse_qs(urlsplit(path).query)
        packages = sorted(self.ckan_packages, key=lambda p: p["id"])
        fq = query.get("fq", [""])[0]
        if fq.startswith("metadata_modified:["):
            since = fq.split("[", 1)[1].split(" TO", 1)[0].rstrip("Z")
            packages = [p for p in packages if p["metadata_modified"] >= since]
        start, rows = int(query.get("start", ["0"])[0]), int(query.get("rows", ["10"])[0])
        page = packages[start : start + rows]
        if "fl" in query:
            page = [{name: p[name] for name in query["fl"][0].split(",")} for p in page]
        body = json.dumps({"success": True, "result": {"count": len(packages), "results": page}})
        return 200, "application/json", body.encode()

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
