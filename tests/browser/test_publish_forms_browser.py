"""The dataset form's details in Chromium, at desktop (1280 px) and phone (390 px) width:
themes as a fieldset, hints that stay in their column, a field that becomes required saying
so, plain-English errors with the summary focused (with and without JavaScript), the sources
picker, the data dictionary imported before the first save with counts as whole numbers, and
the score bar that keeps the score reachable on a phone. axe-core finds no violation of any
impact, and no page scrolls sideways."""

import re

import pytest
from django.contrib.auth import get_user_model

from catalogue.models import Dataset, Membership
from provenance.models import Derivation
from tests.browser.conftest import DESKTOP, PHONE, axe_violations, sideways_overflow, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"
CSV = b"trust,year,admissions,rate\nRX1,2023,1234,0.5\nRX2,2024,2345,1.25\n"


@pytest.fixture
def pat(ohs):
    user = get_user_model().objects.create_user("pat", "pat@example.gov", PASSWORD)
    Membership.objects.create(user=user, organisation=ohs, role=Membership.Role.EDITOR)
    return user


@pytest.fixture(params=["page", "phone"])
def viewport(request):
    """The same journey at 1280 px and at 390 px."""
    return request.param, request.getfixturevalue(request.param)


def clean(page):
    """Nothing sideways, nothing axe-core objects to."""
    assert sideways_overflow(page) == 0, page.url
    assert axe_violations(page) == [], page.url


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def test_a_publisher_describes_a_dataset_with_the_forms_details(
    live_server, viewport, screenshot, pat, make_dataset, dft
):
    name, page = viewport
    base = live_server.url
    make_dataset("Mid-year population estimates", publisher=dft)
    make_dataset("Population projections", publisher=dft)
    sign_in(page, base, "pat")
    # A member lands on the dashboard and is offered a new dataset.
    assert page.url == base + "/publish/"
    clean(page)
    page.click("text=Describe a new dataset")
    page.wait_for_selector("#live-score:not([hidden])")
    clean(page)
    screenshot(page, f"form-{name}-01-new")

    # Themes: one fieldset whose legend sits above the boxes, no label wrapping the others.
    legend = page.locator("fieldset.checkbox-group > legend")
    assert legend.inner_text().startswith("Themes")
    assert box(page, "fieldset.checkbox-group > legend")["y"] < box(page, "#id_themes input")["y"]
    assert page.locator("#id_themes label label").count() == 0
    assert page.locator("#id_themes label").count() == page.locator("#id_themes input[type=checkbox]").count() > 10

    # The spatial hint wraps inside its own column.
    hint, wrap = box(page, "#id_spatial_uri_helptext"), box(page, "#id_spatial_uri-wrap")
    assert hint["x"] + hint["width"] <= wrap["x"] + wrap["width"] + 1

    # Fields that become required say when.
    assert "(required once you fill in this section)" in page.locator("label[for=id_method-method_type]").inner_text()
    assert "(required to publish)" in page.locator("label[for=id_description]").inner_text()

    # The data dictionary from a CSV, before the first save: counts are whole numbers.
    page.fill("#id_title", "Admissions by trust")
    page.click("#dictionary-import summary")
    page.set_input_files("#id_dictionary-file", files=[{"name": "trusts.csv", "mimeType": "text/csv", "buffer": CSV}])
    page.click("button[value=import-dictionary]")
    page.wait_for_load_state()
    assert "4 columns imported" in page.locator(".messages").inner_text()
    assert not Dataset.objects.filter(title="Admissions by trust").exists()
    assert page.input_value("#id_title") == "Admissions by trust"
    assert [page.input_value(f"#id_fields-{i}-name") for i in range(4)] == ["trust", "year", "admissions", "rate"]
    assert page.locator("#id_fields-2-datatype option:checked").inner_text() == "Whole number"
    assert page.locator("#id_fields-1-datatype option:checked").inner_text() == "Year"
    page.wait_for_selector("#live-score:not([hidden])")
    clean(page)
    screenshot(page, f"form-{name}-02-imported")

    # Sources chosen by searching as you type.
    page.locator("#source-picker-input").press_sequentially("popul", delay=20)
    page.wait_for_selector("#source-picker-options [role=option]")
    options = page.locator("#source-picker-options [role=option] .source-option-title").all_inner_texts()
    assert options == ["Population projections", "Mid-year population estimates"]
    assert page.get_attribute("#source-picker-input", "aria-expanded") == "true"
    clean(page)
    screenshot(page, f"form-{name}-03-picker")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.locator(".source-chip-title").all_inner_texts() == ["Mid-year population estimates"]
    assert page.input_value("#id_derivation-sources") == "mid-year-population-estimates"

    # A wrong web address: the summary at the top is focused and names the field in plain words.
    page.fill("#id_landing_page", "the admissions page")
    page.click("button[name=action][value=save]")
    page.wait_for_load_state()
    summary = page.locator("#error-summary")
    assert "Enter the landing page as a full web address, starting with https://" in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.title().startswith("Error: ")
    clean(page)
    screenshot(page, f"form-{name}-04-error-summary")
    summary.locator("a").first.click()
    assert page.evaluate("document.activeElement.id") == "id_landing_page"
    page.fill("#id_landing_page", "https://www.example.gov/admissions")

    if name == "phone":
        # The score bar stays at the top of the form while it scrolls, and leads to the panel.
        page.mouse.wheel(0, 2500)
        page.wait_for_timeout(200)
        bar = box(page, "[data-score-bar]")
        assert bar is not None and -1 <= bar["y"] <= 1
        assert re.fullmatch(r"\d+", page.locator("[data-live-bar=mqa]").inner_text())
        screenshot(page, f"form-{name}-05-score-bar")
        page.click("[data-score-bar] a")
        assert page.evaluate("document.activeElement.id") == "score-panel"
        assert page.locator("#live-score").is_visible()
    else:
        assert not page.locator("[data-score-bar]").is_visible()

    page.click("button[name=action][value=save]")
    page.wait_for_url(re.compile(r"/publish/datasets/[-a-z0-9]+/edit/(#.*)?$"))
    dataset = Dataset.objects.get(title="Admissions by trust")
    assert list(dataset.fields.order_by("position").values_list("name", "datatype")) == [
        ("trust", "string"),
        ("year", "gYear"),
        ("admissions", "integer"),
        ("rate", "decimal"),
    ]
    assert Derivation.objects.current().get(derived=dataset).source.slug == "mid-year-population-estimates"
    # The saved sources show as titles in the picker.
    page.wait_for_selector(".source-chip-title")
    assert page.locator(".source-chip-title").all_inner_texts() == ["Mid-year population estimates"]
    clean(page)
    screenshot(page, f"form-{name}-06-saved")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_without_javascript_the_error_summary_takes_focus_and_sources_are_searched(
    live_server, browser, screenshot, size, pat, make_dataset, dft
):
    make_dataset("Mid-year population estimates", publisher=dft)
    make_dataset("Population projections", publisher=dft)
    context = browser.new_context(viewport=DESKTOP if size == "desktop" else PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        base = live_server.url
        sign_in(page, base, "pat")
        page.goto(base + "/publish/datasets/new/")
        assert page.locator("#source-picker-input").count() == 0
        page.fill("#id_title", "Admissions by trust")
        page.fill("#id_contact_email", "health team")
        page.fill("#id_derivation-sources", "population")
        page.click("button[name=action][value=save]")
        page.wait_for_load_state()
        assert page.evaluate("document.activeElement.id") == "error-summary"
        text = page.locator("#error-summary").inner_text()
        assert "Enter the contact email as an email address, like name@example.gov" in text
        assert "'population' matches several datasets" in text and "(mid-year-population-estimates)" in text
        assert sideways_overflow(page) == 0
        screenshot(page, f"form-nojs-{size}-error-summary")
        page.fill("#id_contact_email", "health.stats@ohs.example.gov")
        page.fill("#id_derivation-sources", "mid-year-population-estimates")
        page.click("button[name=action][value=save]")
        page.wait_for_url(re.compile(r"/edit/(#.*)?$"))
        dataset = Dataset.objects.get(title="Admissions by trust")
        assert Derivation.objects.current().get(derived=dataset).source.slug == "mid-year-population-estimates"
    finally:
        context.close()
