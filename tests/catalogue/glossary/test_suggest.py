"""The concept suggestion on the publisher's data dictionary: the JSON the form's script asks
for ("household_id" suggests "Household" first), what each user may be suggested, and the
form saving a concept chosen (typed, or picked among the suggestions shown without
JavaScript)."""

import pytest
from django.urls import reverse

from catalogue.glossary import services
from catalogue.models import Dataset, Field
from tests.catalogue.test_publish_pages import form_data
from tests.writes import add_field

pytestmark = pytest.mark.django_db

SUGGEST = "/glossary/suggest.json"


@pytest.fixture
def ohs_glossary(alice, ohs_scheme, household):
    """Household, a concept whose label contains the word, and one whose definition does."""
    services.concept_create(alice, ohs_scheme, pref_label="Household reference person", definition="The person ...")
    services.concept_create(
        alice, ohs_scheme, pref_label="Dwelling", definition="A unit of accommodation a household lives in."
    )
    return ohs_scheme


def test_the_endpoint_ranks_household_first_for_household_id(client_for, anon, ohs_glossary, household):
    assert reverse("glossary:suggest") == SUGGEST
    response = client_for(anon).get(SUGGEST, {"name": "household_id"})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    suggestions = response.json()
    assert [s["label"] for s in suggestions] == ["Household", "Household reference person", "Dwelling"]
    assert suggestions[0] == {
        "uri": household.uri,
        "label": "Household",
        "scheme": "Population and household definitions",
        "organisation": household.scheme.organisation.name,
        "definition": household.definition,
        "why": "label",
    }
    assert [s["why"] for s in suggestions] == ["label", "label", "definition"]
    # The title counts too; camel case and plurals read as words.
    titled = client_for(anon).get(SUGGEST, {"name": "hh", "title": "Households"}).json()
    assert titled[0]["label"] == "Household"
    assert client_for(anon).get(SUGGEST, {"name": "householdId"}).json()[0]["label"] == "Household"


def test_another_departments_match_is_suggested_beside_ours(client_for, bob, household, travel_household):
    suggestions = client_for(bob).get(SUGGEST, {"name": "household"}).json()
    assert {(s["label"], s["scheme"]) for s in suggestions} == {
        ("Household", "Population and household definitions"),
        ("Household", "Transport survey definitions"),
    }


def test_a_draft_schemes_concepts_are_suggested_only_to_its_organisation(client_for, anon, charlie, bob, alice, ohs):
    draft = services.scheme_create(alice, organisation=ohs, title="Draft definitions")
    services.concept_create(alice, draft, pref_label="Claimant")
    assert client_for(anon).get(SUGGEST, {"name": "claimant_id"}).json() == []
    assert client_for(charlie).get(SUGGEST, {"name": "claimant_id"}).json() == []
    assert [s["label"] for s in client_for(bob).get(SUGGEST, {"name": "claimant_id"}).json()] == ["Claimant"]


def test_odd_input_gets_a_list_or_a_clear_refusal(client_for, anon, household):
    client = client_for(anon)
    for params in (
        {},
        {"name": ""},
        {"name": "id"},
        {"name": "<script>"},
        {"name": "x" * 100_000},
        {"title": "é" * 50},
    ):
        response = client.get(SUGGEST, params)
        assert response.status_code == 200 and isinstance(response.json(), list), params
    assert client.get(SUGGEST, {"name": "house\x00hold"}).status_code == 400
    assert client.post(SUGGEST, {"name": "household"}).status_code == 405


def test_the_form_saves_a_concept_typed_in_a_row(client_for, bob, make_dataset, household):
    # Unpublished, so the form saves to the record itself (a published one's edits wait in a draft).
    dataset = make_dataset("Household survey", status=Dataset.Status.DRAFT)
    client = client_for(bob)
    url = reverse("publish:dataset-edit", args=[dataset.slug])
    page = client.get(url).content.decode()
    data = form_data(
        page, fields__0__name="household_id", fields__0__concept_uri=household.uri, fields__0__code_list_uri=""
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    field = Field.objects.get(dataset=dataset, name="household_id")
    assert field.concept_uri == household.uri and field.code_list_uri == ""
    assert f'value="{household.uri}"' in client.get(url).content.decode()


def test_without_javascript_a_suggestion_is_chosen_among_radio_buttons(client_for, bob, make_dataset, household):
    # Unpublished, so the form saves to the record itself (a published one's edits wait in a draft).
    dataset = make_dataset("Household survey", status=Dataset.Status.DRAFT)
    add_field(dataset, name="household_id", title="Household")
    client = client_for(bob)
    url = reverse("publish:dataset-edit", args=[dataset.slug])
    page = client.get(url).content.decode()
    assert f'name="fields-0-suggested_concept" value="{household.uri}"' in page
    assert "Concepts “household_id” may measure" in page
    # Not choosing keeps the field as it was.
    response = client.post(url, form_data(page))
    assert response.status_code == 302
    assert Field.objects.get(dataset=dataset).concept_uri == ""

    page = client.get(url).content.decode()
    response = client.post(url, form_data(page, fields__0__suggested_concept=household.uri))
    assert response.status_code == 302
    assert Field.objects.get(dataset=dataset).concept_uri == household.uri
    # A row with its concept set is offered no more suggestions.
    assert "suggested_concept" not in client.get(url).content.decode()


def test_a_forged_suggestion_is_refused_beside_the_field(client_for, bob, make_dataset, household):
    dataset = make_dataset("Household survey")
    add_field(dataset, name="household_id")
    client = client_for(bob)
    url = reverse("publish:dataset-edit", args=[dataset.slug])
    page = client.get(url).content.decode()
    response = client.post(url, form_data(page, fields__0__suggested_concept="javascript:alert(1)"))
    assert response.status_code == 400
    assert Field.objects.get(dataset=dataset).concept_uri == ""
