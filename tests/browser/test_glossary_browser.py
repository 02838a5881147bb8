"""An analyst checks two demo datasets' compatibility in a real browser: from the household
projections' page, "Compare with…" opens the check with that dataset filled in; they add the
homelessness tables, and see la_code joinable and the two departments' definitions of a
household side by side. axe-core finds no violation on the page."""

import pytest
from django.core.management import call_command

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(live_server):
    call_command("load_demo")


def test_an_analyst_compares_two_demo_datasets(live_server, page, screenshot, demo):
    base = live_server.url
    page.goto(f"{base}/datasets/household-projections/")
    page.click("text=Compare with…")
    page.wait_for_load_state()
    field = page.get_by_label("Datasets to compare")
    assert field.input_value() == "household-projections, "
    field.fill("household-projections, homelessness-tables")
    page.click("form button:has-text('Compare')")
    page.wait_for_load_state()
    assert page.url == f"{base}/compare/?datasets=household-projections%2C+homelessness-tables"
    assert page.locator("[data-count=joinable]").inner_text() == "1"
    assert page.locator("[data-count=conflicting]").inner_text() == "1"

    joinable = page.locator("table[data-verdict=joinable] tbody tr")
    assert joinable.count() == 1
    assert "la_code" in joinable.first.inner_text() and "exact match" in joinable.first.inner_text()
    conflict = page.locator("table[data-verdict=conflicting] tbody tr").first
    ours, theirs = conflict.locator("td").nth(0).inner_text(), conflict.locator("td").nth(1).inner_text()
    assert "households" in ours and "share cooking facilities" in ours and "Office for National Statistics" in ours
    assert "normally lives with them as a member of their family" in theirs
    assert "Ministry of Housing, Communities and Local Government" in theirs
    assert axe_violations(page) == []
    screenshot(page, "glossary-01-compare")

    # A bad request is a page that says what is wrong, with the form to try again.
    page.goto(f"{base}/compare/?datasets=household-projections,no-such-dataset")
    assert "There is no dataset “no-such-dataset” that you may see." in page.locator("[role=alert]").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "glossary-02-compare-error")
