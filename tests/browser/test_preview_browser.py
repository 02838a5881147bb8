"""The preview of a dataset's data in Chromium at 1280 and 390 px: the first rows in a table
that scrolls inside its own visible box (never the page), each column's type and statistics,
the comparison with the data dictionary, and a failed reading said as what it is, beside the
earlier preview it did not replace."""

import pytest
import time_machine

from catalogue import services
from catalogue.actors import system_actor
from catalogue.preview.tasks import preview_sweep
from tests.browser.conftest import ARTIFACTS, axe_violations, sideways_overflow
from tests.catalogue.preview.files import FileServer, csv_text
from tests.conftest import term

pytestmark = pytest.mark.browser

WIDE = [
    ["area_code", "area_name", "month", "admissions", "emergency", "elective", "day_case", "rate_per_1000", "notes"],
    *[
        [
            f"E0600000{i}",
            f"Area number {i}",
            f"2024-0{i}-01",
            str(1000 + i),
            str(400 + i),
            str(300 + i),
            "12",
            f"{i}.25",
            "Provisional figures, revised next quarter",
        ]
        for i in range(1, 8)
    ],
]


@pytest.fixture
def files(settings):
    server = FileServer()
    server.routes["/wide.csv"] = (200, "text/csv", csv_text(WIDE))
    settings.PROVCAT_LINK_CHECKS = True
    settings.PROVCAT_PREVIEWS = True
    settings.PROVCAT_ALLOW_LOOPBACK_FETCH = True
    settings.PROVCAT_PREVIEW_TIMEOUT = 2
    settings.PROVCAT_LINK_CHECK_TIMEOUT = 2
    yield server
    server.close()


@pytest.fixture
def previewed(live_server, make_dataset, files):
    """A published dataset with a wide CSV and an XLSX, previewed on 1 Nov; by 9 Nov the XLSX
    link answers 404 and the weekly sweep has tried it again."""
    actor = system_actor("tests")
    with time_machine.travel("2026-11-01 09:00:00+00:00", tick=True):
        dataset = make_dataset("Hospital admissions by area")
        for name, datatype in [
            ("area_code", "string"),
            ("area_name", "string"),
            ("admissions", "integer"),
            ("rate_per_1000", "integer"),
            ("beds", "integer"),
        ]:
            services.field_save(dataset=dataset, user=actor, data={"name": name, "datatype": datatype})
        services.distribution_save(
            dataset=dataset,
            user=actor,
            data={
                "title": "Admissions by area (CSV)",
                "access_url": files.base + "/wide.csv",
                "download_url": files.base + "/wide.csv",
                "format": term("file-type", "CSV"),
            },
        )
        services.distribution_save(
            dataset=dataset,
            user=actor,
            data={
                "title": "Admissions by area (XLSX)",
                "access_url": files.base + "/admissions.xlsx",
                "download_url": files.base + "/admissions.xlsx",
                "format": term("file-type", "XLSX"),
            },
        )
    del files.routes["/admissions.xlsx"]
    with time_machine.travel("2026-11-09 09:00:00+00:00", tick=True):
        # Both are a week old; the CSV still answers, the XLSX does not.
        assert preview_sweep() == 2
    return f"{live_server.url}/datasets/{dataset.slug}/"


def _check(page, url, screenshot, name):
    page.goto(url + "#preview")
    preview = page.locator("#preview")
    assert preview.get_by_role("heading", name="Preview of the data").is_visible()
    table = preview.locator("table.preview-table").first
    assert table.locator("caption").inner_text() == "First 7 rows of Admissions by area (CSV)"
    assert table.locator("thead th").nth(3).inner_text().split("\n") == ["admissions", "Whole number"]
    assert table.locator("tbody tr").count() == 7
    assert (
        "In the file but not in the data dictionary: month, emergency, elective, day_case, notes."
        in preview.inner_text()
    )
    assert "In the data dictionary but not in the file: beds." in preview.inner_text()
    assert "rate_per_1000: the dictionary says Whole number, the file holds Decimal number." in preview.inner_text()
    # The XLSX: its reading on 9 Nov failed, and the preview of 1 Nov is still there, said to be older.
    xlsx = preview.locator("details").nth(1)
    xlsx.locator("summary").click()
    failure = xlsx.locator(".preview-failure")
    assert failure.inner_text() == (
        "The link answered 404 Not Found on 9 Nov 2026. The preview below is from an earlier reading, on 1 Nov 2026."
    )
    assert xlsx.locator("table.preview-table tbody tr").count() == 3
    screenshot(page, name)
    preview.screenshot(path=str(ARTIFACTS / f"{name}-detail.png"))  # the preview alone, full size
    assert axe_violations(page) == []
    return preview


def test_preview_at_desktop_width(page, previewed, screenshot):
    _check(page, previewed, screenshot, "preview-desktop")


def test_preview_at_phone_width_scrolls_inside_its_box(phone, previewed, screenshot):
    preview = _check(phone, previewed, screenshot, "preview-phone")
    assert sideways_overflow(phone) == 0
    box = preview.locator(".preview-scroll").first
    sizes = box.evaluate("el => [el.scrollWidth, el.clientWidth, getComputedStyle(el).borderTopStyle]")
    assert sizes[0] > sizes[1]  # the table is wider than its box and scrolls inside it...
    assert sizes[2] == "solid"  # ...which has a visible edge
    box.focus()
    phone.keyboard.press("ArrowRight")  # and it scrolls from the keyboard
    # (smooth scrolling may take a moment)
    phone.wait_for_function("() => document.querySelector('#preview .preview-scroll').scrollLeft > 0", timeout=3000)
