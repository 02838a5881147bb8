"""The Content-Security-Policy in a real browser: the main pages, signed in and out, and the
API docs work under it with no violation reported (Chromium logs each one as 'Refused to
...' and fires securitypolicyviolation)."""

import pytest
from django.contrib.auth import get_user_model

from catalogue.actors import system_actor
from catalogue.models import Membership
from provenance.services import derivation_add

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, and every CSP violation it reports (console and event)."""
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(LISTEN)

    def violations() -> list[str]:
        return refused + page.evaluate("window.__cspViolations || []")

    return page, violations


@pytest.fixture
def lineage(live_server, make_dataset, ohs, django_capture_on_commit_callbacks):
    source = make_dataset("Hospital admissions")
    derived = make_dataset("Admissions by region")
    derivation_add(derived=derived, source=source, user=system_actor("tests"))
    return derived


def test_main_pages_report_no_csp_violation(live_server, watched, lineage, ohs):
    page, violations = watched
    base = live_server.url
    for path in ["/", "/?q=admissions", f"/datasets/{lineage.slug}/", "/organisations/", f"/organisations/{ohs.slug}/"]:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert violations() == [], path
    # The lineage picture is drawn at its size (its rules moved from style="" to the stylesheet).
    assert page.goto(base + f"/datasets/{lineage.slug}/").ok
    assert page.locator("svg.lineage-graph rect").count() == 2
    assert page.locator("svg.lineage-graph").bounding_box()["width"] > 100
    assert violations() == []
    # The policy is enforced, and a violation would be seen: markup injected with an inline
    # style (as a stored-XSS payload would be) is refused and reported.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<b style=\"color: red\">x</b>')")
    page.wait_for_function("window.__cspViolations.length > 0", timeout=5000)
    assert any("style-src" in v for v in violations())


def test_signed_in_publisher_pages_report_no_csp_violation(live_server, watched, lineage, ohs):
    user = get_user_model().objects.create_user("pat", "pat@example.gov", PASSWORD)
    Membership.objects.create(user=user, organisation=ohs, role=Membership.Role.EDITOR)
    page, violations = watched
    base = live_server.url
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", "pat")
    page.fill("#id_password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    for path in ["/publish/", "/publish/datasets/new/", f"/publish/datasets/{lineage.slug}/edit/"]:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert violations() == [], path
    # publish.js runs (the live score appears), so the policy lets our own scripts work.
    page.goto(base + "/publish/datasets/new/")
    page.wait_for_selector("#live-score:not([hidden])")
    assert violations() == []


def test_api_docs_render_under_the_policy(live_server, watched, db):
    page, violations = watched
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20000)
    assert "Provcat API" in page.locator(".swagger-ui .info .title").inner_text()
    assert violations() == []
