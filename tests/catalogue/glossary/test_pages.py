"""The public glossary through its pages: the list of schemes and the search, a scheme's page
and its exports (suffixes and content negotiation), a concept's page (its matches in other
schemes both ways, its versions, the datasets that measure it), drafts kept to their owners,
and the IRIs Provcat mints leading to the pages."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from catalogue import services as catalogue_services
from catalogue.actors import system_actor
from catalogue.glossary import services
from catalogue.glossary.models import ConceptLink, ConceptScheme
from catalogue.models import Dataset

Kind = ConceptLink.Kind


def _measure(dataset, *rows):
    catalogue_services.fields_replace(dataset=dataset, user=system_actor("tests"), rows=list(rows))


@pytest.fixture
def catalogue(alice, dora, ohs, dft, household, travel_household, make_dataset):
    """DfT's household is closeMatch OHS's (stated by DfT); an OHS survey and a DfT travel
    survey measure them; a DfT draft dataset measures OHS's household too."""
    services.link_add(dora, travel_household, Kind.CLOSE_MATCH, household.uri)
    survey = make_dataset("Household survey")
    _measure(survey, {"name": "household_id", "concept_uri": household.uri})
    travel = make_dataset("National travel survey", publisher=dft)
    _measure(travel, {"name": "hh_ref", "concept_uri": travel_household.uri})
    hidden = make_dataset("Unreleased household panel", publisher=dft, status=Dataset.Status.DRAFT)
    _measure(hidden, {"name": "hh", "concept_uri": household.uri})
    return {"survey": survey, "travel": travel, "hidden": hidden}


@pytest.fixture
def draft_scheme(alice, ohs):
    scheme = services.scheme_create(alice, organisation=ohs, title="Census 2031 working definitions")
    services.concept_create(alice, scheme, pref_label="Communal establishment", definition="Managed residential care.")
    return scheme


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_glossary_lists_published_schemes_by_organisation_with_counts(client, catalogue, ohs_scheme, draft_scheme):
    response = client.get("/glossary/")
    assert response.status_code == 200
    text = _text(response)
    assert "Office for Health Statistics Population and household definitions 1 concept" in text
    assert "Department for Transport Transport survey definitions 1 concept" in text
    assert "Census 2031" not in text
    assert 'href="/glossary/"' in response.content.decode()  # in the site navigation


def test_members_see_their_organisations_draft_schemes_and_no_one_else_does(
    client_for, draft_scheme, bob, dora, charlie, anon
):
    assert "Census 2031 working definitions" in _text(client_for(bob).get("/glossary/"))
    for outsider in (dora, charlie, anon):
        client = client_for(outsider)
        assert "Census 2031" not in _text(client.get("/glossary/"))
        assert client.get(f"/glossary/{draft_scheme.slug}/").status_code == 404
        assert client.get(f"/glossary/{draft_scheme.slug}/communal-establishment/").status_code == 404
        for suffix in ("ttl", "csv"):
            assert client.get(f"/glossary/{draft_scheme.slug}.{suffix}").status_code == 404
        assert "Communal" not in _text(client.get("/glossary/?q=communal"))
    assert client_for(bob).get(f"/glossary/{draft_scheme.slug}/communal-establishment/").status_code == 200


def test_the_glossary_search_finds_concepts_with_their_scheme_and_the_datasets_measuring_them(client, catalogue):
    response = client.get("/glossary/?q=households")
    text = _text(response)
    assert response.status_code == 200
    assert "2 concepts for “households”" in text
    # The OHS household is measured by the survey; the DfT draft dataset is not counted for the public.
    assert "Office for Health Statistics · Population and household definitions" in text
    assert "Department for Transport · Transport survey definitions" in text
    assert text.count("Measured by 1 dataset") == 2
    assert "One person living alone" in text


def test_the_glossary_search_takes_any_input(client, catalogue):
    for q in ("", "   ", "x" * 5000, "<script>", "' OR 1=1 --", "%00", "\u200b"):
        assert client.get("/glossary/", {"q": q}).status_code == 200
    # A NUL byte is refused site-wide with a 400 before any view runs.
    assert client.get("/glossary/", {"q": "\u0000"}).status_code == 400
    assert "No concepts found" in _text(client.get("/glossary/", {"q": "zzyzx"}))


def test_the_scheme_page_lists_its_concepts_and_its_exports(client, catalogue, ohs_scheme, alice, household):
    services.scheme_update(alice, ohs_scheme, description="Harmonised across the GSS.", version="2.1")
    child = services.concept_create(alice, ohs_scheme, pref_label="Household reference person", notation="HRP")
    services.link_add(alice, child, Kind.BROADER, household.uri)
    response = client.get(f"/glossary/{ohs_scheme.slug}/")
    text = _text(response)
    assert response.status_code == 200
    assert "Harmonised across the GSS." in text and "Version 2.1" in text
    assert "Household reference person HRP" in text
    assert f'<a href="{household.get_absolute_url()}">Household</a></td>' in response.content.decode()
    for suffix in ("ttl", "rdf", "jsonld", "csv"):
        assert f'href="/glossary/{ohs_scheme.slug}.{suffix}"' in response.content.decode()


@pytest.mark.parametrize(("suffix", "rdflib_format"), [("ttl", "turtle"), ("rdf", "xml"), ("jsonld", "json-ld")])
def test_each_export_parses_and_carries_the_matches_both_ways(
    client, catalogue, ohs_scheme, household, travel_household, suffix, rdflib_format
):
    response = client.get(f"/glossary/{ohs_scheme.slug}.{suffix}")
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format=rdflib_format)
    assert (URIRef(household.uri), RDF.type, SKOS.Concept) in graph
    # Stated by DfT, read from OHS's side.
    assert (URIRef(household.uri), SKOS.closeMatch, URIRef(travel_household.uri)) in graph


def test_the_scheme_page_negotiates_skos(client, catalogue, ohs_scheme, household):
    response = client.get(f"/glossary/{ohs_scheme.slug}/", HTTP_ACCEPT="text/turtle")
    assert response["Content-Type"].startswith("text/turtle")
    assert "Accept" in response["Vary"]
    graph = Graph().parse(data=response.content, format="turtle")
    assert (URIRef(ohs_scheme.uri), SKOS.hasTopConcept, URIRef(household.uri)) in graph
    html = client.get(f"/glossary/{ohs_scheme.slug}/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert html["Content-Type"].startswith("text/html")
    jsonld = client.get(f"/glossary/{ohs_scheme.slug}/", HTTP_ACCEPT="application/ld+json")
    assert jsonld["Content-Type"].startswith("application/ld+json")
    assert client.get(f"/glossary/{ohs_scheme.slug}/", HTTP_ACCEPT="image/png").status_code == 406
    assert client.get(f"/glossary/{ohs_scheme.slug}.exe").status_code == 404


def test_the_csv_download_lists_one_row_per_concept(client, catalogue, ohs_scheme, household, travel_household):
    response = client.get(f"/glossary/{ohs_scheme.slug}.csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("uri,notation,pref_label,alt_labels")
    assert len(lines) == 2 and household.uri in lines[1] and travel_household.uri in lines[1]


def test_a_concept_page_shows_the_definitions_side_by_side_and_who_measures_it(
    client, catalogue, household, travel_household
):
    response = client.get(household.get_absolute_url())
    assert response.status_code == 200
    text = _text(response)
    assert "One person living alone" in text
    assert "Also called Private household" in text
    assert "GSS harmonised standard: household (2020)" in text
    # The match DfT stated, with DfT's scheme, organisation and definition.
    assert (
        "Close match Household Transport survey definitions Department for Transport "
        "All people who live at the same address and travel together" in text
    )
    assert "Household survey Office for Health Statistics household_id" in text
    band = Dataset.objects.get(pk=catalogue["survey"].pk).quality_band or "none"
    assert f"band-{band}" in response.content.decode()
    assert "Unreleased household panel" not in text
    assert "1 field in datasets you can see" in text


def test_the_other_side_sees_the_match_too(client, catalogue, household, travel_household):
    text = _text(client.get(travel_household.get_absolute_url()))
    assert "Close match Household Population and household definitions Office for Health Statistics" in text


def test_members_of_the_publisher_see_its_draft_dataset_on_the_concept_page(client_for, catalogue, household, dora):
    text = _text(client_for(dora).get(household.get_absolute_url()))
    assert "Unreleased household panel" in text
    assert "2 fields in datasets you can see" in text


def test_fields_measuring_an_exact_match_are_listed_and_marked(client, catalogue, dora, dft_scheme, household):
    person = services.concept_create(dora, dft_scheme, pref_label="Household (harmonised)", definition="As GSS.")
    services.link_add(dora, person, Kind.EXACT_MATCH, household.uri)
    _measure(catalogue["travel"], {"name": "hh_ref"}, {"name": "hh_gss", "concept_uri": person.uri})
    text = _text(client.get(household.get_absolute_url()))
    assert "National travel survey Department for Transport hh_gss Measures an exact match: Household (harmonised)" in (
        text
    )
    assert "2 fields in datasets you can see" in text


def test_a_draft_schemes_match_stays_with_its_owners(client_for, catalogue, alice, ohs, household, travel_household):
    draft = services.scheme_create(alice, organisation=ohs, title="Working definitions")
    secret = services.concept_create(alice, draft, pref_label="Proposed household", definition="Under discussion.")
    services.link_add(alice, secret, Kind.NARROW_MATCH, travel_household.uri)
    public = client_for(None)
    assert "Proposed household" not in _text(public.get(travel_household.get_absolute_url()))
    assert secret.uri not in public.get("/glossary/transport-survey-definitions.ttl").content.decode()
    assert "Proposed household" in _text(client_for(alice).get(travel_household.get_absolute_url()))


def test_the_concept_page_keeps_every_version(client, catalogue, alice, household):
    services.concept_update(alice, household, definition="Since 2021: people sharing a kitchen.", change_note="2021")
    text = _text(client.get(household.get_absolute_url()))
    assert "Version 2 (current)" in text and "alice – 2021" in text
    assert "Version 1" in text and "One person living alone" in text


def test_many_fields_are_paged_with_a_count(client, household, make_dataset):
    dataset = make_dataset("Wide household file")
    _measure(dataset, *({"name": f"household_{i}", "concept_uri": household.uri} for i in range(60)))
    first = _text(client.get(household.get_absolute_url()))
    assert "60 fields in datasets you can see" in first and "Page 1 of 2" in first
    second = client.get(household.get_absolute_url(), {"page": "2"})
    assert _text(second).count("Wide household file") == 10
    for junk in ("abc", "-1", "99999", "1" * 400):
        assert client.get(household.get_absolute_url(), {"page": junk}).status_code == 200


def test_the_iris_provcat_mints_lead_to_the_pages(client, household, ohs_scheme):
    concept = client.get(f"/id/glossary/{ohs_scheme.slug}/{household.slug}")
    assert concept.status_code == 303 and concept["Location"] == household.get_absolute_url()
    scheme = client.get(f"/id/glossary/{ohs_scheme.slug}")
    assert scheme.status_code == 303 and scheme["Location"] == ohs_scheme.get_absolute_url()
    assert ohs_scheme.uri.endswith(f"/id/glossary/{ohs_scheme.slug}")
    assert household.uri.endswith(f"/id/glossary/{ohs_scheme.slug}/{household.slug}")
    assert client.get(f"/id/glossary/{ohs_scheme.slug}/nothing").status_code == 404


def test_a_draft_scheme_becomes_public_when_published(client, alice, draft_scheme):
    assert client.get(draft_scheme.get_absolute_url()).status_code == 404
    services.scheme_update(alice, draft_scheme, status=ConceptScheme.Status.PUBLISHED)
    assert client.get(draft_scheme.get_absolute_url()).status_code == 200


def test_the_dataset_page_names_each_fields_concept_from_the_glossary(
    client, client_for, alice, ohs, household, make_dataset
):
    draft = services.scheme_create(alice, organisation=ohs, title="Working definitions")
    proposed = services.concept_create(alice, draft, pref_label="Tenure arrangement")
    dataset = make_dataset("Household survey")
    _measure(
        dataset,
        {"name": "hh", "concept_uri": household.uri},
        {"name": "tenure", "concept_uri": proposed.uri},
        {"name": "region", "concept_uri": "https://example.org/def/region"},
    )
    html = client.get(dataset.get_absolute_url()).content.decode()
    assert f'<a href="{household.get_absolute_url()}" class="meta">Household</a>' in html
    # Outside the glossary, or in a scheme the reader does not see: the plain link to the IRI.
    assert '<a href="https://example.org/def/region" class="meta">concept</a>' in html
    assert "Tenure arrangement" not in html and f'<a href="{proposed.uri}" class="meta">concept</a>' in html
    own = client_for(alice).get(dataset.get_absolute_url()).content.decode()
    assert f'<a href="{proposed.get_absolute_url()}" class="meta">Tenure arrangement</a>' in own


def test_the_dataset_page_reads_the_fields_concepts_in_one_query(client, alice, ohs_scheme, make_dataset):
    dataset = make_dataset("Household survey")
    counts = []
    for n in (1, 6):
        concepts = [services.concept_create(alice, ohs_scheme, pref_label=f"Term {n} {i}") for i in range(n)]
        _measure(dataset, *({"name": f"f{i}", "concept_uri": c.uri} for i, c in enumerate(concepts)))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(dataset.get_absolute_url(), {"fresh": n}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("who", ["anon", "charlie", "dora"])
def test_a_draft_scheme_and_a_missing_one_answer_alike(client_for, request, draft_scheme, who):
    client = client_for(request.getfixturevalue(who))
    missing = "x" * len(draft_scheme.slug)
    for path in ("/glossary/{}/", "/glossary/{}/communal-establishment/", "/glossary/{}.ttl", "/glossary/{}.csv"):
        for accept in ("text/html", "text/turtle"):
            one = client.get(path.format(draft_scheme.slug), HTTP_ACCEPT=accept)
            other = client.get(path.format(missing), HTTP_ACCEPT=accept)
            assert one.status_code == other.status_code == 404
            assert one.content.replace(draft_scheme.slug.encode(), missing.encode()) == other.content
    assert client.get(f"/id/glossary/{draft_scheme.slug}").status_code == 404


def test_a_source_address_becomes_a_link_only_when_it_is_a_web_address(client, alice, household):
    services.concept_update(alice, household, source_url="https://www.legislation.gov.uk/ukpga/2007/18")
    html = client.get(household.get_absolute_url()).content.decode()
    assert '<a href="https://www.legislation.gov.uk/ukpga/2007/18" rel="external">' in html
    services.concept_update(alice, household, source_url="javascript:alert(1)")
    html = client.get(household.get_absolute_url()).content.decode()
    assert 'href="javascript:' not in html and "<code>javascript:alert(1)</code>" in html


def test_a_concepts_iri_answers_skos_to_an_rdf_client(client, catalogue, household, travel_household, ohs_scheme):
    see_other = client.get(f"/id/glossary/{ohs_scheme.slug}/{household.slug}", HTTP_ACCEPT="text/turtle")
    assert see_other.status_code == 303
    response = client.get(see_other["Location"], HTTP_ACCEPT="text/turtle")
    assert response["Content-Type"].startswith("text/turtle") and "Accept" in response["Vary"]
    graph = Graph().parse(data=response.content, format="turtle")
    node = URIRef(household.uri)
    assert (node, SKOS.inScheme, URIRef(ohs_scheme.uri)) in graph
    assert (node, SKOS.closeMatch, URIRef(travel_household.uri)) in graph
    assert (URIRef(ohs_scheme.uri), SKOS.hasTopConcept, node) in graph
    jsonld = client.get(household.get_absolute_url(), HTTP_ACCEPT="application/ld+json")
    assert (node, RDF.type, SKOS.Concept) in Graph().parse(data=jsonld.content, format="json-ld")
    assert client.get(household.get_absolute_url(), HTTP_ACCEPT="image/png").status_code == 406


def _queries(client, path, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, params).status_code == 200
    return len(queries)


def test_the_glossary_pages_take_the_same_queries_however_many_concepts_and_fields(
    client, alice, dora, ohs_scheme, dft_scheme, household, make_dataset
):
    counts = []
    for n in (1, 8):
        for i in range(n):
            other = services.concept_create(dora, dft_scheme, pref_label=f"Household kind {n}-{i}", definition="A.")
            services.link_add(dora, other, Kind.CLOSE_MATCH, household.uri)
            services.concept_create(alice, ohs_scheme, pref_label=f"Household part {n}-{i}")
            _measure(make_dataset(f"Household file {n}-{i}"), {"name": "hh", "concept_uri": household.uri})
        counts.append(
            (
                _queries(client, "/glossary/"),
                _queries(client, "/glossary/", q="household"),
                _queries(client, f"/glossary/{ohs_scheme.slug}/"),
                _queries(client, household.get_absolute_url()),
            )
        )
    assert counts[0] == counts[1]


def test_a_long_scheme_is_paged_a_to_z_with_broader_concepts_either_side_stated(client, alice, ohs_scheme):
    concepts = [services.concept_create(alice, ohs_scheme, pref_label=f"Code {i:03}") for i in range(205)]
    services.link_add(alice, concepts[1], Kind.BROADER, concepts[0].uri)
    services.link_add(alice, concepts[0], Kind.NARROWER, concepts[2].uri)
    first = client.get(ohs_scheme.get_absolute_url())
    text = _text(first)
    assert "205 concepts" in text and "Page 1 of 2" in text
    assert "Code 001 — — Code 000" in text and "Code 002 — — Code 000" in text
    assert "Code 204" not in text
    assert "Code 204" in _text(client.get(ohs_scheme.get_absolute_url(), {"page": "2"}))
