"""Ranking of the glossary search and of the suggestion for a column name."""

from catalogue.glossary import queries, services
from catalogue.glossary.models import ConceptLink


def _labels(matches):
    return [m.concept.pref_label for m in matches]


def test_a_column_name_that_is_a_hidden_label_is_suggested_first(alice, ohs_scheme, household):
    services.concept_create(
        alice, ohs_scheme, pref_label="Local authority", hidden_labels=["la_code"], definition="A council area."
    )
    services.concept_create(alice, ohs_scheme, pref_label="Local authority district code", definition="A code.")
    assert _labels(queries.suggest(None, "la_code"))[0] == "Local authority"
    assert _labels(queries.suggest(None, "household_id"))[0] == "Household"


def test_short_words_do_not_match_definitions(alice, ohs_scheme):
    services.concept_create(
        alice, ohs_scheme, pref_label="Seasonally adjusted", definition="Adjusted with X-13ARIMA-SEATS."
    )
    assert queries.suggest(None, "x") == []
    assert _labels(queries.glossary_search(None, "arima")) == ["Seasonally adjusted"]


def test_draft_schemes_are_searched_only_by_their_organisation(alice, bob, dora, dft, ohs_scheme):
    draft = services.scheme_create(dora, organisation=dft, title="Draft transport terms")
    services.concept_create(dora, draft, pref_label="Journey purpose")
    assert _labels(queries.glossary_search(dora, "journey")) == ["Journey purpose"]
    assert queries.glossary_search(bob, "journey") == []
    assert queries.glossary_search(None, "journey") == []


def test_an_exact_match_chain_follows_only_what_the_reader_may_see(alice, dora, dft, household, travel_household):
    draft = services.scheme_create(dora, organisation=dft, title="Draft transport terms")
    draft_household = services.concept_create(dora, draft, pref_label="Household")
    services.link_add(alice, household, ConceptLink.Kind.EXACT_MATCH, travel_household.uri)
    # DfT's draft scheme states its concept is the same as DfT's published one: a second step.
    services.link_add(dora, draft_household, ConceptLink.Kind.EXACT_MATCH, travel_household.uri)
    assert queries.exact_match_closure(dora, household.uri) == {travel_household.uri, draft_household.uri}
    assert queries.exact_match_closure(None, household.uri) == {travel_household.uri}


def test_suggestions_for_a_whole_dictionary_take_the_same_queries_as_for_one_row(
    alice, household, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queries.suggest(alice, "warm_up")  # builds the process's index
    with CaptureQueriesContext(connection) as one:
        queries.suggest_many(alice, [("household_id", "")])
    columns = [("household_id", ""), ("households", "Households"), ("area_code", ""), ("x", "")] * 5
    with django_assert_num_queries(len(one.captured_queries)):
        found = queries.suggest_many(alice, columns)
    assert [matches[0].concept.pref_label for matches in found[:2]] == ["Household", "Household"]
