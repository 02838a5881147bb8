"""Harvest bench: a generated remote catalogue served on 127.0.0.1, harvested by one process.

    createdb -h 127.0.0.1 -U postgres provcat_hbench                 # once
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/provcat_hbench
    export CELERY_BROKER_URL=redis://127.0.0.1:6379/9               # nudges queue; no worker drains them here
    .venv/bin/python bench/harvest_bench.py [--datasets 10000] [--page-size 100] [--kind dcat|ckan|both]

Migrates, then for each kind:
- serves a generated source from a separate process (DCAT-AP 3 Turtle, Hydra-paged, or a CKAN
  action API answering package_search), every page built before timing starts;
- runs `manage.py harvest` in a child process (one job, as one worker runs it): the first
  harvest; a re-harvest where nothing changed (DCAT pages identical to last time are skipped
  unread); for DCAT, a re-harvest where every page's bytes are new but no dataset changed (every
  page parsed and every record hashed: the per-record path); and a re-harvest where 1% of the
  datasets changed, one on every page; and prints datasets per second in the job, and the
  child's peak resident memory, for each.
Each run of the bench harvests into a new organisation with new dataset IRIs, so runs never
collide; the derived work the harvest records (search entries, stored records, scores) is
left in the outbox, as it would be for the workers.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import time
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

THEMES = ["TRAN", "HEAL", "ECON", "ENVI", "EDUC", "SOCI", "GOVE", "REGI"]
FORMATS = [("CSV", "text/csv"), ("JSON", "application/json")]
KEYWORDS = ["roads", "traffic", "health", "hospitals", "schools", "housing", "population", "benefits", "crime", "air"]


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dataset_ttl(base: str, n: int, revision: int) -> str:
    """One DCAT-AP 3 dataset as a departmental portal publishes it: two distributions, a
    five-column CSVW data dictionary, a derivation for one in ten."""
    iri = f"<{base}/dataset/{n}>"
    schema = f"<{base}/dataset/{n}#schema>"
    theme = THEMES[n % len(THEMES)]
    keywords = ", ".join(f"{_lit(KEYWORDS[(n + i) % len(KEYWORDS)])}@en" for i in range(3))
    title = f"Statistical series {n}" + (f" (revision {revision})" if revision else "")
    description = f"Monthly counts for series {n}, by local authority. Collected from administrative records."
    dists = [f"<{base}/dataset/{n}/dist/{i}>" for i in range(2)]
    lines = [
        f"{iri} a dcat:Dataset ;",
        f"  dct:title {_lit(title)}@en ;",
        f"  dct:description {_lit(description)}@en ;",
        f"  dct:identifier {_lit(f'series-{n}')} ;",
        f"  dcat:keyword {keywords} ;",
        f"  dcat:theme <http://publications.europa.eu/resource/authority/data-theme/{theme}> ;",
        "  dct:license <http://publications.europa.eu/resource/authority/licence/OGL_3_0> ;",
        "  dct:accessRights <http://publications.europa.eu/resource/authority/access-right/PUBLIC> ;",
        "  dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/MONTHLY> ;",
        f"  dct:publisher <{base}/org/{n % 20}> ;",
        f'  dcat:contactPoint [ a vcard:Kind ; vcard:fn "Statistics team {n % 20}" ;'
        f" vcard:hasEmail <mailto:stats{n % 20}@example.gov> ] ;",
        '  dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2015-01-01"^^xsd:date ;'
        ' dcat:endDate "2024-12-31"^^xsd:date ] ;',
        "  dct:spatial <http://publications.europa.eu/resource/authority/country/GBR> ;",
        f'  dct:issued "2020-0{1 + n % 9}-15"^^xsd:date ;',
        f'  dct:modified "2024-0{1 + n % 9}-15T10:00:00"^^xsd:dateTime ;',
        f"  dcat:landingPage <{base}/pages/{n}> ;",
    ]
    if n % 10 == 0 and n > 10:
        lines.append(f"  prov:wasDerivedFrom <{base}/dataset/{n - 7}> ;")
    lines.append(f"  dcat:distribution {', '.join(dists)} .")
    for node, (fmt, mime) in zip(dists, FORMATS, strict=False):
        lines += [
            f"{node} a dcat:Distribution ;",
            f"  dct:title {_lit(f'Series {n} ({fmt})')}@en ;",
            f"  dcat:accessURL <https://files.example.gov/{n}/> ;",
            f"  dcat:downloadURL <https://files.example.gov/{n}/data.{fmt.lower()}> ;",
            f"  dct:format <http://publications.europa.eu/resource/authority/file-type/{fmt}> ;",
            f"  dcat:mediaType <https://www.iana.org/assignments/media-types/{mime}> ;",
            f'  dcat:byteSize "{1000 + n}"^^xsd:nonNegativeInteger ;',
            f"  dct:conformsTo {schema} .",
        ]
    columns = [
        ("area_code", "string"),
        ("month", "date"),
        ("count", "integer"),
        ("rate", "decimal"),
        ("note", "string"),
    ]
    column_nodes = [f"<{base}/dataset/{n}#column-{c}>" for c in range(1, len(columns) + 1)]
    lines.append(f"{schema} a csvw:Schema ; csvw:column {', '.join(column_nodes)} .")
    for node, (name, datatype) in zip(column_nodes, columns, strict=True):
        lines.append(
            f'{node} a csvw:Column ; csvw:name "{name}" ; csvw:title "{name.replace("_", " ").title()}"@en ;'
            f" csvw:datatype xsd:{datatype} ; dct:description {_lit(f'The {name} of the row.')}@en ."
        )
    return "\n".join(lines) + "\n"


PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix csvw: <http://www.w3.org/ns/csvw#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def dcat_pages(
    base: str, port: int, total: int, page_size: int, changed: set[int], revision: int, stamp: str = ""
) -> dict[str, bytes]:
    """The source's pages; ``stamp`` (a comment) makes every page's bytes new while its datasets stay the same."""
    pages = {}
    count = (total + page_size - 1) // page_size
    for p in range(count):
        path = "/catalog.ttl" if p == 0 else f"/catalog.ttl?page={p + 1}"
        view = f"http://127.0.0.1:{port}{path}"
        body = [
            PREFIXES,
            f"# {stamp}\n" if stamp else "",
            f"<{base}/catalog> a dcat:Catalog, hydra:Collection ; hydra:totalItems {total} ; hydra:view <{view}> .",
        ]
        body.append(f"<{view}> a hydra:PartialCollectionView")
        if p + 1 < count:
            body.append(f" ; hydra:next <http://127.0.0.1:{port}/catalog.ttl?page={p + 2}>")
        body.append(" .\n")
        for org in range(20):
            body.append(f'<{base}/org/{org}> a foaf:Agent, foaf:Organization ; foaf:name "Department {org}" .\n')
        for n in range(p * page_size + 1, min(total, (p + 1) * page_size) + 1):
            body.append(f"<{base}/catalog> dcat:dataset <{base}/dataset/{n}> .\n")
            body.append(dataset_ttl(base, n, revision if n in changed else 0))
        pages[path] = "".join(body).encode()
    return pages


def ckan_package(base: str, n: int, revision: int) -> dict:
    return {
        "id": f"{uuid.UUID(int=n)}",
        "name": f"series-{n}",
        "title": f"Statistical series {n}" + (f" (revision {revision})" if revision else ""),
        "notes": f"Monthly counts for series {n}, by local authority.",
        "state": "active",
        "private": False,
        "type": "dataset",
        "license_id": "uk-ogl",
        "license_title": "Open Government Licence",
        "maintainer": f"Statistics team {n % 20}",
        "maintainer_email": f"stats{n % 20}@example.gov",
        "version": "1.0",
        "url": f"{base}/pages/{n}",
        "metadata_created": "2020-01-15T10:00:00.000000",
        "metadata_modified": "2024-01-15T10:00:00.000000",
        "organization": {"id": f"org-{n % 20}", "name": f"dept-{n % 20}", "title": f"Department {n % 20}"},
        "tags": [
            {"name": KEYWORDS[(n + i) % len(KEYWORDS)], "display_name": KEYWORDS[(n + i) % len(KEYWORDS)]}
            for i in range(3)
        ],
        "groups": [{"name": "transport", "title": "Transport"}],
        "extras": [
            {"key": "frequency", "value": "http://publications.europa.eu/resource/authority/frequency/MONTHLY"},
            {"key": "temporal_start", "value": "2015-01-01"},
            {"key": "temporal_end", "value": "2024-12-31"},
        ],
        "resources": [
            {
                "id": f"{uuid.UUID(int=n * 10 + i)}",
                "name": f"Series {n} ({fmt})",
                "url": f"https://files.example.gov/{n}/data.{fmt.lower()}",
                "format": fmt,
                "mimetype": mime,
                "size": 1000 + n,
            }
            for i, (fmt, mime) in enumerate(FORMATS)
        ],
    }


class Source(BaseHTTPRequestHandler):
    pages: dict[str, bytes] = {}
    ckan: list[dict] = []

    def do_GET(self):
        parts = urlsplit(self.path)
        if parts.path.endswith("/package_search"):
            query = parse_qs(parts.query)
            start, rows = int(query.get("start", ["0"])[0]), int(query.get("rows", ["10"])[0])
            packages = self.ckan
            if "fl" in query:
                result = [{"id": p["id"]} for p in packages[start : start + rows]]
            else:
                result = packages[start : start + rows]
            body = json.dumps({"success": True, "result": {"count": len(packages), "results": result}}).encode()
            content_type = "application/json"
        else:
            body = self.pages.get(self.path)
            content_type = "text/turtle"
            if body is None:
                self.send_error(404)
                return
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(port_queue, command_queue, args):
    """The source, in its own process; it rebuilds its pages when told which datasets changed."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Source)
    port = server.server_address[1]
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"https://bench-{args['run']}.example.gov"
    while True:
        message = command_queue.get()
        if message is None:
            break
        changed, revision = set(message["changed"]), message["revision"]
        Source.pages = dcat_pages(
            base, port, args["datasets"], args["page_size"], changed, revision, message.get("stamp", "")
        )
        Source.ckan = [ckan_package(base, n, revision if n in changed else 0) for n in range(1, args["datasets"] + 1)]
        port_queue.put(port)
    server.shutdown()


def harvest(url: str, organisation: str, kind: str) -> tuple[dict, float, float]:
    """One `manage.py harvest` in a child process: its report, seconds, and peak RSS in MB
    (the kernel's high-water mark of the child, read until it exits)."""
    command = [sys.executable, "manage.py", "harvest", url, "--organisation", organisation]
    command += ["--kind", kind, "--allow-loopback", "--quiet", "--full"]
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_kb = 0
    while child.poll() is None:
        try:
            status = Path(f"/proc/{child.pid}/status").read_text()
            peak_kb = max(peak_kb, int(status.split("VmHWM:")[1].split()[0]))
        except (OSError, IndexError, ValueError):
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    out, err = child.communicate()
    if child.returncode != 0:
        raise SystemExit(err + out)
    return json.loads(out), seconds, peak_kb / 1024


def parser_figures(datasets: int = 1000, page_size: int = 100) -> None:
    """Datasets per second of rdflib's Turtle parser alone, of pyoxigraph's alone, and of the
    harvest's DCAT reader (pyoxigraph parse + the DCAT mapping into records), on the same pages."""
    import pyoxigraph
    from rdflib import Graph

    from catalogue.harvest.dcat_reader import read_dcat_page

    pages = dcat_pages("https://parse.example.gov", 1, datasets, page_size, set(), 0)
    for label, read in (
        ("rdflib Graph.parse (Turtle) alone", lambda body, url: Graph().parse(data=body, format="turtle")),
        (
            "pyoxigraph parse (Turtle) alone",
            lambda body, url: sum(1 for _ in pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.TURTLE)),
        ),
        (
            "DCAT reader: pyoxigraph + mapping to records",
            lambda body, url: read_dcat_page(body, url=url, content_type="text/turtle"),
        ),
    ):
        started = time.perf_counter()
        for path, body in pages.items():
            read(body, f"http://127.0.0.1:1{path}")
        seconds = time.perf_counter() - started
        print(f"parse {label:46} {datasets / seconds:8.0f} datasets/s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--kind", choices=["dcat", "ckan", "both", "none"], default="both")
    options = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from catalogue.models import Organisation

    run_id = uuid.uuid4().hex[:8]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, Python {platform.python_version()}"
    )
    parser_figures()
    kinds = {"both": ["dcat", "ckan"], "none": []}.get(options.kind, [options.kind])
    for kind in kinds:
        slug = f"harvest-bench-{kind}-{run_id}"
        Organisation.objects.create(name=f"Harvest bench {kind} {run_id}", slug=slug)
        ports, commands = multiprocessing.Queue(), multiprocessing.Queue()
        server = multiprocessing.Process(
            target=serve,
            args=(
                ports,
                commands,
                {"run": f"{kind}-{run_id}", "datasets": options.datasets, "page_size": options.page_size},
            ),
        )
        server.start()
        try:
            changed_one_percent = set(range(1, options.datasets + 1, 100))
            for label, changed, revision, stamp in (
                ("first harvest", set(), 0, ""),
                ("re-harvest, nothing changed", set(), 0, ""),
                ("re-harvest, same data, new page bytes", set(), 0, "served again"),
                ("re-harvest, 1% changed", changed_one_percent, 1, ""),
            ):
                if kind == "ckan" and stamp:
                    continue  # CKAN pages are always read (no page fingerprints)
                commands.put({"changed": sorted(changed), "revision": revision, "stamp": stamp})
                port = ports.get()
                url = (
                    f"http://127.0.0.1:{port}/catalog.ttl"
                    if kind == "dcat"
                    else f"http://127.0.0.1:{port}/api/3/action/"
                )
                report, seconds, peak = harvest(url, slug, kind)
                counts = report["counts"]
                job = (
                    datetime.fromisoformat(report["finished"]) - datetime.fromisoformat(report["started"])
                ).total_seconds()
                print(
                    f"{kind:4} {label:38} {options.datasets / job:7.0f} datasets/s in the job ({job:6.1f} s; "
                    f"{seconds:6.1f} s with process start-up)  peak RSS {peak:5.0f} MB  {counts}  "
                    f"{report['progress']['bytes_read'] / 1e6:.1f} MB read"
                )
        finally:
            commands.put(None)
            server.join(10)


if __name__ == "__main__":
    main()
