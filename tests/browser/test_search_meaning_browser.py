"""Search that finds what people mean, in Chromium at 1280 and 390 px (issue 15, points 1 and 5):
a misspelling offers "did you mean" and its link runs that search; an empty result explains
itself; "Skip to results" is the first stop in the page's content; on a phone the facets fold
behind "Filter" above the results; the synonyms page works at both widths. axe-core finds no
violation of any impact on each page, and nothing scrolls sideways on a phone."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.browser.conftest import axe_violations, sideways_overflow
from tests.browser.conftest import sign_in as sign_in_with

pytestmark = pytest.mark.browser

PASSWORD = "provcat-demo"  # the demo's users


def sign_in(page, base, username):
    sign_in_with(page, base, username, PASSWORD)


@pytest.fixture
def demo(live_server):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - closed with the process


def first_focusable_in_main(page) -> str:
    return page.evaluate(
        """() => {
          const el = document.querySelector('main').querySelector('a[href], button, input:not([type=hidden]), select, summary, textarea');
          return el.className + '|' + el.textContent.trim();
        }"""
    )


def test_search_finds_what_people_mean_at_desktop_and_phone_width(live_server, demo, page, phone, screenshot):
    base = live_server.url
    for width, tab in (("1280", page), ("390", phone)):
        # A misspelling: nothing found, with "did you mean" from the catalogue's own words.
        tab.goto(f"{base}/?q=popualtion")
        suggestion = tab.get_by_role("link", name="population", exact=True).first
        assert "Did you mean population?" in tab.locator(".did-you-mean").inner_text()
        assert "No dataset matches “popualtion”." in tab.locator(".empty").inner_text()
        assert tab.get_by_text("Narrow your search").count() == 0  # no facets, no heading for them
        assert axe_violations(tab) == []
        assert sideways_overflow(tab) == 0
        screenshot(tab, f"search-meaning-{width}-01-did-you-mean")
        suggestion.click()
        tab.wait_for_load_state()
        assert tab.url == f"{base}/?q=population"
        assert tab.locator("h3.result-title").count() > 1

        # "Skip to results" comes first in the content and takes the keyboard past the facets.
        assert first_focusable_in_main(tab) == "skip-to-results|Skip to results"
        tab.focus("a.skip-to-results")
        assert tab.locator("a.skip-to-results").is_visible()  # shown when focused
        tab.keyboard.press("Enter")
        assert tab.evaluate("() => document.activeElement.id") == "results"
        tab.keyboard.press("Tab")
        assert tab.evaluate("() => !!document.activeElement.closest('#results')")
        assert axe_violations(tab) == []
        assert sideways_overflow(tab) == 0
        screenshot(tab, f"search-meaning-{width}-02-results")

        # Synonyms: "labor" finds the labour market datasets and says so.
        tab.goto(f"{base}/?q=labor")
        assert "Also searched for “labour” (for “labor”)." in tab.locator(".search-also").inner_text()
        assert tab.locator("h3.result-title", has_text="Labour market statistics").count() == 1
        assert axe_violations(tab) == []

        # An empty result with a filter says what was searched and offers to remove the filter.
        tab.goto(f"{base}/?q=GDP&publisher=ons")
        empty = tab.locator(".empty").inner_text()
        assert (
            "No dataset matches “GDP” or “gross domestic product” with the filter Publisher: Office for National Statistics."
            in empty
        )
        tab.get_by_role("link", name="remove the filter Publisher: Office for National Statistics").click()
        tab.wait_for_load_state()
        assert tab.url == f"{base}/?q=GDP"
        tab.go_back()
        assert axe_violations(tab) == []
        assert sideways_overflow(tab) == 0
        screenshot(tab, f"search-meaning-{width}-03-empty-with-filter")

    # Desktop: the facets are shown beside the results, with no "Filter" toggle to open.
    page.goto(f"{base}/?q=population")
    assert page.locator("summary.filter-toggle").is_hidden()
    publisher = page.locator(".facet-link", has_text="Office for National Statistics").first
    assert publisher.is_visible()
    results_box = page.locator("#results").bounding_box()
    assert page.locator("aside.facets").bounding_box()["x"] < results_box["x"]

    # Phone: "Filter" above the results; the facets stay folded until it is opened.
    phone.goto(f"{base}/?q=population")
    toggle = phone.locator("summary.filter-toggle")
    assert toggle.is_visible()
    assert toggle.bounding_box()["y"] < phone.locator("#results").bounding_box()["y"]
    facet = phone.locator(".facet-link", has_text="Office for National Statistics").first
    assert facet.is_hidden()
    screenshot(phone, "search-meaning-390-04-filter-folded")
    toggle.click()
    assert phone.get_by_role("heading", name="Narrow your search").is_visible()
    phone.locator("details.facet", has=phone.locator("h3", has_text="Publisher")).locator("summary").click()
    assert facet.is_visible()
    assert axe_violations(phone) == []
    assert sideways_overflow(phone) == 0
    screenshot(phone, "search-meaning-390-05-filter-open")
    facet.click()
    phone.wait_for_load_state()
    assert "publisher=ons" in phone.url


@pytest.fixture
def publisher_login(live_server):
    from catalogue.models import Membership, Organisation

    ons = Organisation.objects.create(name="Office for National Statistics", slug="ons", abbreviation="ONS")
    user = get_user_model().objects.create_user("ons-editor", "ons-editor@example.gov", PASSWORD)
    Membership.objects.create(user=user, organisation=ons, role=Membership.Role.EDITOR)
    return user


def test_a_publisher_adds_a_synonym_at_desktop_and_phone_width(live_server, publisher_login, page, phone, screenshot):
    base = live_server.url
    for width, tab, phrase in (("1280", page, "jobless"), ("390", phone, "out of work")):
        sign_in(tab, base, "ons-editor")
        tab.goto(f"{base}/publish/synonyms/")
        assert axe_violations(tab) == []
        assert sideways_overflow(tab) == 0
        screenshot(tab, f"search-synonyms-{width}-01-page")
        # A mistake first: the message names the field, and nothing is lost.
        tab.get_by_label("Word or phrase").fill(phrase)
        tab.get_by_label("Means the same as").fill(phrase.upper())
        tab.get_by_role("button", name="Add the synonym").click()
        tab.wait_for_load_state()
        assert "Enter a different word or phrase: a synonym needs two." in tab.locator(".error-summary").inner_text()
        assert tab.get_by_label("Word or phrase").input_value() == phrase
        assert axe_violations(tab) == []
        screenshot(tab, f"search-synonyms-{width}-02-error")
        tab.get_by_label("Means the same as").fill("unemployment")
        tab.get_by_role("button", name="Add the synonym").click()
        tab.wait_for_load_state()
        assert f"Searches for “{min(phrase, 'unemployment')}” now find" in tab.locator(".notice").inner_text()
        history = tab.locator(".synonym-history").inner_text()
        assert f"“{min(phrase, 'unemployment')}” = “{max(phrase, 'unemployment')}” by ons-editor" in history
        assert sideways_overflow(tab) == 0
        assert axe_violations(tab) == []
        screenshot(tab, f"search-synonyms-{width}-03-added")
