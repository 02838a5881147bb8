"""The one IRI validator: what RDF can carry passes, what would break a serialiser does not."""

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from lib.iri import iri_or_none, iri_problem, is_valid_iri


@pytest.mark.parametrize(
    "text",
    [
        "https://example.gov/pipelines",
        "https://example.gov/a/b?q=1&r=%20x#frag",
        "http://[::1]:8080/x",
        "urn:uuid:0b6a3c2e-9d1e-4c3b-8a51-2b7c1d3e4f50",
        "mailto:data@example.gov",
        "https://ex.gov/straße/ünïcödé",
        "git+https://github.com/org/repo@abc123",
    ],
)
def test_absolute_iris_pass_and_serialise(text):
    assert is_valid_iri(text) and iri_or_none(text) == text
    graph = Graph()
    graph.add((URIRef(text), RDFS.label, Literal("x")))
    assert Graph().parse(data=graph.serialize(format="turtle"), format="turtle")


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        42,
        "example.gov/no-scheme",
        "/relative/path",
        "1http://starts-with-digit",
        "https://example.gov/with space",
        "https://example.gov/<script>",
        'https://example.gov/"quoted"',
        "https://example.gov/{braces}",
        "https://example.gov/pipe|",
        "https://example.gov/back\\slash",
        "https://example.gov/caret^",
        "https://example.gov/back`tick",
        "https://example.gov/tab\there",
        "https://example.gov/newline\nhere",
        "https://example.gov/nul\x00",
        "https://example.gov/c1\x85",
        "https://example.gov/bad%zz",
        "https://example.gov/" + "a" * 3000,
    ],
)
def test_text_that_would_break_an_rdf_serialiser_is_refused_with_a_reason(text):
    assert not is_valid_iri(text) and iri_or_none(text) is None
    assert iri_problem(text)
