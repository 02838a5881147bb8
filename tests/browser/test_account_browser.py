"""A machine user's account page in a real browser, at desktop and phone width: make a token
(shown once), see it listed, revoke it after a confirmation; all without JavaScript too."""

import re

import pytest
from django.test import Client

from catalogue.accounts.models import ApiToken
from tests.browser.conftest import axe_violations, sideways_overflow, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"


def check_page(page, screenshot, name):
    screenshot(page, name)
    assert axe_violations(page) == [], name
    assert sideways_overflow(page) == 0, name


@pytest.mark.parametrize("size", ["page", "phone"])
def test_an_api_user_makes_uses_and_revokes_a_token(live_server, request, screenshot, bob, size):
    page = request.getfixturevalue(size)
    base = live_server.url
    sign_in(page, base, "bob")
    page.click("text=Your account")
    assert page.locator("h1").inner_text() == "Your account"
    assert "You have no API tokens." in page.content()
    check_page(page, screenshot, f"account-01-empty-{size}")

    # A name is required: the error names the field, and nothing is made.
    page.click("text=Make the token")
    assert "Give the token a name" in page.locator(".error-summary").inner_text()
    check_page(page, screenshot, f"account-02-error-{size}")

    page.fill("#id_name", "Nightly lineage export")
    page.click("text=Make the token")
    key = page.input_value("#new-token")
    assert re.fullmatch(r"pct_[A-Za-z0-9_-]{40,}", key)
    assert "only time it is shown" in page.content()
    check_page(page, screenshot, f"account-03-token-shown-once-{size}")

    # The token works for a program, and the account page lists it without showing it again.
    assert Client().get("/api/v1/datasets/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    page.click("text=Back to your account")
    row = page.locator("tr", has_text="Nightly lineage export")
    assert key not in page.content() and key[:10] in row.inner_text()
    check_page(page, screenshot, f"account-04-listed-{size}")

    row.locator("text=Revoke").click()
    assert "Revoke the token “Nightly lineage export”?" in page.locator("h1").inner_text()
    check_page(page, screenshot, f"account-05-confirm-revoke-{size}")
    page.click("button:has-text('Revoke the token')")
    assert "is revoked" in page.locator(".messages").inner_text()
    assert "Revoked" in page.locator("tr", has_text="Nightly lineage export").inner_text()
    check_page(page, screenshot, f"account-06-revoked-{size}")
    assert ApiToken.objects.get(user=bob).revoked_at is not None
    assert Client().get("/api/v1/datasets/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_the_token_pages_work_without_javascript(live_server, browser, bob):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "bob")
        page.goto(live_server.url + "/account/")
        page.fill("#id_name", "No script needed")
        page.click("text=Make the token")
        assert page.input_value("#new-token").startswith("pct_")
        page.goto(live_server.url + "/account/")
        page.locator("tr", has_text="No script needed").locator("text=Revoke").click()
        page.click("button:has-text('Revoke the token')")
        assert "is revoked" in page.content()
    finally:
        context.close()
