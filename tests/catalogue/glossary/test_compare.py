"""The compatibility check between datasets, through its page /compare/?datasets=a,b: joinable
fields (the same concept, or an exactMatch chain), close ones (closeMatch, broader/narrower),
conflicting definitions side by side, lookalikes with nothing to tell by, units and code lists
that differ, and the periods and places the datasets share. Errors are 400 pages."""

import datetime as dt
import re

import pytest

from catalogue import services as catalogue_services
from catalogue.actors import system_actor
from catalogue.glossary import services
from catalogue.glossary.compare import compare
from catalogue.glossary.models import ConceptLink, ConceptScheme
from catalogue.models import Dataset

Kind = ConceptLink.Kind
ENGLAND = ("http://statistics.data.gov.uk/id/statistical-geography/E92000001", "England")
UK = ("http://publications.europa.eu/resource/authority/country/GBR", "United Kingdom")


def dictionary(dataset, rows):
    catalogue_services.fields_replace(dataset=dataset, user=system_actor("tests"), rows=rows)


@pytest.fixture
def glossary(alice, dora, ohs_scheme, dft_scheme, household, travel_household):
    """Two departments' definitions: the same 'Local authority' (exactMatch, and on to a third
    scheme's), a 'Benefit unit' narrower than OHS's household, an 'Older household' close to
    it, and an ILO 'Unemployed' only related to DfT's 'Claimant'."""
    ohs_la = services.concept_create(alice, ohs_scheme, pref_label="Local authority district", definition="A LAD.")
    dft_la = services.concept_create(dora, dft_scheme, pref_label="Local authority", definition="A highway authority.")
    services.link_add(dora, dft_la, Kind.EXACT_MATCH, ohs_la.uri)
    codes = services.scheme_create(
        alice, organisation=ohs_scheme.organisation, title="LAD codes 2023", status=ConceptScheme.Status.PUBLISHED
    )
    code_la = services.concept_create(alice, codes, pref_label="Local authority district (code)")
    services.link_add(alice, code_la, Kind.EXACT_MATCH, dft_la.uri)
    benefit_unit = services.concept_create(
        dora, dft_scheme, pref_label="Benefit unit", definition="One adult, their partner and dependent children."
    )
    services.link_add(dora, benefit_unit, Kind.BROAD_MATCH, household.uri)
    older = services.concept_create(
        dora, dft_scheme, pref_label="Older household", definition="Sharing at least one meal a day."
    )
    services.link_add(dora, older, Kind.CLOSE_MATCH, household.uri)
    unemployed = services.concept_create(alice, ohs_scheme, pref_label="Unemployed", definition="ILO: without a job.")
    claimant = services.concept_create(dora, dft_scheme, pref_label="Claimant", definition="Claiming benefits.")
    services.link_add(dora, claimant, Kind.RELATED_MATCH, unemployed.uri)
    return {
        "ohs_la": ohs_la,
        "dft_la": dft_la,
        "code_la": code_la,
        "codes": codes,
        "benefit_unit": benefit_unit,
        "older": older,
        "unemployed": unemployed,
        "claimant": claimant,
    }


@pytest.fixture
def pair(make_dataset, dft, glossary, household, travel_household, ohs_scheme):
    survey = make_dataset(
        "Household survey",
        temporal_start=dt.date(2015, 1, 1),
        temporal_end=dt.date(2024, 12, 31),
        spatial_uri=ENGLAND[0],
        spatial_label=ENGLAND[1],
    )
    dictionary(
        survey,
        [
            {"name": "la_code", "concept_uri": glossary["ohs_la"].uri, "code_list_uri": glossary["codes"].uri},
            {"name": "households", "concept_uri": household.uri, "unit": "households"},
            {"name": "unemployed", "concept_uri": glossary["unemployed"].uri, "unit": "people"},
            {"name": "families", "concept_uri": household.uri, "unit": "Households "},
            {"name": "tenure", "title": "Tenure"},
            {"name": "weight"},
        ],
    )
    travel = make_dataset(
        "Travel survey",
        publisher=dft,
        temporal_start=dt.date(2020, 6, 1),
        temporal_end=None,
        spatial_uri=UK[0],
        spatial_label=UK[1],
    )
    dictionary(
        travel,
        [
            {"name": "LA_CODE", "concept_uri": glossary["dft_la"].uri, "code_list_uri": ohs_scheme.uri},
            {"name": "households", "concept_uri": travel_household.uri, "unit": "households"},
            {"name": "unemployed", "concept_uri": glossary["claimant"].uri, "unit": "people"},
            {"name": "benefit_units", "concept_uri": glossary["benefit_unit"].uri, "unit": "benefit units"},
            {"name": "old_households", "concept_uri": glossary["older"].uri, "unit": "households"},
            {"name": "tenure", "concept_uri": household.uri},
            {"name": "trips"},
        ],
    )
    return survey, travel


def names(pairs):
    return sorted((p.left.name, p.right.name) for p in pairs)


def test_the_check_sorts_fields_into_joinable_close_conflicting_and_unlinked(pair, anon):
    survey, travel = pair
    result = compare(anon, [survey.slug, travel.slug]).pairs[0]

    # la_code: OHS's LAD, DfT's "Local authority" exactMatch it. households/tenure/families:
    # the same OHS household concept.
    assert names(result.joinable) == [("families", "tenure"), ("households", "tenure"), ("la_code", "LA_CODE")]
    la = next(p for p in result.joinable if p.left.name == "la_code")
    assert la.why == "Their concepts are the same (exact match)."
    # Benefit units are narrower (OHS's household is the wider one: aggregate to it); the
    # older household is a close match.
    assert names(result.close) == [
        ("families", "benefit_units"),
        ("families", "old_households"),
        ("households", "benefit_units"),
        ("households", "old_households"),
    ]
    narrower = next(p for p in result.close if p.left.name == "households" and p.right.name == "benefit_units")
    assert narrower.wider == "left"
    assert "aggregate" in narrower.why and "Household" in narrower.why
    # Two departments' "Household" (the same label; for households also the same column name)
    # and ILO unemployed against claimants (only relatedMatch, same column name) conflict.
    assert names(result.conflicting) == [
        ("families", "households"),
        ("households", "households"),
        ("unemployed", "unemployed"),
    ]
    conflict = next(p for p in result.conflicting if p.left.name == "households")
    assert conflict.left.concept.definition.startswith("One person living alone")
    assert conflict.right.concept.definition.startswith("All people who live at the same address")
    assert (conflict.left.concept.organisation, conflict.right.concept.organisation) == (
        "Office for Health Statistics",
        "Department for Transport",
    )
    related = next(p for p in result.conflicting if p.left.name == "unemployed")
    assert related.why.startswith("Related, but not the same")
    # tenure: same name, linked on one side only; weight/trips: nothing alike.
    assert names(result.unlinked) == [("tenure", "tenure")]


def test_units_compare_trimmed_and_case_insensitive_and_code_lists_by_scheme(pair, anon):
    survey, travel = pair
    result = compare(anon, [survey.slug, travel.slug]).pairs[0]
    assert names(result.units_differ) == [
        ("families", "benefit_units"),
        ("families", "tenure"),
        ("households", "benefit_units"),
        ("households", "tenure"),
    ]
    # "Households " and "households" are the same unit.
    assert ("families", "old_households") not in names(result.units_differ)
    la = next(p for p in result.joinable if p.left.name == "la_code")
    assert la.code_list.verdict == "differ"
    assert la.code_list.left_title == "LAD codes 2023"
    assert names(result.code_lists_differ) == [("la_code", "LA_CODE")]


def test_code_lists_whose_codes_are_exact_matches_are_compatible(pair, anon, alice, glossary, ohs_scheme):
    survey, travel = pair
    # LAD codes 2023 states an exactMatch to DfT's scheme concept: link DfT's code list instead.
    dictionary(
        travel,
        [{"name": "LA_CODE", "concept_uri": glossary["dft_la"].uri, "code_list_uri": glossary["dft_la"].scheme.uri}],
    )
    la = compare(anon, [survey.slug, travel.slug]).pairs[0].joinable[0]
    assert la.code_list.verdict == "compatible"


def test_exact_match_chains_are_followed_both_ways_and_close_match_never_chains(pair, alice, glossary, household, anon):
    survey, travel = pair
    # The code list's LAD exactMatches DfT's, which exactMatches OHS's: a field measuring the
    # code list's concept joins a field measuring OHS's, two steps away, stated by two schemes.
    dictionary(travel, [{"name": "district", "concept_uri": glossary["code_la"].uri}])
    dictionary(survey, [{"name": "area", "concept_uri": glossary["ohs_la"].uri}])
    assert names(compare(anon, [survey.slug, travel.slug]).pairs[0].joinable) == [("area", "district")]
    # closeMatch is not transitive: older ~ household ~ (close) a third concept gives nothing.
    third = services.concept_create(alice, glossary["codes"], pref_label="Dwelling household")
    services.link_add(alice, third, Kind.CLOSE_MATCH, glossary["older"].uri)
    dictionary(travel, [{"name": "x", "concept_uri": third.uri}])
    dictionary(survey, [{"name": "y", "concept_uri": household.uri}])
    assert compare(anon, [survey.slug, travel.slug]).pairs[0].close == []


def test_periods_and_places_overlap_with_open_ends_and_missing_coverage(pair, make_dataset, anon):
    survey, travel = pair
    comparison = compare(anon, [survey.slug, travel.slug])
    assert comparison.temporal.shared
    assert (comparison.temporal.start, comparison.temporal.end) == (dt.date(2020, 6, 1), dt.date(2024, 12, 31))
    assert comparison.spatial.text.startswith("Different areas: “England” and “United Kingdom”")
    later = make_dataset("Later survey", temporal_start=dt.date(2025, 1, 1), spatial_uri=ENGLAND[0])
    assert compare(anon, [survey.slug, later.slug]).temporal.text == "None: the periods covered do not overlap."
    assert compare(anon, [travel.slug, later.slug]).temporal.text == "From 2025-01-01 onwards (no end stated)"
    assert compare(anon, [survey.slug, later.slug]).spatial.text == "The same area: England."
    bare = make_dataset("Bare")
    assert compare(anon, [survey.slug, bare.slug]).temporal.text == "Cannot tell: “Bare” states no period covered."
    assert compare(anon, [survey.slug, bare.slug]).spatial.text == "Cannot tell: “Bare” states no area covered."


def test_the_page_shows_joinable_and_conflicting_definitions_side_by_side(client, pair):
    survey, travel = pair
    response = client.get(f"/compare/?datasets={survey.slug},{travel.slug}")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'data-count="joinable">\s*3<', html)
    assert re.search(r'data-count="conflicting">\s*3<', html)
    conflicting = html[html.index('data-verdict="conflicting"') :]
    conflicting = conflicting[: conflicting.index("</table>")]
    assert "One person living alone" in conflicting and "travel together at least once a week" in conflicting
    assert "Population and household definitions, Office for Health Statistics" in conflicting
    assert "Transport survey definitions, Department for Transport" in conflicting
    assert f'href="{survey.get_absolute_url()}"' in html and f'href="{travel.get_absolute_url()}"' in html
    assert "From 2020-06-01 to 2024-12-31" in html
    # The form GETs the same page, with the datasets asked filled in.
    assert 'action="/compare/"' in html and f'value="{survey.slug}, {travel.slug}"' in html


def test_the_dataset_page_links_to_the_check_with_the_dataset_filled_in(client, pair):
    survey, _ = pair
    html = client.get(survey.get_absolute_url()).content.decode()
    assert f'href="/compare/?with={survey.slug}"' in html
    response = client.get(f"/compare/?with={survey.slug}")
    assert response.status_code == 200
    assert f'value="{survey.slug}, "' in response.content.decode()


@pytest.mark.parametrize(
    "asked, message",
    [
        ("only-one", "Name at least 2 datasets"),
        ("a,b,c,d,e,f", "Compare at most 5 datasets"),
        ("household-survey,household-survey", "“household-survey” is named twice"),
        ("household-survey,no-such-dataset", "There is no dataset “no-such-dataset” that you may see."),
        (" , ,household-survey,", "Name at least 2 datasets"),
    ],
)
def test_bad_requests_are_400_pages_that_say_why(client, pair, asked, message):
    response = client.get(f"/compare/?datasets={asked}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_dataset_the_user_may_not_see_is_refused_as_if_it_did_not_exist(
    client_for, pair, make_dataset, charlie, vera
):
    survey, _ = pair
    hidden = make_dataset("Patient episodes", access_rights=Dataset.AccessRights.RESTRICTED)
    for user in (None, charlie):
        response = client_for(user).get(f"/compare/?datasets={survey.slug},{hidden.slug}")
        assert response.status_code == 400
        assert f"There is no dataset “{hidden.slug}” that you may see." in response.content.decode()
        assert "Patient episodes" not in response.content.decode()
    # vera, a member of OHS, sees it.
    assert client_for(vera).get(f"/compare/?datasets={survey.slug},{hidden.slug}").status_code == 200


def test_draft_schemes_concepts_count_only_for_their_members(pair, alice, ohs_scheme, anon, vera):
    survey, travel = pair
    services.scheme_update(alice, ohs_scheme, status=ConceptScheme.Status.DRAFT)
    result = compare(anon, [survey.slug, travel.slug]).pairs[0]
    conflict = [p for p in result.conflicting if p.left.name == "households"]
    assert conflict and conflict[0].left.concept is None  # the IRI shows, not the draft definition
    member = compare(vera, [survey.slug, travel.slug]).pairs[0]
    assert next(p for p in member.conflicting if p.left.name == "households").left.concept.pref_label == "Household"


def test_the_check_costs_the_same_queries_however_many_fields(pair, anon, django_assert_max_num_queries):
    survey, travel = pair
    with django_assert_max_num_queries(12) as few:
        compare(anon, [survey.slug, travel.slug])
    dictionary(survey, [{"name": f"c{n}", "concept_uri": f"https://example.org/c/{n}"} for n in range(60)])
    dictionary(travel, [{"name": f"c{n}", "concept_uri": f"https://example.org/c/{n}"} for n in range(60)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        result = compare(anon, [survey.slug, travel.slug])
    assert len(result.pairs[0].joinable) == 60
