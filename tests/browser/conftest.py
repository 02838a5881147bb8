"""Playwright driving Debian's Chromium (never a downloaded browser) against the live server."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("PROVCAT_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser-deps` (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's async-unsafe guard
    # would then refuse the ORM calls the test makes between page actions.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def _guarded_page(browser, viewport: dict, **options):
    context = browser.new_context(viewport=viewport, accept_downloads=True, **options)
    page = context.new_page()
    # Nothing may be fetched from outside 127.0.0.1: fail the test if a page tries.
    outside = []

    def guard(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", guard)
    return context, page, outside


@pytest.fixture
def page(browser):
    """A desktop-sized page (1280 px wide)."""
    context, page, outside = _guarded_page(browser, DESKTOP)
    yield page
    context.close()
    assert not outside, f"pages tried to load from outside: {outside}"


@pytest.fixture
def phone(browser):
    """A phone-sized page (390 px wide, touch, as an iPhone 12-15 reports itself)."""
    context, page, outside = _guarded_page(browser, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield page
    context.close()
    assert not outside, f"pages tried to load from outside: {outside}"


def axe_violations(page) -> list[str]:
    """Every axe-core violation on the page, whatever its impact (minor and moderate included)."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: `make browser-deps` installs axe-core from npm")
    page.evaluate(AXE.read_text())
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in found]


def sideways_overflow(page) -> int:
    """How many CSS pixels the page is wider than its viewport (0: no sideways scrolling).

    Measured against the root element's client width, not ``window.innerWidth``: on a page
    emulated as mobile, Chromium widens the layout viewport to fit content that overflows, so
    innerWidth grows with the page and the difference would always be 0."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth)"
    )


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


PASSWORD = "correct-horse-battery"  # the password the tests' users are made with


def sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in form as ``username`` (signed out of anyone before)."""
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
