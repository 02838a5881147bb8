"""Every key page of the demo catalogue at phone width (390 px) and at 1280 px: nothing
scrolls sideways, wide tables scroll inside a labelled region a keyboard can reach, axe-core
finds no violation of any impact, and the 403 and 404 pages are the catalogue's own and say
why. A screenshot of each page is kept in test-artifacts/."""

import pytest
from django.core.management import call_command

from catalogue.harvest.models import HarvestSource
from catalogue.sharing.models import SharingAgreement
from tests.browser.conftest import axe_violations, sideways_overflow
from tests.browser.conftest import sign_in as sign_in_with

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "provcat-demo"


@pytest.fixture
def demo(live_server):
    call_command("load_demo")


def sign_in(page, base, username):
    sign_in_with(page, base, username, DEMO_PASSWORD)


def public_pages() -> list[str]:
    source = HarvestSource.objects.order_by("pk").first()
    agreement = SharingAgreement.objects.filter(published=True).exclude(status="proposed").order_by("pk").first()
    return [
        "/",
        "/?q=labour+market",
        "/datasets/regional-labour-market-estimates/",
        "/organisations/",
        "/organisations/ons/",
        "/themes/",
        "/glossary/",
        "/glossary/?q=household",
        "/compare/?datasets=household-projections,homelessness-tables",
        "/sharing/",
        f"/sharing/{agreement.pk}/",
        "/harvest/",
        f"/harvest/sources/{source.pk}/",
        f"/harvest/sources/{source.pk}/quality/",
        "/about/api/",
        "/accounts/login/",
    ]


PUBLISHER_PAGES = [
    "/publish/",
    "/publish/datasets/new/",
    "/publish/datasets/regional-labour-market-estimates/edit/",
    "/publish/datasets/regional-labour-market-estimates/history/",
    "/publish/datasets/regional-labour-market-estimates/fields/import/",
    "/publish/datasets/regional-labour-market-estimates/withdraw/",
    "/publish/organisations/ons/members/",
    "/publish/sharing/",
    "/publish/glossary/",
]


def check(page, base, path, screenshot, name):
    response = page.goto(base + path)
    page.wait_for_load_state("networkidle")
    assert response.status < 400, path
    assert sideways_overflow(page) == 0, path
    assert axe_violations(page) == [], path
    # Any region that scrolls sideways can be reached from the keyboard and has a name.
    unreachable = page.evaluate(
        """() => [...document.querySelectorAll('main *')].filter(el => el.scrollWidth > el.clientWidth + 1
             && ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)
             && !(el.tabIndex >= 0 && (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'))))
           .map(el => el.tagName + '.' + el.className)"""
    )
    assert unreachable == [], path
    slug = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-").replace(",", "-") or "home"
    screenshot(page, f"{name}-{slug}")


@pytest.mark.parametrize("size", ["phone", "page"])
def test_every_key_page_fits_and_passes_axe(live_server, request, screenshot, demo, size):
    page = request.getfixturevalue(size)
    base = live_server.url
    name = "phone-390" if size == "phone" else "desktop-1280"
    for path in public_pages():
        check(page, base, path, screenshot, name)
    sign_in(page, base, "ons-admin")
    assert page.url == base + "/publish/"  # members land on their dashboard
    for path in PUBLISHER_PAGES:
        check(page, base, path, screenshot, name)


def test_a_wide_table_scrolls_inside_its_region_on_a_phone(live_server, phone, screenshot, demo):
    base = live_server.url
    sign_in(phone, base, "ons-admin")
    table = phone.locator(".table-scroll:has(.dashboard-table)")
    assert table.get_attribute("role") == "region" and table.get_attribute("tabindex") == "0"
    assert table.get_attribute("aria-label")
    widths = table.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] > widths[1]  # the table is wider than the phone ...
    table.focus()
    phone.keyboard.press("ArrowRight")
    phone.wait_for_function("() => document.querySelector('.table-scroll').scrollLeft > 0")
    assert sideways_overflow(phone) == 0  # ... and scrolls inside its box, not the page
    screenshot(phone, "phone-390-dashboard-table-scrolled")


@pytest.mark.parametrize("size", ["phone", "page"])
def test_403_and_404_pages_are_styled_and_say_why(live_server, request, screenshot, demo, size):
    page = request.getfixturevalue(size)
    base = live_server.url
    sign_in(page, base, "ons-viewer")
    assert page.url == base + "/publish/"
    assert page.locator("text=Describe a new dataset").count() == 0
    response = page.goto(base + "/publish/organisations/ons/members/")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "You cannot do this"
    assert "Only admins of Office for National Statistics can manage its members." in page.locator("main").inner_text()
    assert sideways_overflow(page) == 0 and axe_violations(page) == []
    screenshot(page, f"{size}-403")
    response = page.goto(base + "/datasets/no-such-dataset/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.locator(".site-header").is_visible()
    assert sideways_overflow(page) == 0 and axe_violations(page) == []
    screenshot(page, f"{size}-404")
