"""An analyst judges a demo dataset in Chromium, at 1280 px and at 390 px: the band links to what
it means, each quality indicator says what it checks and whether it was earned, a link that did
not answer is named as such, sizes are the files' real sizes, and on a phone the description and
the download button come before the long "At a glance" box, with no sideways scrolling."""

import re

import pytest
from django.core.management import call_command

from catalogue.models import Dataset
from tests.browser.conftest import axe_violations, sideways_overflow

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(live_server, settings):
    # The demo's links point at the server under test; load_demo checks them in-process.
    settings.PROVCAT_BASE_URI = live_server.url
    settings.PROVCAT_LINK_CHECKS = True
    call_command("load_demo", stdout=open("/dev/null", "w"))
    return live_server.url


def _top(page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def test_dataset_page_explains_its_quality_at_desktop_width(demo, page, screenshot):
    page.goto(f"{demo}/datasets/road-casualties/")
    band = Dataset.objects.get(slug="road-casualties").quality_band
    # The moved file is named as a link that did not answer, not as one waiting for a check.
    status = page.locator(".distribution .link-status")
    assert "Did not answer (404 Not Found)" in status.first.inner_text()
    assert page.locator(".quality-pending").count() == 0
    access = page.locator(".indicator", has_text="Access URL answers").first
    assert "0 of 50" in access.inner_text() and "Did not answer" in access.inner_text()
    assert "How to earn it:" in access.inner_text()
    # The demo serves its links itself, so there is no separate access page to offer.
    assert page.get_by_role("link", name=re.compile("^Access page")).count() == 0
    assert axe_violations(page) == []
    screenshot(page, "quality-01-dataset-desktop")

    page.get_by_role("link", name=f"What “{band.capitalize()}” means").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/about/quality/#band-{band}")
    assert page.get_by_role("heading", level=1).inner_text() == "How metadata quality is scored"
    assert page.locator(f"#band-{band}").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "quality-02-about-desktop")


def test_sizes_shown_are_the_real_sizes_of_the_files(demo, page):
    page.goto(f"{demo}/datasets/road-traffic-counts/")
    csv = page.locator(".distribution", has_text="CSV").first
    size_text = csv.locator(".size").inner_text()
    response = page.request.get(f"{demo}/demo/files/road-traffic-counts.csv")
    real = len(response.body())
    assert real < 1024 and size_text == f"{real}\xa0bytes"
    assert "Answers" in csv.locator(".link-status").inner_text()


def test_dataset_page_at_phone_width_puts_description_and_download_first(demo, phone, screenshot):
    phone.goto(f"{demo}/datasets/road-traffic-counts/")
    glance = _top(phone, "#glance-heading")
    assert _top(phone, ".description") < glance
    assert _top(phone, ".distribution-actions a.button") < glance
    assert sideways_overflow(phone) == 0
    # Wide tables scroll inside a labelled region the keyboard can reach.
    region = phone.get_by_role("region", name="Data dictionary table")
    assert region.count() == 1 and region.get_attribute("tabindex") == "0"
    assert axe_violations(phone) == []
    screenshot(phone, "quality-03-dataset-phone")


def test_quality_page_at_phone_width(demo, phone, screenshot):
    phone.goto(f"{demo}/about/quality/")
    assert sideways_overflow(phone) == 0
    assert phone.get_by_role("heading", name="Links: checked, not checked yet, did not answer").is_visible()
    assert phone.locator("#indicator-access_url_reachable").is_visible()
    assert axe_violations(phone) == []
    screenshot(phone, "quality-04-about-phone")
