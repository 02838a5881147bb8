"""DCAT-AP 3.0.1 recommended properties (shapes_recommended.ttl): fewer than one Warning per
dataset on a /catalog page and none on a single record, with no Violation of the mandatory
shapes; the planned availability a publisher chooses reaches the record through the form,
the REST API and a harvest; the places Provcat knows carry a bounding box and a centroid."""

import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SH, SKOS

from catalogue.access import catalogued_datasets
from catalogue.models import Dataset, Distribution
from catalogue.rdf.dcat import LICENCE_TYPE, PLANNED_AVAILABILITY
from catalogue.rdf.namespaces import DCATAP, GSP
from catalogue.rdf.places import PLACES, UNITED_KINGDOM
from tests.catalogue.dcat_data import full_dataset, parse, term
from tests.catalogue.test_api import client_as
from tests.catalogue.test_publish_pages import form_data, new_dataset, term_id

SHAPES = Path(__file__).resolve().parents[2] / "catalogue" / "rdf" / "shapes"
ENGLAND = "http://statistics.data.gov.uk/id/statistical-geography/E92000001"


@pytest.fixture(scope="module")
def shapes() -> tuple[Graph, Graph]:
    gate = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        gate.parse(SHAPES / name)
    return gate, Graph().parse(SHAPES / "shapes_recommended.ttl")


def warnings_and_violations(graph: Graph, shapes) -> tuple[Counter, str]:
    gate, recommended = shapes
    conforms, _, text = validate(graph, shacl_graph=gate, inference="none")
    _, report, _ = validate(graph, shacl_graph=recommended, inference="none")
    warnings = Counter(str(report.value(r, SH.resultPath)) for r in report.subjects(RDF.type, SH.ValidationResult))
    return warnings, ("" if conforms else text)


def record(client, dataset: Dataset) -> Graph:
    return parse(client.get(f"/datasets/{dataset.slug}.ttl"), "turtle")


def availability_of(graph: Graph) -> set[str]:
    return {str(o) for o in graph.objects(None, DCATAP.availability)}


# The demo and a generated catalogue against the shapes --------------------------------


@pytest.mark.django_db
def test_demo_catalogue_page_and_every_record_meet_the_recommended_shapes(client, shapes):
    call_command("load_demo")
    page = parse(client.get("/catalog.ttl?page_size=100"), "turtle")
    datasets = set(page.subjects(RDF.type, DCAT.Dataset))
    warnings, violations = warnings_and_violations(page, shapes)
    assert not violations, violations
    assert len(datasets) >= 40
    assert sum(warnings.values()) < len(datasets), warnings
    # Every distribution says how long it stays, every place of the demo has its extent.
    distributions = set(page.subjects(RDF.type, DCAT.Distribution))
    assert distributions and all(page.value(d, DCATAP.availability) for d in distributions)
    for place in page.subjects(RDF.type, DCTERMS.Location):
        assert page.value(place, DCAT.bbox).datatype == GSP.wktLiteral
        assert page.value(place, DCAT.centroid).datatype == GSP.wktLiteral

    for dataset in catalogued_datasets():
        warnings, violations = warnings_and_violations(record(client, dataset), shapes)
        assert not violations, f"{dataset.slug}: {violations}"
        assert not warnings, f"{dataset.slug}: {dict(warnings)}"


@pytest.mark.django_db
def test_a_generated_page_of_100_has_fewer_warnings_than_datasets(client, shapes):
    from bench.generate import generate

    generate(150, seed=11)
    call_command("rdf_refresh", "--all")  # the generator bulk-inserts, bypassing signals
    page = parse(client.get("/catalog.ttl?page_size=100"), "turtle")
    datasets = set(page.subjects(RDF.type, DCAT.Dataset))
    warnings, violations = warnings_and_violations(page, shapes)
    assert not violations, violations
    assert len(datasets) == 100
    assert sum(warnings.values()) < len(datasets), warnings
    for path in (DCATAP.availability, DCAT.bbox, DCAT.centroid, DCTERMS.type):
        assert warnings[str(path)] == 0, warnings
    # The generator's publishers use every term, the usual one most.
    stated = Counter(Distribution.objects.values_list("availability", flat=True))
    assert set(stated) == set(Distribution.Availability.values)
    assert stated.most_common(1)[0][0] == Distribution.Availability.AVAILABLE


# Places -----------------------------------------------------------------------------------


def _numbers(wkt: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", wkt)]


@pytest.mark.parametrize("uri", sorted(PLACES))
def test_every_known_place_has_a_closed_box_holding_its_centroid_inside_the_uk(uri):
    place = PLACES[uri]
    assert re.fullmatch(r"POLYGON\(\((-?\d+\.\d -?\d+\.\d,){4}-?\d+\.\d -?\d+\.\d\)\)", place.bbox_wkt)
    corners = _numbers(place.bbox_wkt)
    assert corners[:2] == corners[-2:]  # a closed ring
    lon, lat = _numbers(place.centroid_wkt)
    assert place.west < lon < place.east and place.south < lat < place.north
    uk = UNITED_KINGDOM
    assert uk.west <= place.west < place.east <= uk.east and uk.south <= place.south < place.north <= uk.north


@pytest.mark.django_db
def test_a_known_place_gets_its_extent_and_an_unknown_one_is_left_as_given(client, ohs):
    england = full_dataset(ohs, "Admissions in England", spatial_uri=ENGLAND, spatial_label="England")
    elsewhere = full_dataset(ohs, "Admissions in Ruritania", spatial_uri="https://places.example/ruritania")
    graph = record(client, england)
    place = URIRef(ENGLAND)
    assert graph.value(place, DCAT.bbox) == Literal(PLACES[ENGLAND].bbox_wkt, datatype=GSP.wktLiteral)
    assert graph.value(place, DCAT.centroid) == Literal(PLACES[ENGLAND].centroid_wkt, datatype=GSP.wktLiteral)
    assert str(graph.value(place, SKOS.prefLabel)) == "England"
    other = record(client, elsewhere)
    assert (URIRef("https://places.example/ruritania"), RDF.type, DCTERMS.Location) in other
    assert not set(other.objects(None, DCAT.bbox)) and not set(other.objects(None, DCAT.centroid))


@pytest.mark.django_db
def test_the_commission_reuse_licence_is_typed_attribution(client, ohs):
    dataset = full_dataset(ohs, "Reused Commission data", licence=term("licence", "COM_REUSE"))
    graph = record(client, dataset)
    licence = URIRef("http://publications.europa.eu/resource/authority/licence/COM_REUSE")
    assert graph.value(licence, DCTERMS.type) == URIRef(LICENCE_TYPE + "Attribution")


# Availability: form, API, harvest ------------------------------------------------------


def test_availability_terms_are_the_eu_vocabulary():
    assert Distribution.Availability.values == ["TEMPORARY", "EXPERIMENTAL", "AVAILABLE", "STABLE"]
    assert Distribution._meta.get_field("availability").default == "AVAILABLE"
    assert PLANNED_AVAILABILITY == "http://publications.europa.eu/resource/authority/planned-availability"


@pytest.mark.django_db
def test_the_form_explains_availability_defaults_to_available_and_saves_the_choice(client, ohs, bob, client_for):
    client = client_for(bob)
    page = client.get("/publish/datasets/new/").content.decode()
    assert "Planned availability" in page
    assert "Stable (for the long term: choose it only if you commit to keeping it" in page
    assert form_data(page)["distributions-0-availability"] == ["AVAILABLE"]
    response = new_dataset(
        client,
        title="Bed occupancy",
        licence=term_id("licence", "OGL_3_0"),
        distributions__0__access_url="https://data.example.gov/beds",
        distributions__0__availability="STABLE",
    )
    assert response.status_code == 302
    dataset = Dataset.objects.get(title="Bed occupancy")
    assert dataset.distributions.get().availability == "STABLE"

    # The edit page shows the choice and changes it.
    page = client.get(f"/publish/datasets/{dataset.slug}/edit/").content.decode()
    assert form_data(page)["distributions-0-availability"] == ["STABLE"]
    response = client.post(
        f"/publish/datasets/{dataset.slug}/edit/", form_data(page, distributions__0__availability="EXPERIMENTAL")
    )
    assert response.status_code == 302
    assert dataset.distributions.get().availability == "EXPERIMENTAL"


@pytest.mark.django_db
def test_the_form_refuses_an_availability_outside_the_vocabulary(ohs, bob, client_for):
    client = client_for(bob)
    response = new_dataset(
        client,
        title="Bed occupancy",
        distributions__0__access_url="https://data.example.gov/beds",
        distributions__0__availability="FOREVER",
    )
    assert response.status_code == 400
    assert not Dataset.objects.exists()


@pytest.mark.django_db
def test_the_api_sets_and_returns_availability_and_the_record_carries_it(client, ohs, bob):
    dataset = full_dataset(ohs, "Road casualties")
    api = client_as(bob)
    created = api.post(
        "/api/v1/distributions/",
        {"dataset": dataset.slug, "access_url": "https://data.example.gov/roads.json", "availability": "TEMPORARY"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["availability"] == "TEMPORARY"
    default = api.post(
        "/api/v1/distributions/",
        {"dataset": dataset.slug, "access_url": "https://data.example.gov/roads.xml"},
        format="json",
    )
    assert default.status_code == 201 and default.json()["availability"] == "AVAILABLE"
    pk = created.json()["id"]
    changed = api.patch(f"/api/v1/distributions/{pk}/", {"availability": "STABLE"}, format="json")
    assert changed.status_code == 200 and changed.json()["availability"] == "STABLE"
    assert api.get(f"/api/v1/distributions/{pk}/").json()["availability"] == "STABLE"

    graph = record(client, dataset)
    node = URIRef(Distribution.objects.get(pk=pk).uri)
    stable = URIRef(f"{PLANNED_AVAILABILITY}/STABLE")
    assert graph.value(node, DCATAP.availability) == stable
    assert (stable, RDF.type, SKOS.Concept) in graph and str(graph.value(stable, SKOS.prefLabel)) == "Stable"
    assert graph.value(stable, SKOS.inScheme) == URIRef(PLANNED_AVAILABILITY)


@pytest.mark.django_db
def test_the_api_refuses_an_unknown_availability_and_changes_nothing(ohs, bob):
    dataset = full_dataset(ohs, "Road casualties")
    distribution = dataset.distributions.get()
    before = distribution.availability
    api = client_as(bob)
    response = api.patch(f"/api/v1/distributions/{distribution.pk}/", {"availability": "forever"}, format="json")
    assert response.status_code == 400
    assert "availability" in response.json()
    distribution.refresh_from_db()
    assert distribution.availability == before
