"""Text from input becomes an RDF IRI only through lib.iri: a value RDF cannot carry drops
its statement (with a reason where there is a place for one), never the whole export."""

import datetime as dt
import json
import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, PROV, RDFS
from rest_framework.authtoken.models import Token

from catalogue.models import Dataset, Distribution
from lib.iri import is_valid_iri
from provenance.models import Activity, Agent, OpenLineageEvent
from provenance.services import activity_record, agent_record, dataset_alias_add
from tests.writes import actor, add_distribution, derive, edit

HOSTILE = 'https://example.gov/pipe line <x>"{}|\\^`'
HOSTILE_NO_SPACE = 'https://example.gov/pipe<x>"{}|\\^`'


def ids_in(document) -> list[str]:
    """Every @id of a JSON-LD document, however nested."""
    if isinstance(document, dict):
        found = [document["@id"]] if isinstance(document.get("@id"), str) else []
        return found + [i for value in document.values() for i in ids_in(value)]
    if isinstance(document, list):
        return [i for item in document for i in ids_in(item)]
    return []


def assert_exports_parse(client, slug) -> Graph:
    turtle = client.get(f"/datasets/{slug}/provenance.ttl")
    assert turtle.status_code == 200
    graph = Graph().parse(data=turtle.content.decode(), format="turtle")
    jsonld = client.get(f"/datasets/{slug}/provenance.jsonld")
    assert jsonld.status_code == 200
    bad = [i for i in ids_in(json.loads(jsonld.content)) if not i.startswith("_:") and not is_valid_iri(i)]
    assert bad == []
    Graph().parse(data=jsonld.content.decode(), format="json-ld")
    return graph


@pytest.mark.parametrize("producer", [HOSTILE, HOSTILE_NO_SPACE])
def test_event_with_a_hostile_producer_leaves_provenance_exports_readable(
    producer, client, bob, dft, make_dataset, django_capture_on_commit_callbacks
):
    """The ten-second story: the producer holds spaces and <>"{}|\\^`, and the PROV-O of the
    sender's dataset and of a dataset downstream of it in another organisation still parse."""
    source, mine = make_dataset("Hospital episodes"), make_dataset("Hospital admissions")
    dataset_alias_add(dataset=source, namespace="ns", name="in", user=actor())
    dataset_alias_add(dataset=mine, namespace="ns", name="out", user=actor())
    theirs = make_dataset("Ambulance journeys", publisher=dft)
    derive(mine, theirs)
    event = {
        "eventType": "COMPLETE",
        "eventTime": dt.datetime.now(dt.UTC).isoformat(),
        "producer": producer,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "ns", "name": "job", "facets": {"sourceCodeLocation": {"type": "git", "url": producer}}},
        "inputs": [{"namespace": "ns", "name": "in"}],
        "outputs": [{"namespace": "ns", "name": "out"}],
    }
    key = Token.objects.create(user=bob).key
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/lineage", json.dumps(event), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
        )
    assert response.status_code == 201, response.content

    graph = assert_exports_parse(client, mine.slug)
    assert (URIRef(mine.uri), PROV.wasDerivedFrom, URIRef(source.uri)) in graph
    assert assert_exports_parse(client, theirs.slug)
    activity = Activity.objects.get(kind=Activity.Kind.OPENLINEAGE_RUN)
    assert activity.agent is None and activity.code_reference == ""
    problems = " ".join(OpenLineageEvent.objects.get().problems)
    assert "producer" in problems and "source code location" in problems


def test_stored_values_rdf_cannot_carry_are_dropped_from_the_export(client, make_dataset):
    """Rows written before validation existed (or by a path that skipped it) still export."""
    mine, source = make_dataset("Hospital admissions"), make_dataset("Hospital episodes")
    agent = Agent.objects.create(uri=HOSTILE_NO_SPACE, name="legacy", kind=Agent.Kind.SOFTWARE)  # bypasses clean
    activity = Activity.objects.create(name="legacy run", code_reference=HOSTILE_NO_SPACE, agent=agent)
    derive(source, mine, activity=activity)
    graph = assert_exports_parse(client, mine.slug)
    activity_node = URIRef(activity.uri)
    assert (activity_node, PROV.wasAssociatedWith, None) not in graph
    assert (activity_node, RDFS.seeAlso, None) not in graph
    assert (activity_node, RDFS.label, None) in graph


@pytest.mark.parametrize(
    ("service", "data"),
    [
        (agent_record, {"uri": HOSTILE_NO_SPACE, "name": "pipeline"}),
        (agent_record, {"uri": "not a uri", "name": "pipeline"}),
        (activity_record, {"name": "run", "code_reference": HOSTILE_NO_SPACE}),
    ],
)
def test_uris_rdf_cannot_carry_are_refused_when_written(service, data, bob):
    with pytest.raises(ValidationError) as refused:
        service(user=bob, data=data)
    assert any("URI" in message or "URL" in message for message in refused.value.messages)
    assert not Agent.objects.exists() and not Activity.objects.exists()


def test_dataset_urls_rdf_cannot_carry_are_left_out_of_its_dcat_record(client, make_dataset):
    """Rows stored before write-time validation refused <>"{}|\\^` (Django's URL validator lets
    them through): the DCAT mapping drops such a value."""
    dataset = make_dataset("Hospital admissions")
    edit(dataset, data={"spatial_label": "Ward 7", "spatial_uri": "https://data.example.gov/ward/7"})
    distribution = add_distribution(dataset, format_code="CSV", access_url="https://data.example.gov/ok.csv")
    Dataset.objects.filter(pk=dataset.pk).update(  # bypasses validation, as an old row would
        landing_page=HOSTILE_NO_SPACE, conforms_to=HOSTILE_NO_SPACE, spatial_uri=HOSTILE_NO_SPACE
    )
    Distribution.objects.filter(pk=distribution.pk).update(download_url=HOSTILE_NO_SPACE)
    call_command("rdf_refresh", "--all", verbosity=0)
    for suffix, fmt in (("ttl", "turtle"), ("jsonld", "json-ld"), ("rdf", "xml"), ("nt", "nt")):
        response = client.get(f"/datasets/{dataset.slug}.{suffix}")
        assert response.status_code == 200, suffix
        graph = Graph().parse(data=response.content.decode(), format=fmt)
        assert all(is_valid_iri(str(term)) for triple in graph for term in triple if isinstance(term, URIRef))
        assert (None, DCAT.accessURL, URIRef("https://data.example.gov/ok.csv")) in graph
        assert (None, DCAT.downloadURL, None) not in graph
    catalog = client.get("/catalog.ttl")
    assert catalog.status_code == 200
    body = b"".join(catalog.streaming_content) if catalog.streaming else catalog.content
    graph = Graph().parse(data=body.decode(), format="turtle")
    assert (None, DCAT.dataset, URIRef(dataset.uri)) in graph
    assert (None, DCAT.landingPage, URIRef(HOSTILE_NO_SPACE)) not in graph

    # The page's schema.org JSON-LD: no @id RDF cannot carry either.
    html = client.get(f"/datasets/{dataset.slug}/").content.decode()
    blocks = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
    described = next(d for d in blocks if d.get("@type") == "Dataset")
    assert described["@id"] == dataset.uri and described["spatialCoverage"]["name"] == "Ward 7"
    assert all(is_valid_iri(i) for i in ids_in(blocks))
