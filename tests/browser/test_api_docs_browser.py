"""The API's docs in a real browser: Redoc and Swagger UI load nothing from another host and
break no rule of the Content-Security-Policy; operations are grouped by resource with
readable names; the API guide links every endpoint."""

import pytest

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
