"""DCAT-AP 3.0.1 conformance of what the catalogue serves over HTTP.

The demo catalogue and a generated catalogue of 500 datasets are fetched from a live
server as Turtle, RDF/XML, JSON-LD and N-Triples; every format must parse back to the
same graph, and every record must conform to the official shapes (shapes.ttl +
range.ttl, pyshacl, no inference) with no Violation. The Warnings of
shapes_recommended.ttl are counted and printed, not failed on.
"""

from collections import Counter
from pathlib import Path

import pytest
import requests
from django.core.management import call_command
from pyshacl import validate
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, RDF, SH

from catalogue.rdf.formats import FORMATS
from catalogue.rdf.namespaces import HYDRA

SHAPES = Path(__file__).resolve().parents[2] / "catalogue" / "rdf" / "shapes"


@pytest.fixture(scope="module")
def shapes() -> tuple[Graph, Graph]:
    gate = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        gate.parse(SHAPES / name)
    return gate, Graph().parse(SHAPES / "shapes_recommended.ttl")


def fetch_catalogue(base: str) -> dict[str, Graph]:
    """The first page of 1,000 in every format, without its Hydra links (they name the
    page's own URL, which differs by suffix)."""
    graphs = {}
    for fmt in FORMATS:
        response = requests.get(f"{base}/catalog.{fmt.suffix}?page_size=1000", timeout=120)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith(fmt.media_type)
        graph = Graph().parse(data=response.text, format=fmt.rdflib_format)
        views = set(graph.subjects(RDF.type, HYDRA.PartialCollectionView))
        for triple in list(graph):
            if triple[0] in views or str(triple[1]).startswith(str(HYDRA)) or triple[2] == HYDRA.Collection:
                graph.remove(triple)
        graphs[fmt.suffix] = graph
    return graphs


def check_conformance(base: str, shapes, label: str) -> int:
    graphs = fetch_catalogue(base)
    for suffix, graph in graphs.items():
        assert isomorphic(graph, graphs["ttl"]), f"{label}: .{suffix} differs from .ttl"
    catalogue = graphs["ttl"]
    datasets = sorted(catalogue.subjects(RDF.type, DCAT.Dataset))
    gate, recommended = shapes

    # The catalogue node with its links, on its own (the datasets are validated below).
    ok, _, text = validate(catalogue, shacl_graph=gate, inference="none")
    assert ok, f"{label}: {text}"

    warnings = Counter()
    session = requests.Session()
    slugs = session.get(f"{base}/api/3/action/package_list", timeout=60).json()["result"]
    assert len(slugs) == len(datasets)
    for slug in slugs:
        record = Graph().parse(data=session.get(f"{base}/datasets/{slug}.ttl", timeout=60).text, format="turtle")
        ok, _, text = validate(record, shacl_graph=gate, inference="none")
        assert ok, f"{label}: {slug} violates DCAT-AP 3.0.1:\n{text}"
        _, report, _ = validate(record, shacl_graph=recommended, inference="none")
        for result in report.subjects(RDF.type, SH.ValidationResult):
            warnings[str(report.value(result, SH.resultPath))] += 1
    print(
        f"\n{label}: {len(datasets)} datasets conform to DCAT-AP 3.0.1 (shapes + range); "
        f"{sum(warnings.values())} recommended-property warnings: {dict(warnings)}"
    )
    return len(datasets)


@pytest.mark.django_db(transaction=True)
def test_demo_catalogue_conforms_to_dcat_ap_3(live_server, shapes):
    call_command("load_demo")
    assert check_conformance(live_server.url, shapes, "demo catalogue") >= 40


@pytest.mark.django_db(transaction=True)
def test_generated_catalogue_of_500_datasets_conforms_to_dcat_ap_3(live_server, shapes, settings):
    # This harvester reads 500 records in well under a minute, over the /catalog limit (whose
    # own tests are in tests/test_rate_limits.py); a site would give such a harvester its own rate.
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "catalog": None, "ckan": None}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    from bench.generate import generate

    generate(500, seed=11)
    call_command("rdf_refresh", "--all")  # the generator bulk-inserts, bypassing signals
    assert check_conformance(live_server.url, shapes, "generated catalogue") >= 300
