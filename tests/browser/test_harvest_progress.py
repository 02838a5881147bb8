"""The harvest pages in a real browser: the job page's progress bar follows the job while it
runs (the test moves the job's progress as a worker would) and shows the final counts when it
ends, under the site's Content-Security-Policy; axe-core finds no accessibility
violation, whatever its impact, on the source, job and quality pages."""

import pytest
from django.utils import timezone

from catalogue.harvest.models import HarvestJob, HarvestRecordError
from tests.browser.conftest import axe_violations
from tests.catalogue.harvest.origin_data import harvested, make_job, make_source
from tests.writes import add_distribution

pytestmark = pytest.mark.browser


@pytest.fixture
def watched(page):
    """The page, and every Content-Security-Policy refusal Chromium reports."""
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    return page, refused


@pytest.fixture
def running_job(live_server, ohs):
    source = make_source(ohs)
    return make_job(
        source,
        status=HarvestJob.Status.RUNNING,
        pages_done=1,
        pages_total=4,
        records_done=100,
        records_total=400,
    )


def bar_value(page) -> float:
    return page.eval_on_selector("#job-progress-bar", "bar => bar.value")


def test_the_progress_bar_follows_the_job_and_the_report_shows_the_final_counts(
    live_server, watched, running_job, screenshot
):
    page, refused = watched
    page.goto(f"{live_server.url}/harvest/jobs/{running_job.pk}/")
    assert bar_value(page) == running_job.percent_done == 48  # pages read are the first 30%, records the rest
    assert page.inner_text("[data-job=progress]") == "page 1 of 4 · 100 of 400 records"
    assert page.is_hidden("[data-job=refresh]")  # the script keeps the page current instead

    # The worker moves on: the bar follows without a reload.
    HarvestJob.objects.filter(pk=running_job.pk).update(pages_done=3, records_done=300, created=290, failed=10)
    page.wait_for_function("() => document.getElementById('job-progress-bar').value === 82", timeout=10000)
    assert page.inner_text("[data-job=progress]") == "page 3 of 4 · 300 of 400 records"
    assert page.inner_text("[data-count=created]") == "290"
    screenshot(page, "harvest-01-running")

    # It ends: the report is reloaded with the final counts and the records that failed.
    HarvestRecordError.objects.create(job=running_job, identifier="https://portal.example.org/d/7", reason="No title.")
    HarvestJob.objects.filter(pk=running_job.pk).update(
        status=HarvestJob.Status.FINISHED,
        pages_done=4,
        records_done=400,
        created=385,
        unchanged=4,
        failed=11,
        finished_at=timezone.now(),
    )
    page.wait_for_selector("#job-report:not([data-job-active])", timeout=10000)
    assert page.locator("#job-progress-bar").count() == 0
    assert page.inner_text("[data-job=status]") == "Finished"
    assert page.inner_text("[data-count=created]") == "385"
    assert page.inner_text("[data-count=failed]") == "11"
    assert "No title." in page.inner_text("#job-report")
    screenshot(page, "harvest-02-finished")
    # Polling stopped: no request to the API after the report came back.
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/api/v1/harvest/jobs/" in r.url else None)
    page.wait_for_timeout(4500)
    assert requests == []
    assert refused == []


def test_without_totals_the_bar_is_indeterminate_and_counts_what_was_read(live_server, watched, ohs):
    page, refused = watched
    job = make_job(make_source(ohs), status=HarvestJob.Status.RUNNING, pages_done=2, records_done=200)
    page.goto(f"{live_server.url}/harvest/jobs/{job.pk}/")
    HarvestJob.objects.filter(pk=job.pk).update(pages_done=3, records_done=300)
    page.wait_for_function(
        "() => document.querySelector('[data-job=progress]').textContent === 'page 3 · 300 records'", timeout=10000
    )
    assert page.eval_on_selector("#job-progress-bar", "bar => bar.hasAttribute('value')") is False
    assert refused == []


def test_axe_finds_no_violation_on_the_harvest_pages(live_server, page, running_job, make_dataset):
    source = running_job.source
    finished = make_job(source, errors=[("https://portal.example.org/d/1", "No title.")], created=1, failed=1)
    for n in range(3):
        dataset = make_dataset(f"Road traffic counts {n}")
        add_distribution(dataset, access_url=f"https://portal.example.org/files/{n}", format_code="CSV")
        harvested(dataset, source)
    for path in (
        "/harvest/",
        f"/harvest/sources/{source.pk}/",
        f"/harvest/jobs/{running_job.pk}/",
        f"/harvest/jobs/{finished.pk}/",
        f"/harvest/sources/{source.pk}/quality/",
        f"/datasets/{dataset.slug}/",
    ):
        page.goto(live_server.url + path)
        assert axe_violations(page) == [], path
