"""The stored records and the /catalog pages are what they were before the fast builder.

Stored fragments are written by ``formats.RecordWriter`` (every format in one pass, terms
formatted once); the per-format writers it replaced stay as the reference: every stored
fragment must equal theirs byte for byte, and parse to a graph isomorphic to the record's
triples (rdflib's own parsers). Pages join stored fragments and drop what an earlier one
already stated: a page must parse to the same graph as the plain concatenation and state
every triple once, in every format.
"""

import json
import random

import pytest
from django.core.management import call_command
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from catalogue.dcat import pages
from catalogue.dcat.records import rebuild_all, rebuild_records
from catalogue.models import Dataset, RdfRecord
from catalogue.rdf.formats import FORMATS, JSONLD, NTRIPLES, StatedOnce, _split_blocks
from catalogue.rdf.record import records_for


def graph_of(triples) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph


def assert_records_equal_the_reference() -> int:
    """Every catalogued dataset's stored fragments against the reference writers."""
    built = records_for(Dataset.objects.values_list("pk", flat=True))
    stored = {r.dataset_pk: r for r in RdfRecord.objects.filter(in_catalogue=True)}
    assert set(stored) == set(built)
    for pk, triples in built.items():
        expected = graph_of(triples)
        for fmt in FORMATS:
            fragment = getattr(stored[pk], fmt.name)
            assert fragment == fmt.fragment(triples), f"dataset {pk}: {fmt.name} differs from the reference writer"
            parsed = Graph().parse(data=fmt.document([fragment]), format=fmt.rdflib_format)
            assert isomorphic(parsed, expected), f"dataset {pk}: {fmt.name} does not parse to its triples"
    return len(built)


def served(client, fmt, query: str) -> str:
    response = client.get(f"/catalog.{fmt.suffix}?{query}")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def assert_each_triple_once(fmt, body: str) -> Graph:
    """The page parses, and its blocks (N-Triples: lines) state no triple twice."""
    graph = Graph().parse(data=body, format=fmt.rdflib_format)
    content = body[len(fmt.prologue) : len(body) - len(fmt.epilogue)]
    blocks = _split_blocks(fmt.name, content)
    assert fmt.separator.join(blocks) == content
    if fmt is NTRIPLES:
        assert len(blocks) == len(set(blocks)) == len(graph)
    else:
        stated = sum(len(Graph().parse(data=fmt.document([b]), format=fmt.rdflib_format)) for b in blocks)
        assert stated == len(graph), f"{fmt.name}: {stated - len(graph)} triple(s) stated twice"
    return graph


def assert_pages_state_each_triple_once(client, page_size: int) -> None:
    page = pages.catalogue_page(pages.PageQuery(page_size=page_size))
    for fmt in FORMATS:
        body = served(client, fmt, f"page_size={page_size}")
        graph = assert_each_triple_once(fmt, body)
        # The same graph as the stored fragments simply put together (each record whole).
        records = Graph().parse(data=fmt.document(pages.stored_fragments(fmt, page.ids)), format=fmt.rdflib_format)
        assert len(records) > 0 and all(triple in graph for triple in records)


@pytest.mark.django_db
def test_demo_records_equal_the_reference_and_pages_state_each_triple_once(client):
    call_command("load_demo")
    rebuild_all()
    assert assert_records_equal_the_reference() >= 40
    assert_pages_state_each_triple_once(client, 100)


@pytest.mark.django_db
def test_generated_records_equal_the_reference_and_pages_state_each_triple_once(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from bench.generate import generate

    generate(300, seed=5)
    assert rebuild_all(batch_size=250) > 200  # batches load 100 datasets at a time
    assert assert_records_equal_the_reference() > 200
    assert_pages_state_each_triple_once(client, 100)
    assert_pages_state_each_triple_once(client, 1000)
    # An N-Triples page of 100 has no repeated line (before: shared nodes once per record).
    body = served(client, NTRIPLES, "page_size=100")
    lines = body.splitlines()
    assert len(lines) == len(set(lines))
    # The dump states each triple once within every chunk of records it reads.
    for fmt in FORMATS:
        response = client.get(f"/catalog/dump.{fmt.suffix}")
        assert_each_triple_once(fmt, b"".join(response.streaming_content).decode())


@pytest.mark.django_db
def test_a_rebuild_that_finds_nothing_changed_writes_nothing(make_dataset):
    dataset = make_dataset("Hospital admissions")
    rebuild_records([dataset.pk])
    before = RdfRecord.objects.get(dataset_pk=dataset.pk)
    assert rebuild_records([dataset.pk]) == 0
    after = RdfRecord.objects.get(dataset_pk=dataset.pk)
    assert (after.modified, after.etag, after.turtle) == (before.modified, before.etag, before.turtle)


@pytest.mark.django_db
def test_a_changed_record_is_rewritten_in_every_format(make_dataset):
    dataset = make_dataset("Hospital admissions")
    rebuild_records([dataset.pk])
    Dataset.objects.filter(pk=dataset.pk).update(title="Hospital admissions, England")
    assert rebuild_records([dataset.pk]) == 1
    record = RdfRecord.objects.get(dataset_pk=dataset.pk)
    triples = records_for([dataset.pk])[dataset.pk]
    for fmt in FORMATS:
        assert getattr(record, fmt.name) == fmt.fragment(triples)
    assert "Hospital admissions, England" in record.turtle
    assert record.title == "Hospital admissions, England"


S = URIRef("https://data.example.gov/id/organisation/ohs")
P = URIRef("https://data.example.gov/id/dataset/1")


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_a_node_stated_again_with_other_triples_keeps_only_the_new_ones(fmt):
    """Two records that say different things about one shared node (a rename between
    their refreshes, or one that adds a triple): the page states the union once."""
    first = [
        (S, RDF.type, FOAF.Agent),
        (S, FOAF.name, Literal('Office, for "Health" Statistics', lang="en")),
        (P, DCTERMS.publisher, S),
    ]
    second = [
        (S, RDF.type, FOAF.Agent),
        (S, RDF.type, FOAF.Organization),
        (S, FOAF.name, Literal('Office, for "Health" Statistics', lang="en")),
        (S, FOAF.name, Literal("OHS\nline two <b>", lang="en")),
        (S, DCTERMS.identifier, Literal("ohs")),
    ]
    once = StatedOnce(fmt)
    body = fmt.document([once(fmt.fragment(first)), once(fmt.fragment(second)), once(fmt.fragment(first))])
    graph = assert_each_triple_once(fmt, body)
    assert isomorphic(graph, graph_of(first + second))


def shared_and_own_fragments(seed: int) -> list[list]:
    """Records that share nodes the way stored records do (publishers, themes, a licence),
    their triples in a mixed order (so N-Triples writes a subject's lines in several runs),
    a shared node now and then first in a record or last, and one renamed between records."""
    rng = random.Random(seed)
    org, theme, other_theme, licence = (
        URIRef(f"https://data.example.gov/id/{name}") for name in ("org", "t1", "t2", "l")
    )
    shared = {
        org: [(org, RDF.type, FOAF.Agent), (org, FOAF.name, Literal("Office for Health Statistics", lang="en"))],
        theme: [(theme, RDF.type, SKOS.Concept), (theme, SKOS.prefLabel, Literal("Health", lang="en"))],
        other_theme: [(other_theme, RDF.type, SKOS.Concept), (other_theme, SKOS.prefLabel, Literal("Economy"))],
        licence: [(licence, RDF.type, DCTERMS.LicenseDocument), (licence, DCTERMS.title, Literal("OGL v3.0"))],
    }
    records = []
    for number in range(12):
        dataset = URIRef(f"https://data.example.gov/id/dataset/{number}")
        own = [
            (dataset, RDF.type, DCAT.Dataset),
            (dataset, DCTERMS.title, Literal(f"Admissions {number}", lang="en")),
            (dataset, DCTERMS.issued, Literal(f"2024-01-{number + 1:02d}", datatype=XSD.date)),
            (URIRef(f"{dataset}#record"), FOAF.primaryTopic, dataset),
        ]
        nodes = rng.sample(list(shared), rng.randint(1, len(shared)))
        triples = list(own)
        for node in nodes:
            triples.insert(rng.randint(0, len(triples)), (dataset, DCTERMS.relation, node))
            for triple in shared[node]:
                triples.insert(rng.randint(0, len(triples)), triple)
        if number == 6:  # renamed, and a second type: only the new statements are stated
            triples += [(org, FOAF.name, Literal("OHS", lang="en")), (org, RDF.type, FOAF.Organization)]
        records.append(triples)
    return records


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_records_sharing_nodes_state_each_triple_once_in_any_order(fmt, seed):
    records = shared_and_own_fragments(seed)
    fragments = [fmt.fragment(triples) for triples in records]
    once = StatedOnce(fmt)
    body = fmt.document([once(fragment) for fragment in fragments])
    graph = assert_each_triple_once(fmt, body)
    assert isomorphic(graph, graph_of(triple for triples in records for triple in triples))
    # A page streams the pieces: the same bytes.
    pieces = StatedOnce(fmt)
    assert fmt.document(piece for fragment in fragments for piece in pieces.pieces(fragment)) == body
    # Every fragment again: nothing new to state.
    assert all(once(fragment) == "" for fragment in fragments)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_subjects_that_differ_after_an_escaped_character_are_told_apart(fmt):
    """Formats write an IRI's '"' and '\\' escaped: two nodes whose IRIs differ only after
    one are two subjects, and what one states is no reason to drop what the other does."""
    first, second = URIRef('https://data.example.gov/id/a"b\\c'), URIRef('https://data.example.gov/id/a"b\\d')
    records = [
        [(first, FOAF.name, Literal("X"))],
        [(second, FOAF.name, Literal("X"))],
        [(first, RDF.type, FOAF.Agent), (second, FOAF.name, Literal("X")), (second, RDF.type, FOAF.Agent)],
    ]
    once = StatedOnce(fmt)
    body = fmt.document([once(fmt.fragment(triples)) for triples in records])
    if fmt is JSONLD:  # rdflib's JSON-LD parser does not take these IRIs; read the JSON itself
        nodes = json.loads(body)["@graph"]
        stated = [
            (node["@id"], key, json.dumps(value))
            for node in nodes
            for key, values in node.items()
            if key != "@id"
            for value in values
        ]
        assert len(stated) == len(set(stated)) == 4
    else:
        graph = assert_each_triple_once(fmt, body)
        assert len(graph) == 4
