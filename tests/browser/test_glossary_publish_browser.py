"""The glossary in a publisher's hands, in a real browser: typing a data dictionary field's
name suggests the concept it measures, a click fills the row's concept, and after saving the
dataset's page links the field to it; an editor links two departments' concepts from the
owners' pages with no script needed. axe-core finds no violation on these pages."""

import pytest

from catalogue.glossary import services
from catalogue.glossary.models import ConceptLink, ConceptScheme
from catalogue.models import Dataset, Field
from tests.browser.conftest import axe_violations
from tests.browser.test_publisher import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def household(live_server, alice, ohs):
    scheme = services.scheme_create(
        alice, organisation=ohs, title="Population and household definitions", status=ConceptScheme.Status.PUBLISHED
    )
    services.concept_create(alice, scheme, pref_label="Dwelling", definition="Where a household lives.")
    return services.concept_create(
        alice,
        scheme,
        pref_label="Household",
        definition="People at the same address who share cooking facilities and a living room.",
    )


def test_typing_a_field_name_suggests_the_concept_and_saving_links_it(live_server, page, screenshot, bob, household):
    base = live_server.url
    sign_in(page, base, "bob")
    page.goto(base + "/publish/datasets/new/")
    page.fill("#id_title", "Household survey")
    page.locator("#id_fields-0-name").press_sequentially("household_id", delay=20)

    first = (
        page.locator("#id_fields-0-name").locator("xpath=ancestor::fieldset[@data-row]").locator("[data-concept-uri]")
    )
    first.first.wait_for(timeout=10000)
    assert first.first.get_attribute("data-concept-uri") == household.uri
    assert first.first.inner_text().startswith("Household")
    assert axe_violations(page) == []
    screenshot(page, "glossary-1-suggestion")

    first.first.click()
    assert page.input_value("#id_fields-0-concept_uri") == household.uri
    assert "Linked to “Household”" in page.locator("[data-chosen]").inner_text()
    page.click("button[value=save]")
    page.wait_for_load_state()

    dataset = Dataset.objects.get(title="Household survey")
    assert Field.objects.get(dataset=dataset, name="household_id").concept_uri == household.uri
    page.goto(base + dataset.get_absolute_url())
    # The field row names the concept and links to its glossary page.
    concept_link = page.locator(f'#main a[href="{household.get_absolute_url()}"]')
    assert concept_link.count() == 1 and concept_link.inner_text() == "Household"
    screenshot(page, "glossary-2-dataset-page")


def test_an_editor_links_two_departments_concepts_without_a_script(
    live_server, browser, page, screenshot, bob, dft, household
):
    from django.contrib.auth import get_user_model

    from catalogue.models import Membership

    dora = get_user_model().objects.create_user("dora", "dora@example.gov", "correct-horse-battery")
    Membership.objects.create(user=dora, organisation=dft, role=Membership.Role.EDITOR)
    dft_scheme = services.scheme_create(
        dora, organisation=dft, title="Transport survey definitions", status=ConceptScheme.Status.PUBLISHED
    )
    travel = services.concept_create(dora, dft_scheme, pref_label="Travel household", definition="Travel together.")
    base = live_server.url

    context = browser.new_context(java_script_enabled=False)
    no_script = context.new_page()
    try:
        sign_in(no_script, base, "bob")
        no_script.goto(base + "/publish/glossary/")
        no_script.click("text=Population and household definitions")
        no_script.get_by_role("link", name="Household", exact=True).click()
        no_script.fill("#id_q", "travel household")
        no_script.click("text=Find concepts")
        no_script.check(f'input[name=target][value="{travel.uri}"]')
        no_script.select_option("#id_kind", "closeMatch")
        no_script.click("text=Add the link")
        assert "Linked" in no_script.locator(".messages").inner_text()
    finally:
        context.close()
    assert ConceptLink.objects.filter(concept=household, kind="closeMatch", target_uri=travel.uri).exists()

    # axe-core needs the page's scripts on to run.
    sign_in(page, base, "bob")
    concept = f"/publish/glossary/schemes/{household.scheme.slug}/concepts/{household.slug}/"
    for path in ("/publish/glossary/", f"/publish/glossary/schemes/{household.scheme.slug}/", concept + "?q=household"):
        page.goto(base + path)
        assert axe_violations(page) == [], path
    screenshot(page, "glossary-3-concept-links")
