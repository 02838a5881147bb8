"""An analyst's journey in a real browser: search, narrow by two facets, open a dataset,
follow its lineage upstream two steps, download a file, and read the JSON-LD."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from catalogue import services
from catalogue.actors import system_actor
from catalogue.search.tasks import search_index_sweep
from provenance.services import derivation_add
from tests.conftest import term

pytestmark = pytest.mark.browser

CSV_BODY = b"la_code,year,population\nE06000001,2024,94000\n"


class _CsvHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the stdlib's name
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Disposition", 'attachment; filename="population.csv"')
        self.send_header("Content-Length", str(len(CSV_BODY)))
        self.end_headers()
        self.wfile.write(CSV_BODY)

    def log_message(self, *args):
        pass


@pytest.fixture
def file_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CsvHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def journey_catalogue(live_server, make_dataset, dft, file_server):
    """Written through the services, as publishers would, so search entries, scores, stored
    records and the lineage closure follow by the outbox (the live server's commits are real)."""
    actor = system_actor("tests")
    ons = services.organisation_create(
        user=actor, data={"name": "Office for National Statistics", "slug": "ons", "abbreviation": "ONS"}
    )
    csv, pdf = term("file-type", "CSV"), term("file-type", "PDF")
    census = make_dataset(
        "Census population counts",
        publisher=ons,
        description="Usual resident population counted by the census, by local authority.",
    )
    estimates = make_dataset(
        "Mid-year population estimates",
        publisher=ons,
        description="Population estimates for each local authority, rolled forward from the census.",
    )
    rates = make_dataset(
        "Hospital admission rates per population",
        description="Admissions per 1,000 population by local authority, using the mid-year population estimates.",
        frequency=term("frequency", "MONTHLY"),
    )
    make_dataset("Population projections", publisher=ons, description="Projected population to 2045.")
    make_dataset("Road traffic and population density", publisher=dft, description="Traffic per head of population.")
    for dataset in (census, estimates, rates):
        services.dataset_update(
            dataset=dataset,
            user=actor,
            data={},
            expected_revision=None,
            keywords=["population"],
            themes=[term("theme", "SOCI")],
        )
    services.distribution_save(
        dataset=rates,
        user=actor,
        data={
            "title": "Admission rates, 2024 (CSV)",
            "access_url": f"{file_server}/rates",
            "download_url": f"{file_server}/rates.csv",
            "format": csv,
            "byte_size": len(b"la_code,year,population\nE06000001,2024,94000\n"),
        },
    )
    services.distribution_save(
        dataset=estimates, user=actor, data={"access_url": f"{file_server}/estimates", "format": csv}
    )
    services.distribution_save(dataset=census, user=actor, data={"access_url": f"{file_server}/census", "format": pdf})
    for position, (name, definition, unit) in enumerate(
        [
            ("la_code", "GSS code of the local authority", ""),
            ("month", "Calendar month of admission", ""),
            ("admissions_per_1000", "Emergency admissions per 1,000 residents", "per 1,000 people"),
        ]
    ):
        services.field_save(
            dataset=rates, user=actor, data={"position": position, "name": name, "definition": definition, "unit": unit}
        )
    services.validation_check_record(
        dataset=rates, user=actor, data={"name": "Rates are non-negative", "outcome": "pass", "records_checked": 4000}
    )
    services.validation_check_record(
        dataset=census,
        user=actor,
        data={
            "name": "Totals match the published tables",
            "outcome": "fail",
            "records_checked": 331,
            "records_failed": 2,
        },
    )
    derivation_add(
        derived=estimates, source=census, user=actor, description="Rolled forward with births, deaths and migration."
    )
    derivation_add(derived=rates, source=estimates, user=actor, description="Admissions divided by population.")
    # The search sweep marks what an upstream failure now reaches (the closure moved after the
    # check's own search work ran), as beat would within a minute.
    search_index_sweep()
    return {"census": census, "estimates": estimates, "rates": rates}


def test_an_analyst_searches_narrows_follows_lineage_and_downloads(
    live_server, page, screenshot, journey_catalogue, tmp_path
):
    page.goto(live_server.url + "/")
    screenshot(page, "home")
    assert page.locator("h1").inner_text() == "Find government data"

    # Search, then narrow by two facets; each step is a bookmarkable URL.
    page.get_by_label("Search datasets").fill("population")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/?q=population")
    assert "5 datasets" in page.locator("#results-heading").inner_text()
    page.get_by_role("link", name="Filter by keyword: population").click()
    page.wait_for_url("**keyword=population**")
    assert "3 datasets" in page.locator("#results-heading").inner_text()
    page.get_by_role("link", name="Filter by format: CSV").click()
    page.wait_for_url("**format=CSV**")
    assert "2 datasets" in page.locator("#results-heading").inner_text()
    assert page.locator("mark").first.inner_text().lower().startswith("population")
    screenshot(page, "results")
    bookmarked = page.url
    page.goto(bookmarked)
    titles = page.locator(".result-title").all_inner_texts()
    assert sorted(titles) == ["Hospital admission rates per population", "Mid-year population estimates"]

    # Open the dataset; its page carries schema.org JSON-LD describing it.
    page.get_by_role("link", name="Hospital admission rates per population").click()
    page.wait_for_url("**/datasets/hospital-admission-rates-per-population/")
    screenshot(page, "dataset")
    data = json.loads(page.locator('head script[type="application/ld+json"]').inner_text())
    assert data["@type"] == "Dataset" and data["name"] == "Hospital admission rates per population"
    assert {v["name"] for v in data["variableMeasured"]} == {"la_code", "month", "admissions_per_1000"}
    assert page.get_by_role("cell", name="Emergency admissions per 1,000 residents").is_visible()

    # Download the distribution (served by a local file server on 127.0.0.1).
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Admission rates, 2024 (CSV)").click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes() == CSV_BODY

    # The lineage shows an upstream failure two steps up; follow the sources step by step.
    lineage = page.locator("#lineage")
    assert "An upstream dataset failed a check" in lineage.inner_text()
    lineage.locator(".lineage-lists").get_by_role("link", name="Mid-year population estimates").click()
    page.wait_for_url("**/datasets/mid-year-population-estimates/")
    page.locator("#lineage .lineage-lists").get_by_role("link", name="Census population counts").click()
    page.wait_for_url("**/datasets/census-population-counts/")
    assert page.locator("h1").inner_text() == "Census population counts", page.content()[:3000]
    assert "Failed" in page.locator("#checks").inner_text()


def test_the_catalogue_is_usable_on_a_phone_and_by_keyboard(live_server, browser, journey_catalogue):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(live_server.url + "/?q=population")
    # Nothing wider than the screen: no sideways scrolling of the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # The first Tab reaches the skip link, which moves focus to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.goto(live_server.url + "/datasets/hospital-admission-rates-per-population/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
