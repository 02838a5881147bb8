"""The register as RDF: each agreement an odrl:Agreement and prov:Plan described with DPV,
and the datasets' DCAT-AP records naming the agreements on the register that cover them
(still valid under the DCAT-AP 3 shapes)."""

from pathlib import Path
from urllib.parse import urlparse

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, ODRL2, PROV, RDF, XSD

from catalogue.rdf.formats import FORMATS
from catalogue.rdf.namespaces import CSVW
from catalogue.sharing import services

DPV = Namespace("https://w3id.org/dpv#")
GDPR = Namespace("https://w3id.org/dpv/legal/eu/gdpr#")
SHAPES = Path(__file__).resolve().parents[3] / "catalogue" / "rdf" / "shapes"


def graph_of(response, rdflib_format="turtle") -> Graph:
    assert response.status_code == 200, response.content[:300]
    return Graph().parse(data=response.content.decode(), format=rdflib_format)


def org(slug: str) -> URIRef:
    from catalogue.models import Organisation

    return URIRef(Organisation.objects.get(slug=slug).uri)


def test_an_agreement_is_an_odrl_agreement_and_a_prov_plan(client, make_agreement, open_dataset, shared_dataset):
    agreement = make_agreement(
        datasets=[open_dataset, shared_dataset],
        items=[(open_dataset.pk, "severity"), (shared_dataset.pk, "postcode")],
    )
    response = client.get(f"/sharing/{agreement.pk}.ttl")
    assert response["Content-Type"].startswith("text/turtle")
    graph = graph_of(response)
    node = URIRef(agreement.uri)
    assert {ODRL2.Agreement, PROV.Plan} <= set(graph.objects(node, RDF.type))
    assert graph.value(node, DCTERMS.title) == Literal(agreement.name)
    assert str(graph.value(node, DCTERMS.description)) == agreement.purpose
    # Valid ODRL: exactly one assigner and one assignee.
    assert list(graph.objects(node, ODRL2.assigner)) == [org("ohs")]
    assert list(graph.objects(node, ODRL2.assignee)) == [org("dft")]
    assert set(graph.objects(node, DPV.hasDataController)) == {org("ohs"), org("dft")}
    assert list(graph.objects(node, DPV.hasRecipient)) == [org("dft")]
    assert set(graph.objects(node, DPV.hasLegalBasis)) == {
        URIRef("http://www.legislation.gov.uk/id/ukpga/2017/30/section/35"),
        GDPR["A6-1-e"],
        GDPR["A9-2-i"],
    }
    # Every permission lets the recipient use a covered dataset, within the purpose and the dates.
    permissions = list(graph.objects(node, ODRL2.permission))
    assert len(permissions) == 2
    targets = {graph.value(p, ODRL2.target) for p in permissions}
    assert URIRef(open_dataset.uri) in targets
    assert URIRef(shared_dataset.uri) not in targets  # the public may not see the restricted dataset
    for permission in permissions:
        assert graph.value(permission, ODRL2.action) == ODRL2.use
        operands = {graph.value(c, ODRL2.leftOperand) for c in graph.objects(permission, ODRL2.constraint)}
        assert operands == {ODRL2.purpose, ODRL2.dateTime}
    assert list(graph.objects(node, DCTERMS.source)) == [URIRef(open_dataset.uri)]
    period = graph.value(node, DCTERMS.temporal)
    assert graph.value(period, RDF.type) == DCTERMS.PeriodOfTime
    assert graph.value(period, DCAT.startDate) == Literal(agreement.start_date.isoformat(), datatype=XSD.date)
    assert graph.value(period, DCAT.endDate) == Literal(agreement.end_date.isoformat(), datatype=XSD.date)
    items = {str(graph.value(d, CSVW.name)) for d in graph.objects(node, DPV.hasData)}
    assert items == {"severity", "postcode"}
    assert shared_dataset.title not in response.content.decode()
    assert not list(graph.objects(node, DPV.hasDataProcessor))


def test_the_parties_read_the_restricted_dataset_and_the_processors(client_for, make_agreement, shared_dataset, ravi):
    agreement = make_agreement()
    graph = graph_of(client_for(ravi).get(f"/sharing/{agreement.pk}.ttl"))
    node = URIRef(agreement.uri)
    targets = {graph.value(p, ODRL2.target) for p in graph.objects(node, ODRL2.permission)}
    assert targets == {URIRef(shared_dataset.uri)}
    assert len(list(graph.objects(node, DPV.hasDataProcessor))) == 1


def test_every_rdf_format_gives_the_same_graph(client, make_agreement):
    from rdflib.compare import isomorphic

    agreement = make_agreement(end_date=None, legal_gateway="other-statute", legal_citation="Health Act 2099 s.1")
    graphs = {f.suffix: graph_of(client.get(f"/sharing/{agreement.pk}.{f.suffix}"), f.rdflib_format) for f in FORMATS}
    for suffix, graph in graphs.items():
        assert isomorphic(graph, graphs["ttl"]), suffix
    graph, node = graphs["ttl"], URIRef(agreement.uri)
    assert graph.value(graph.value(node, DCTERMS.temporal), DCAT.endDate) is None
    assert any("Health Act 2099 s.1" in str(o) for o in graph.objects(None, None))


def test_the_register_as_rdf_has_exactly_the_register_entries(client, make_agreement, alice):
    listed = make_agreement()
    make_agreement(name="Proposed", approved=False)
    make_agreement(name="Unpublished", published=False)
    ended = make_agreement(name="Ended")
    services.agreement_end(agreement=ended, user=alice, reason="Done.")
    graph = graph_of(client.get("/sharing.ttl"))
    assert set(graph.subjects(RDF.type, ODRL2.Agreement)) == {URIRef(listed.uri), URIRef(ended.uri)}
    filtered = graph_of(client.get("/sharing.ttl?status=ended"))
    assert set(filtered.subjects(RDF.type, ODRL2.Agreement)) == {URIRef(ended.uri)}


@pytest.fixture(scope="module")
def shapes() -> Graph:
    gate = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        gate.parse(SHAPES / name)
    return gate


def test_the_dataset_record_links_the_agreements_on_the_register_and_stays_valid(
    client, make_agreement, open_dataset, alice, shapes
):
    on_open = {"datasets": [open_dataset], "items": [(open_dataset.pk, "severity")]}
    active = make_agreement(**on_open)
    proposed = make_agreement(name="Proposed", approved=False, **on_open)
    unpublished = make_agreement(name="Unpublished", published=False, **on_open)
    services.agreement_end(agreement=active, user=alice, reason="Done.")  # still on the register
    graph = graph_of(client.get(f"/datasets/{open_dataset.slug}.ttl"))
    referenced = set(graph.objects(URIRef(open_dataset.uri), DCTERMS.isReferencedBy))
    assert referenced == {URIRef(active.uri)}
    assert URIRef(proposed.uri) not in referenced and URIRef(unpublished.uri) not in referenced
    conforms, _, text = validate(graph, shacl_graph=shapes, inference="none")
    assert conforms, text
    # And the link leads somewhere: the agreement's URI redirects to its page.
    response = client.get(urlparse(active.uri).path)
    assert response.status_code == 302 and response["Location"] == f"/sharing/{active.pk}/"
