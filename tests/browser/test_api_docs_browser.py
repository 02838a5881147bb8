"""The API's docs in a real browser: Redoc and Swagger UI load nothing from another host and
break no rule of the Content-Security-Policy; operations are grouped by resource with
readable names; the API guide links every endpoint."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, axe_violations, sideways_overflow

pytestmark = pytest.mark.browser


def watch_console(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


@pytest.mark.parametrize("size", ["page", "phone"])
def test_redoc_loads_from_this_server_only_and_groups_operations(live_server, request, size):
    page = request.getfixturevalue(size)  # fails the test if anything is asked of another host
    problems = watch_console(page)
    page.goto(live_server.url + "/api/redoc/")
    page.wait_for_selector("text=List datasets", state="attached", timeout=20000)
    page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"api-redoc-{size}.png"))  # the page is too long to take whole
    html = page.content()
    for group in ("Datasets", "Harvest sources", "Glossary", "Lineage"):
        assert f">{group}<" in html
    assert "cdn.redoc.ly" not in html
    assert problems == []  # no CSP refusal, no script error, no missing file
    assert axe_violations(page) == []
    assert sideways_overflow(page) == 0


@pytest.mark.parametrize("size", ["page", "phone"])
def test_swagger_ui_loads_from_this_server_only(live_server, request, size):
    page = request.getfixturevalue(size)
    problems = watch_console(page)
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector("text=List datasets", state="attached", timeout=20000)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / f"api-swagger-{size}.png"))
    assert page.locator("h3:has-text('Harvest sources')").count() == 1  # grouped by resource
    assert problems == []


@pytest.mark.parametrize("size", ["page", "phone"])
def test_the_api_guide_lists_every_endpoint_and_leads_to_its_reference(live_server, request, screenshot, size):
    page = request.getfixturevalue(size)
    page.goto(live_server.url + "/about/api/")
    screenshot(page, f"api-guide-{size}")
    assert axe_violations(page) == []
    assert sideways_overflow(page) == 0
    links = page.locator("#endpoints a[href^='/api/redoc/#operation/']")
    assert links.count() > 70
    page.click("#endpoints a:has-text('Publish a dataset')")
    page.wait_for_selector("[id='operation/v1_datasets_publish_create']", state="attached", timeout=30000)
    # Redoc opens the operation itself (and writes its own longer form of the address).
    assert page.url.endswith("/operation/v1_datasets_publish_create")
    expect(page.locator("[id='operation/v1_datasets_publish_create'] h2")).to_be_in_viewport()
