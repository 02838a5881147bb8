"""An analyst in Chromium: from the site navigation to the glossary, a search for "household",
the OHS concept with DfT's close match and both definitions side by side, and on to a dataset
that measures it, whose data dictionary names the concept. axe-core finds no
violation on the glossary's pages."""

import pytest

from catalogue import services as catalogue_services
from catalogue.actors import system_actor
from catalogue.glossary import services
from catalogue.glossary.models import ConceptLink, ConceptScheme
from catalogue.models import Membership
from tests.browser.conftest import axe_violations

HOUSEHOLD = "One person living alone, or a group of people at the same address who share cooking facilities."
TRAVEL = "All people who live at the same address and travel together at least once a week."


@pytest.fixture
def glossaries(alice, dft, make_dataset, django_user_model):
    dora = django_user_model.objects.create_user("dora", "dora@example.gov", "correct-horse-battery")
    Membership.objects.create(user=dora, organisation=dft, role=Membership.Role.EDITOR)
    published = ConceptScheme.Status.PUBLISHED
    ohs_scheme = services.scheme_create(
        alice, organisation=alice.memberships.get().organisation, title="Population definitions", status=published
    )
    dft_scheme = services.scheme_create(dora, organisation=dft, title="Transport survey definitions", status=published)
    household = services.concept_create(alice, ohs_scheme, pref_label="Household", definition=HOUSEHOLD)
    travel = services.concept_create(dora, dft_scheme, pref_label="Travel household", definition=TRAVEL)
    services.link_add(dora, travel, ConceptLink.Kind.CLOSE_MATCH, household.uri)
    survey = make_dataset("Living costs survey")
    catalogue_services.fields_replace(
        dataset=survey, user=system_actor("tests"), rows=[{"name": "hh_id", "concept_uri": household.uri}]
    )
    return {"household": household, "survey": survey, "scheme": ohs_scheme}


def no_violations(page):
    assert axe_violations(page) == [], page.url


def test_an_analyst_compares_two_departments_definitions_and_finds_the_data(live_server, page, glossaries):
    page.goto(live_server.url + "/")
    page.click("nav[aria-label=Main] >> text=Glossary")
    assert page.locator("h1").inner_text() == "Glossary"
    no_violations(page)

    page.fill("#glossary-q", "household")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state()
    assert "Measured by 1 dataset" in page.locator(".results").first.inner_text()
    no_violations(page)

    page.get_by_role("link", name="Household", exact=True).first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Household"
    matches = page.locator("#matches-heading + .table-scroll table").inner_text()
    assert "Close match" in matches and "Travel household" in matches and "travel together" in matches
    no_violations(page)

    page.click("text=Living costs survey")
    page.wait_for_load_state()
    dictionary_link = page.locator("a.meta", has_text="Household")
    assert dictionary_link.get_attribute("href") == glossaries["household"].get_absolute_url()

    page.goto(live_server.url + glossaries["scheme"].get_absolute_url())
    assert "SKOS (Turtle)" in page.locator("main").inner_text()
    no_violations(page)
