"""A publisher's journey in a real browser: sign in, describe a dataset with two
distributions and five fields while the score rises, save a draft, fix an error shown
beside its field, publish (the record passes DCAT-AP 3 SHACL), see it publicly; someone
with no role cannot edit it."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from pyshacl import validate
from rdflib import Graph

from catalogue.models import Dataset, Membership
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

SHAPES = Path(__file__).resolve().parents[2] / "catalogue" / "rdf" / "shapes"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def pat(ohs):
    user = get_user_model().objects.create_user("pat", "pat@example.gov", PASSWORD)
    Membership.objects.create(user=user, organisation=ohs, role=Membership.Role.EDITOR)
    return user


@pytest.fixture
def nobody(db):
    return get_user_model().objects.create_user("nobody", "nobody@example.gov", PASSWORD)


def live_score(page) -> int:
    return int(page.locator("[data-live=mqa]").inner_text())


def wait_for_score_above(page, previous: int) -> int:
    page.wait_for_function(
        "prev => Number(document.querySelector('[data-live=mqa]').textContent) > prev", arg=previous, timeout=10000
    )
    return live_score(page)


def test_a_publisher_goes_from_nothing_to_a_published_dataset(live_server, page, screenshot, pat, nobody):
    base = live_server.url
    sign_in(page, base, "pat")
    page.goto(base + "/publish/")
    page.click("text=Describe a new dataset")
    page.wait_for_selector("#live-score:not([hidden])")
    scores = [live_score(page)]

    page.fill("#id_title", "Emergency admissions by region")
    page.fill("#id_description", "Monthly counts of emergency hospital admissions in England, by NHS region.")
    scores.append(wait_for_score_above(page, scores[-1] - 1))
    page.fill("#id_keywords", "hospitals, admissions, emergency care")
    scores.append(wait_for_score_above(page, scores[-1]))
    page.check("#id_themes label:has-text('Health')")
    scores.append(wait_for_score_above(page, scores[-1]))
    page.fill("#id_contact_email", "not-an-address")
    page.select_option("#id_licence", label="Open Government Licence v3.0")
    scores.append(wait_for_score_above(page, scores[-1]))
    page.fill("#id_temporal_start", "2020-01-01")
    page.fill("#id_issued", "2021-03-01")
    scores.append(wait_for_score_above(page, scores[-1]))
    screenshot(page, "publisher-01-describing")

    # Two distributions: the blank row, then one added with the button.
    page.fill("#id_distributions-0-title", "Full table (CSV)")
    page.fill("#id_distributions-0-access_url", base + "/demo/admissions")
    page.fill("#id_distributions-0-download_url", base + "/demo/admissions.csv")
    page.select_option("#id_distributions-0-format", label="CSV")
    page.select_option("#id_distributions-0-media_type", label="text/csv")
    scores.append(wait_for_score_above(page, scores[-1]))
    page.click("[data-formset=distributions] [data-add-row]")
    page.fill("#id_distributions-1-title", "Summary (JSON)")
    page.fill("#id_distributions-1-access_url", base + "/demo/admissions.json")
    page.select_option("#id_distributions-1-format", label="JSON")

    # Five fields of the data dictionary.
    columns = [
        ("region", "ONS code of the NHS region"),
        ("month", "First day of the month counted"),
        ("admissions", "Emergency admissions that month"),
        ("rate", "Admissions per 1,000 residents"),
        ("source", "The submitting trust"),
    ]
    # Definitions count in Provcat's own dimension, shown beside the MQA score.
    provcat = int(page.get_attribute("#dataset-form", "data-live-provcat"))
    for i, (name, definition) in enumerate(columns):
        if i:
            page.click("[data-formset=fields] [data-add-row]")
        page.fill(f"#id_fields-{i}-name", name)
        page.fill(f"#id_fields-{i}-definition", definition)
    page.wait_for_function(
        "prev => Number(document.getElementById('dataset-form').dataset.liveProvcat) > prev", arg=provcat
    )
    screenshot(page, "publisher-02-filled")
    assert scores == sorted(scores) and scores[-1] > scores[0] + 150, scores

    # Save the draft: the bad email is refused, beside its field.
    page.click("button[value=save]")
    page.wait_for_load_state()
    error = page.locator("#id_contact_email-wrap .error-message")
    assert error.is_visible() and "email" in error.inner_text().lower()
    screenshot(page, "publisher-03-error-beside-field")
    assert not Dataset.objects.exists()
    page.fill("#id_contact_email", "health.stats@ohs.example.gov")
    page.click("button[value=save]")
    page.wait_for_url(re.compile(r"/publish/datasets/[-a-z0-9]+/edit/$"))
    assert "Draft saved." in page.content()
    dataset = Dataset.objects.get(title="Emergency admissions by region")
    assert (dataset.status, dataset.distributions.count(), dataset.fields.count()) == ("draft", 2, 5)
    screenshot(page, "publisher-04-draft-saved")

    # Publish, and see it on the public page.
    page.click("button[value=publish]")
    page.wait_for_url(re.compile(rf"/datasets/{dataset.slug}/$"))
    dataset.refresh_from_db()
    assert dataset.status == "published"
    # What was typed into the date controls survived both saves.
    assert (str(dataset.temporal_start), str(dataset.issued)) == ("2020-01-01", "2021-03-01")
    screenshot(page, "publisher-05-published")

    # The published record passes the DCAT-AP 3.0.1 SHACL shapes.
    turtle = page.request.get(f"{base}/datasets/{dataset.slug}.ttl")
    assert turtle.ok
    data = Graph().parse(data=turtle.text(), format="turtle")
    shapes = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        shapes.parse(SHAPES / name, format="turtle")
    conforms, _, report = validate(data, shacl_graph=shapes, inference="none")
    assert conforms, report

    # Anyone can see it; someone with no role cannot edit it.
    page.context.clear_cookies()
    page.goto(f"{base}/datasets/{dataset.slug}/")
    assert page.locator("h1").inner_text() == "Emergency admissions by region"
    sign_in(page, base, "nobody")
    page.goto(f"{base}/datasets/{dataset.slug}/")
    assert page.locator("text=Edit this dataset").count() == 0
    response = page.goto(f"{base}/publish/datasets/{dataset.slug}/edit/")
    assert response.status == 403
    screenshot(page, "publisher-06-no-role-cannot-edit")
