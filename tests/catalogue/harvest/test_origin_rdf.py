"""A harvested dataset's DCAT-AP record says where it came from: its record names the source
record (dct:source), when it was last harvested, and the dataset its identifier at the
source (adms:identifier); the record still conforms to DCAT-AP 3.0.1, in a flat number of
queries."""

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, SKOS, XSD

from catalogue.harvest import services
from catalogue.rdf.namespaces import ADMS
from catalogue.rdf.record import records_for
from tests.catalogue.harvest.origin_data import harvested, make_source

SHAPES = Path(__file__).resolve().parents[3] / "catalogue" / "rdf" / "shapes"


@pytest.fixture(scope="module")
def gate() -> Graph:
    # The gate tests/catalogue/test_dcat_conformance.py applies: DCAT-AP 3.0.1 shapes + range shapes.
    shapes = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        shapes.parse(SHAPES / name)
    return shapes


@pytest.fixture
def source(ohs):
    return make_source(ohs)


def record_of(client, dataset) -> Graph:
    response = client.get(f"/datasets/{dataset.slug}.ttl")
    assert response.status_code == 200
    return Graph().parse(data=response.content.decode(), format="turtle")


def dataset_node(graph: Graph) -> URIRef:
    return next(graph.subjects(RDF.type, DCAT.Dataset))


def catalog_record(graph: Graph, dataset: URIRef) -> URIRef:
    return next(r for r in graph.subjects(FOAF.primaryTopic, dataset) if (None, DCTERMS.source, r) not in graph)


def test_a_harvested_datasets_record_names_its_source_record_identifier_and_last_harvest(
    client, make_dataset, source, gate
):
    dataset = make_dataset(
        "Road traffic counts",
        uri="https://portal.example.org/dataset/road-traffic",
        modified=dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
    )
    harvested(dataset, source, identifier="https://portal.example.org/dataset/road-traffic")
    dataset.refresh_from_db()
    graph = record_of(client, dataset)
    node = dataset_node(graph)
    assert node == URIRef("https://portal.example.org/dataset/road-traffic")
    record = catalog_record(graph, node)

    source_record = graph.value(record, DCTERMS.source)
    assert (source_record, RDF.type, DCAT.CatalogRecord) in graph
    assert graph.value(source_record, FOAF.primaryTopic) == node
    # Modified at the source when the source said so; written here by the harvest at the record's own time.
    assert graph.value(source_record, DCTERMS.modified) == Literal("2024-03-01T00:00:00+00:00", datatype=XSD.dateTime)
    written = Literal(dataset.updated_at.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)
    assert graph.value(record, PROV.generatedAtTime) == written == graph.value(record, DCTERMS.modified)

    identifier = graph.value(node, ADMS.identifier)
    assert (identifier, RDF.type, ADMS.Identifier) in graph
    assert graph.value(identifier, SKOS.notation) == Literal("https://portal.example.org/dataset/road-traffic")
    assert str(graph.value(identifier, ADMS.schemaAgency)) == "Transport open data"

    conforms, _, report = validate(graph, shacl_graph=gate, inference="none")
    assert conforms, report


def test_the_origin_is_in_the_whole_catalogue_too(client, make_dataset, source):
    dataset = make_dataset("Road traffic counts")
    harvested(dataset, source, identifier="RT-2024-01")
    response = client.get("/catalog.ttl")
    graph = Graph().parse(data=b"".join(response.streaming_content).decode(), format="turtle")
    assert (None, SKOS.notation, Literal("RT-2024-01")) in graph
    assert len(list(graph.subject_objects(DCTERMS.source))) == 1


def test_a_detached_dataset_keeps_its_origin_but_is_no_longer_generated_by_harvests(
    client, make_dataset, source, alice, gate
):
    dataset = make_dataset("Road traffic counts")
    harvested(dataset, source, identifier="RT-2024-01", source_publisher="Roads Agency")
    services.dataset_detach(user=alice, dataset=dataset)
    graph = record_of(client, dataset)
    node = dataset_node(graph)
    record = catalog_record(graph, node)
    assert graph.value(record, DCTERMS.source) is not None
    assert graph.value(record, PROV.generatedAtTime) is None
    assert str(graph.value(graph.value(node, ADMS.identifier), ADMS.schemaAgency)) == "Roads Agency"
    assert validate(graph, shacl_graph=gate, inference="none")[0]


def test_hostile_identifiers_stay_literals_and_the_record_conforms(client, make_dataset, source, gate):
    dataset = make_dataset("Road traffic counts")
    hostile = '<script>alert(1)</script>"onmouseover=alert(1) javascript:alert(1)\x01'
    harvested(dataset, source, identifier=hostile, source_publisher='Agency "> <b>')
    graph = record_of(client, dataset)
    identifier = graph.value(dataset_node(graph), ADMS.identifier)
    assert graph.value(identifier, SKOS.notation) == Literal(hostile.replace("\x01", ""))
    assert validate(graph, shacl_graph=gate, inference="none")[0]


def test_a_dataset_described_here_names_no_source(client, make_dataset):
    graph = record_of(client, make_dataset("Hospital admissions"))
    assert not list(graph.subject_objects(DCTERMS.source))
    assert not list(graph.subject_objects(ADMS.identifier))
    assert not list(graph.subject_objects(PROV.generatedAtTime))


def test_records_take_the_same_queries_harvested_or_not_and_for_1_or_5(make_dataset, source):
    local = [make_dataset(f"Local {n}").pk for n in range(5)]
    brought = [make_dataset(f"Harvested {n}") for n in range(5)]
    for dataset in brought:
        harvested(dataset, source)
    counts = {}
    for name, ids in (
        ("local", local[:1]),
        ("harvested", [brought[0].pk]),
        ("five harvested", [d.pk for d in brought]),
    ):
        with CaptureQueriesContext(connection) as queries:
            records = records_for(ids)
        assert len(records) == len(ids)
        counts[name] = len(queries)
    assert counts["local"] == counts["harvested"] == counts["five harvested"], counts
