"""A scheme's SKOS and CSV exports: they parse, they are valid SKOS, they come back the same
through the imports; and hostile or broken files are refused with a message, storing nothing."""

import json

import pytest
from django.core.exceptions import ValidationError
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

from catalogue.glossary import csv_terms, services, skos
from catalogue.glossary.models import Concept, ConceptLink
from catalogue.glossary.queries import scheme_relations

Kind = ConceptLink.Kind
RDF_FORMATS = ("turtle", "xml", "json-ld")
EXTERNAL = "http://example.org/eurostat/household"
SOURCE_URL = "https://analysisfunction.civilservice.gov.uk/policy-store/definition-of-a-household/"


@pytest.fixture
def glossaries(alice, dora, ohs_scheme, dft_scheme, household, travel_household):
    """OHS: household, its narrower 'household reference person', 'usual resident' related to it,
    an exact match outside the catalogue; DfT states its household is closeMatch OHS's and a
    benefit unit broadMatch it. Returns OHS's scheme."""
    services.scheme_update(alice, ohs_scheme, description="Harmonised definitions.", version="2.1")
    services.concept_update(
        alice,
        household,
        hidden_labels=["housefold"],
        scope_note="Excludes communal establishments.",
        example="Three students sharing a flat and its kitchen.",
        history_note="1981-2001: sharing a meal a day or the living accommodation.",
        source_url=SOURCE_URL,
        notation="HH",
        change_note="Notes added",
    )
    hrp = services.concept_create(
        alice, ohs_scheme, pref_label="Household reference person", definition="The person who answers for it."
    )
    resident = services.concept_create(
        alice, ohs_scheme, pref_label="Usual resident", definition="In the UK 12 months or more.", notation="=UR"
    )
    services.link_add(alice, hrp, Kind.BROADER, household.uri)
    services.link_add(alice, resident, Kind.RELATED, household.uri)
    services.link_add(alice, household, Kind.EXACT_MATCH, EXTERNAL)
    services.link_add(dora, travel_household, Kind.CLOSE_MATCH, household.uri)
    benefit_unit = services.concept_create(dora, dft_scheme, pref_label="Benefit unit", definition="An adult, …")
    services.link_add(dora, benefit_unit, Kind.BROAD_MATCH, household.uri)
    ohs_scheme.refresh_from_db()
    return ohs_scheme


def _meaning(scheme):
    return {
        c.uri: (
            c.pref_label,
            c.alt_labels,
            c.hidden_labels,
            c.definition,
            c.scope_note,
            c.example,
            c.history_note,
            c.source,
            c.source_url,
            c.notation,
        )
        for c in scheme.concepts.all()
    }


def _skos_problems(graph: Graph) -> list[str]:
    """The SKOS integrity checks of reference/glossary.md that a single scheme can break."""
    problems = []
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    schemes = set(graph.subjects(RDF.type, SKOS.ConceptScheme))
    if concepts & schemes:
        problems.append("S9: a node is both a concept and a scheme")
    for concept in concepts:
        pref = list(graph.objects(concept, SKOS.prefLabel))
        if len({p.language for p in pref}) != len(pref):
            problems.append(f"S14: {concept} has two prefLabels in one language")
        kinds = [set(graph.objects(concept, p)) for p in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)]
        if (kinds[0] & kinds[1]) or (kinds[0] & kinds[2]) or (kinds[1] & kinds[2]):
            problems.append(f"S13: {concept} has a label of two kinds")
        if any(not str(label).strip() for label in graph.objects(concept, SKOS.prefLabel)):
            problems.append(f"{concept} has an empty label")
        ancestors = set(graph.transitive_objects(concept, SKOS.broader)) - {concept}
        if set(graph.objects(concept, SKOS.related)) & ancestors:
            problems.append(f"S27: {concept} is related to one of its broader concepts")
        exact = set(graph.objects(concept, SKOS.exactMatch))
        if exact & (set(graph.objects(concept, SKOS.broadMatch)) | set(graph.objects(concept, SKOS.relatedMatch))):
            problems.append(f"S46: {concept} exactMatch and broadMatch/relatedMatch the same concept")
        in_scheme = set(graph.objects(concept, SKOS.inScheme))
        for prop in (SKOS.broader, SKOS.narrower, SKOS.related):
            for target in graph.objects(concept, prop):
                if set(graph.objects(target, SKOS.inScheme)) & in_scheme and target not in concepts:
                    problems.append(f"{prop} of {concept} is not a skos:Concept")
        top = (None, SKOS.hasTopConcept, concept) in graph
        if top and any(set(graph.objects(b, SKOS.inScheme)) & in_scheme for b in graph.objects(concept, SKOS.broader)):
            problems.append(f"{concept} is a top concept with a broader concept")
    return problems


@pytest.mark.parametrize("fmt", RDF_FORMATS)
def test_the_skos_export_parses_and_is_valid_skos(glossaries, household, travel_household, fmt):
    body = skos.scheme_serialise(glossaries, fmt)
    graph = Graph().parse(data=body, format=fmt)
    scheme = URIRef(glossaries.uri)
    node = URIRef(household.uri)
    assert (scheme, RDF.type, SKOS.ConceptScheme) in graph
    assert (scheme, DCTERMS.title, Literal("Population and household definitions", lang="en")) in graph
    assert (scheme, OWL.versionInfo, Literal("2.1")) in graph
    assert (scheme, DCTERMS.publisher, URIRef(glossaries.organisation.uri)) in graph
    assert (node, SKOS.prefLabel, Literal("Household", lang="en")) in graph
    assert (node, SKOS.altLabel, Literal("Private household", lang="en")) in graph
    assert (node, SKOS.hiddenLabel, Literal("housefold", lang="en")) in graph
    assert (node, SKOS.topConceptOf, scheme) in graph
    assert (scheme, SKOS.hasTopConcept, node) in graph
    assert (node, DCTERMS.source, Literal("GSS harmonised standard: household (2020)")) in graph
    assert (node, DCTERMS.source, URIRef(SOURCE_URL)) in graph
    # Relations in both directions: the narrower from the child's broader, DfT's closeMatch inverted.
    hrp = glossaries.concepts.get(pref_label="Household reference person")
    assert (node, SKOS.narrower, URIRef(hrp.uri)) in graph
    assert (URIRef(hrp.uri), SKOS.broader, node) in graph
    assert (scheme, SKOS.hasTopConcept, URIRef(hrp.uri)) not in graph
    assert (node, SKOS.closeMatch, URIRef(travel_household.uri)) in graph
    assert (node, SKOS.exactMatch, URIRef(EXTERNAL)) in graph
    assert len(set(graph.objects(node, SKOS.narrowMatch))) == 1
    assert _skos_problems(graph) == []


@pytest.mark.parametrize("fmt", RDF_FORMATS)
def test_the_skos_export_reimports_to_the_same_concepts_and_matches(alice, ohs, glossaries, fmt):
    body = skos.scheme_serialise(glossaries, fmt).encode()
    meaning, relations = _meaning(glossaries), scheme_relations(glossaries)
    services.scheme_delete(alice, glossaries)

    data = skos.scheme_data_from_rdf(body, filename=f"terms.{ {'turtle': 'ttl', 'xml': 'rdf'}.get(fmt, 'jsonld') }")
    fresh = services.scheme_create(alice, organisation=ohs, title="Imported")
    result = services.scheme_import(alice, fresh, data)

    assert result.created == 3
    fresh.refresh_from_db()
    assert (fresh.title, fresh.description, fresh.version) == (
        "Population and household definitions",
        "Harmonised definitions.",
        "2.1",
    )
    assert _meaning(fresh) == meaning
    assert scheme_relations(fresh) == relations


def test_the_csv_export_reimports_to_the_same_concepts_and_matches(alice, ohs, glossaries):
    body = csv_terms.scheme_csv(glossaries)
    assert body.splitlines()[0] == ",".join(csv_terms.COLUMNS)
    # A notation a spreadsheet would run is quoted in the file.
    assert ",'=UR," in body
    meaning, relations = _meaning(glossaries), scheme_relations(glossaries)
    services.scheme_delete(alice, glossaries)

    fresh = services.scheme_create(alice, organisation=ohs, title="Imported")
    services.scheme_import(alice, fresh, csv_terms.scheme_data_from_csv(("\ufeff" + body).encode()))

    assert _meaning(fresh) == meaning
    assert scheme_relations(fresh) == relations


def test_a_csv_of_terms_without_iris_creates_concepts_under_the_scheme(alice, ohs_scheme, household):
    body = (
        "pref_label,alt_labels,definition,broader\n"
        f"Household member,Member | Occupant,A usual resident of a household.,{household.uri}\n"
        "Dwelling,,A unit of accommodation.,\n"
    ).encode()
    services.scheme_import(alice, ohs_scheme, csv_terms.scheme_data_from_csv(body))

    member = ohs_scheme.concepts.get(pref_label="Household member")
    assert member.uri == f"{ohs_scheme.uri}/household-member"
    assert member.alt_labels == ["Member", "Occupant"]
    assert (Kind.BROADER, household.uri) in scheme_relations(ohs_scheme)[member.uri]
    assert ohs_scheme.concepts.filter(pref_label="Dwelling").exists()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY a "aaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:skos="http://www.w3.org/2004/02/skos/core#">
  <skos:Concept rdf:about="http://example.org/c"><skos:prefLabel>&c;</skos:prefLabel></skos:Concept>
</rdf:RDF>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:skos="http://www.w3.org/2004/02/skos/core#">
  <skos:Concept rdf:about="http://example.org/c"><skos:prefLabel>&x;</skos:prefLabel></skos:Concept>
</rdf:RDF>
"""
REMOTE_CONTEXT = json.dumps(
    {
        "@context": "http://127.0.0.1:9/context.jsonld",
        "@id": "http://example.org/c",
        "@type": "http://www.w3.org/2004/02/skos/core#Concept",
    }
).encode()
DEEP_JSON = b'{"@context": {"skos": "http://www.w3.org/2004/02/skos/core#"}, "a": ' + b"[" * 100 + b"]" * 100 + b"}"
NO_CONCEPTS = b'<http://example.org/s> <http://purl.org/dc/terms/title> "Not a glossary" .\n'
TWO_SCHEMES = b"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://example.org/a> a skos:ConceptScheme . <http://example.org/b> a skos:ConceptScheme .
<http://example.org/c> a skos:Concept ; skos:prefLabel "C"@en ; skos:inScheme <http://example.org/a> .
"""
NO_LABEL = b"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://example.org/c> a skos:Concept ; skos:prefLabel "Menage"@fr .
"""


@pytest.mark.parametrize(
    ("body", "filename", "message"),
    [
        (BILLION_LAUGHS, "terms.rdf", "DTD"),
        (EXTERNAL_ENTITY, "terms.rdf", "DTD"),
        (REMOTE_CONTEXT, "terms.jsonld", "remote @context"),
        (DEEP_JSON, "terms.jsonld", "nested more than"),
        (b"\x89PNG\r\n\x1a\n\x00\x00garbage", "terms.ttl", "not valid Turtle"),
        (b"<html><body>Not found</body></html>", "terms", "web page"),
        (b"", "terms.ttl", "empty"),
        (NO_CONCEPTS, "terms.nt", "no SKOS concepts"),
        (TWO_SCHEMES, "terms.ttl", "2 concept schemes"),
        (NO_LABEL, "terms.ttl", "no skos:prefLabel in English"),
    ],
)
def test_a_hostile_or_broken_skos_file_is_refused_and_stores_nothing(alice, ohs_scheme, body, filename, message):
    before = Concept.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.scheme_import(alice, ohs_scheme, skos.scheme_data_from_rdf(body, filename=filename))
    assert message in " ".join(refused.value.messages)
    assert Concept.objects.count() == before


def test_an_oversized_skos_file_is_refused_before_parsing(settings):
    settings.PROVCAT_GLOSSARY_IMPORT_MAX_BYTES = 2048
    body = b"@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n" + b"# padding\n" * 300
    with pytest.raises(ValidationError, match="at most 2,048"):
        skos.scheme_data_from_rdf(body, filename="terms.ttl")


def test_a_skos_file_with_too_many_statements_is_refused(settings):
    settings.PROVCAT_GLOSSARY_IMPORT_MAX_TRIPLES = 10
    body = "".join(f'<http://example.org/c{i}> <{SKOS.prefLabel}> "C{i}" .\n' for i in range(20)).encode()
    with pytest.raises(ValidationError, match="more than 10 statements"):
        skos.scheme_data_from_rdf(body, filename="terms.nt")


def test_a_file_with_one_bad_concept_stores_none_of_them(alice, ohs_scheme, household):
    body = b"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://example.org/good> a skos:Concept ; skos:prefLabel "Dwelling"@en .
<http://example.org/bad> a skos:Concept ; skos:prefLabel "Household"@en .
"""
    before = Concept.objects.count()
    with pytest.raises(ValidationError, match="already has a concept labelled"):
        services.scheme_import(alice, ohs_scheme, skos.scheme_data_from_rdf(body, filename="terms.ttl"))
    assert Concept.objects.count() == before


def test_only_the_files_scheme_and_english_labels_are_read():
    body = b"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
<http://example.org/s> a skos:ConceptScheme ; dct:title "Terms"@en .
<http://example.org/a> a skos:Concept ; skos:inScheme <http://example.org/s> ;
  skos:prefLabel "Menage"@fr, "Household"@en ; skos:altLabel "Hh" ;
  dct:source "Census Act 1920", <https://www.legislation.gov.uk/ukpga/Geo5/10-11/41> ;
  skos:broader <http://example.org/b> ; skos:exactMatch <http://example.org/other/x> .
<http://example.org/b> skos:inScheme <http://example.org/s> ; skos:prefLabel "Unit" .
<http://example.org/elsewhere> a skos:Concept ; skos:inScheme <http://example.org/t> ; skos:prefLabel "X" .
"""
    data = skos.scheme_data_from_rdf(body, content_type="text/turtle")
    assert data.title == "Terms"
    assert [c.uri for c in data.concepts] == ["http://example.org/a", "http://example.org/b"]
    first = data.concepts[0]
    assert (first.pref_label, first.alt_labels) == ("Household", ["Hh"])
    assert (first.source, first.source_url) == (
        "Census Act 1920",
        "https://www.legislation.gov.uk/ukpga/Geo5/10-11/41",
    )
    assert first.links == [("broader", "http://example.org/b"), ("exactMatch", "http://example.org/other/x")]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"uri,pref_label,colour\nhttp://example.org/a,A,red\n", "Unknown column(s) 'colour'"),
        (b"uri,definition\nhttp://example.org/a,A thing\n", "no pref_label column"),
        (b"pref_label,definition\nA,fine\n,no label here\n", "Row 3 has no pref_label"),
        (b"pref_label\n\xff\xfeA\n", "not UTF-8"),
        (b"pref_label,definition\nA,one,two\n", "Row 2 has more cells"),
        (b"", "empty"),
        (b"pref_label\n", "no concepts"),
    ],
)
def test_a_bad_csv_of_terms_is_refused_with_the_row(alice, ohs_scheme, body, message):
    before = Concept.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.scheme_import(alice, ohs_scheme, csv_terms.scheme_data_from_csv(body))
    assert message in " ".join(refused.value.messages)
    assert Concept.objects.count() == before


def test_a_csv_over_the_row_limit_is_refused(settings):
    settings.PROVCAT_GLOSSARY_IMPORT_MAX_CONCEPTS = 3
    body = ("pref_label\n" + "".join(f"Term {i}\n" for i in range(5))).encode()
    with pytest.raises(ValidationError, match="more than 3 concepts"):
        csv_terms.scheme_data_from_csv(body)
