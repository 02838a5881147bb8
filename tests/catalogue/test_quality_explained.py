"""Quality explained: a link not checked yet is pending, not failed; every indicator says what
it checks and how to earn it; the bands' meaning is one click away; this site's own links are
checked in-process; sizes shown are real; the demo's scores differ because its links are checked."""

import re

import pytest
from django.core.management import call_command

from catalogue.models import Dataset, Distribution, LinkCheck, QualityAssessment
from catalogue.quality import services
from catalogue.quality.score import INDICATORS, DatasetFacts, DistributionFacts, score
from tests.writes import add_distribution


@pytest.fixture(autouse=True)
def _empty_page_cache():
    from django.core.cache import caches

    caches["pages"].clear()


def _indicator(result, key):
    return next(i for d in [*result.dimensions, result.provcat] for i in d.indicators if i.key == key)


# --- scoring: unchecked vs unreachable vs reachable -----------------------------------------------


def _one_link(reachable):
    return score(
        DatasetFacts(
            distributions=[
                DistributionFacts(
                    access_url="https://example.gov.uk/a",
                    download_url="https://example.gov.uk/a.csv",
                    access_reachable=reachable,
                    download_reachable=reachable,
                )
            ]
        )
    )


def test_an_unchecked_link_is_pending_not_failed():
    result = _one_link(None)
    access = _indicator(result, "access_url_reachable")
    assert (access.points, access.status, access.pending) == (0, "pending", 50)
    assert access.hint.startswith("Access URL: waiting for the link check")
    assert _indicator(result, "download_url_reachable").status == "pending"
    assert result.pending_points == 80
    assert result.as_dict()["pending_points"] == 80


def test_a_link_that_did_not_answer_is_failed_with_nothing_pending():
    result = _one_link(False)
    access = _indicator(result, "access_url_reachable")
    assert (access.points, access.status, access.pending) == (0, "failed", 0)
    assert access.hint.startswith("Fix the access URL that did not answer")
    assert result.pending_points == 0


def test_a_link_that_answered_earns_its_points():
    result = _one_link(True)
    assert [(_indicator(result, k).points, _indicator(result, k).status) for k in ("access_url_reachable",)] == [
        (50, "earned")
    ]
    assert _indicator(result, "download_url_reachable").points == 30
    assert result.mqa_score - _one_link(None).mqa_score == 80
    assert result.pending_points == 0


def test_one_checked_link_and_one_waiting_show_both():
    facts = DatasetFacts(
        distributions=[
            DistributionFacts(access_url="https://example.gov.uk/a", access_reachable=True),
            DistributionFacts(access_url="https://example.gov.uk/b", access_reachable=None),
        ]
    )
    access = _indicator(score(facts), "access_url_reachable")
    assert (access.points, access.status, access.pending) == (25, "pending", 25)


def test_every_indicator_scored_is_explained_with_its_points():
    result = score(DatasetFacts())
    scored = {i.key: i.maximum for d in [*result.dimensions, result.provcat] for i in d.indicators}
    assert scored == {key: info.points for key, info in INDICATORS.items()}
    assert all(info.checks and info.earn for info in INDICATORS.values())
    assert sum(info.points for info in INDICATORS.values() if info.dimension != "provcat") == 405


def test_a_check_of_a_url_the_distribution_no_longer_has_counts_as_not_checked(make_dataset):
    dataset = make_dataset("Moved links")
    add_distribution(dataset, title="CSV", access_url="https://example.gov.uk/new", format_code="CSV")
    distribution = dataset.distributions.get()
    LinkCheck.objects.create(distribution=distribution, kind="access", url="https://example.gov.uk/old", reachable=True)
    services.quality_assess(dataset_id=dataset.pk)
    breakdown = QualityAssessment.objects.filter(dataset=dataset).latest("computed_at").breakdown
    access = next(i for d in breakdown for i in d["indicators"] if i["key"] == "access_url_reachable")
    assert (access["points"], access["status"]) == (0, "pending")


# --- this site's own links are asked in-process ----------------------------------------------------


def test_own_links_are_checked_in_process_with_status_and_size(make_dataset, settings, no_sockets):
    base = settings.PROVCAT_BASE_URI
    dataset = make_dataset("Own links")
    add_distribution(
        dataset, title="Page", access_url=f"{base}/about/quality/", download_url=f"{base}/no/such/file.csv"
    )
    distribution = dataset.distributions.get()
    services.link_check_record(distribution_id=distribution.pk, allow_loopback=False, timeout=5)
    checks = {c.kind: c for c in LinkCheck.objects.filter(distribution=distribution)}
    assert (checks["access"].reachable, checks["access"].status_code) == (True, 200)
    assert checks["access"].byte_size and checks["access"].byte_size > 1000
    assert (checks["download"].reachable, checks["download"].status_code, checks["download"].byte_size) == (
        False,
        404,
        None,
    )


def test_own_restricted_dataset_files_answer_as_they_would_to_the_public(make_dataset, settings, no_sockets):
    base = settings.PROVCAT_BASE_URI
    hidden = make_dataset("Hidden", access_rights=Dataset.AccessRights.RESTRICTED)
    add_distribution(hidden, title="Page", access_url=f"{base}/datasets/{hidden.slug}/")
    distribution = hidden.distributions.get()
    services.link_check_record(distribution_id=distribution.pk, allow_loopback=False, timeout=5)
    check = LinkCheck.objects.get(distribution=distribution, kind="access")
    assert (check.reachable, check.status_code) == (False, 404)


# --- the page that explains the score ---------------------------------------------------------------


def test_the_quality_page_explains_bands_indicators_and_link_states(client, db):
    response = client.get("/about/quality/")
    assert response.status_code == 200
    html = response.content.decode()
    for band, points in (("Excellent", "351 to 405"), ("Good", "221 to 350"), ("Sufficient", "121 to 220")):
        assert re.search(
            rf'id="band-{band.lower()}">\s*<th scope="row"><span[^>]*>{band}</span></th>\s*<td>{points}', html
        )
    assert "0 to 120" in html
    for info in INDICATORS.values():
        assert info.label in html
    assert "Not checked yet" in html and "Did not answer" in html
    assert "not counted yet, and not lost either" in html


# --- the dataset page ------------------------------------------------------------------------------


def test_dataset_page_links_the_band_to_its_meaning_and_explains_each_indicator(client, make_dataset):
    dataset = make_dataset("Explained")
    add_distribution(dataset, title="CSV", access_url="https://example.gov.uk/a.csv", format_code="CSV")
    services.quality_assess(dataset_id=dataset.pk)
    dataset.refresh_from_db()
    html = client.get(f"/datasets/{dataset.slug}/").content.decode()
    band = dataset.quality_band
    assert f'href="/about/quality/#band-{band}">What “{band.capitalize()}” means</a>' in html
    assert "Provisional." in html and "are not counted until the check has run" in html
    # An indicator not earned says what it checks and how to earn it; a pending link says so.
    assert "The dataset has at least one keyword." in html
    assert "How to earn it:</span> Add keywords." in html
    assert re.search(r"Access URL answers</span> <span[^>]*>0 of 50</span> <span[^>]*>Not checked yet</span>", html)


def test_dataset_page_tells_a_link_that_did_not_answer_from_one_not_checked(client, make_dataset):
    dataset = make_dataset("Broken")
    add_distribution(
        dataset,
        title="Gone",
        access_url="https://example.gov.uk/gone.csv",
        download_url="https://example.gov.uk/gone.csv",
        format_code="CSV",
    )
    add_distribution(
        dataset,
        title="New",
        access_url="https://example.gov.uk/new.csv",
        download_url="https://example.gov.uk/new.csv",
        format_code="CSV",
    )
    gone = dataset.distributions.get(title="Gone")
    LinkCheck.objects.create(
        distribution=gone, kind="download", url=gone.download_url, reachable=False, status_code=404
    )
    html = client.get(f"/datasets/{dataset.slug}/").content.decode()
    assert "Did not answer (404 Not Found)" in html
    assert "Not checked yet" in html


def test_access_page_is_offered_only_when_it_is_another_page(client, make_dataset, settings):
    dataset = make_dataset("Access links")
    page = f"{settings.PROVCAT_BASE_URI}/datasets/{dataset.slug}/"
    add_distribution(dataset, title="Same page", access_url=page, download_url="https://example.gov.uk/1.csv")
    add_distribution(
        dataset, title="Direct", access_url="https://example.gov.uk/2.csv", download_url="https://example.gov.uk/2.csv"
    )
    add_distribution(
        dataset, title="Portal", access_url="https://example.gov.uk/portal", download_url="https://example.gov.uk/3.csv"
    )
    html = client.get(f"/datasets/{dataset.slug}/").content.decode()
    assert html.count("Access page<span") == 1
    assert '<a class="button button-secondary" href="https://example.gov.uk/portal">Access page' in html
    assert f'href="{page}">Access page' not in html


def test_sizes_are_shown_as_they_are_and_a_different_reported_size_is_named(client, make_dataset):
    dataset = make_dataset("Sizes")
    add_distribution(
        dataset,
        title="Small",
        access_url="https://example.gov.uk/s.csv",
        download_url="https://example.gov.uk/s.csv",
        byte_size=366,
    )
    add_distribution(
        dataset,
        title="Bigger",
        access_url="https://example.gov.uk/b.csv",
        download_url="https://example.gov.uk/b.csv",
        byte_size=1229,
    )
    small = dataset.distributions.get(title="Small")
    LinkCheck.objects.create(
        distribution=small, kind="download", url=small.download_url, reachable=True, status_code=200, byte_size=512
    )
    html = client.get(f"/datasets/{dataset.slug}/").content.decode()
    assert '<span class="size">366\xa0bytes</span>' in html
    assert '<span class="size">1.2\xa0KB</span>' in html
    assert "The publisher gives 366\xa0bytes (366 bytes), but the server reported 512\xa0bytes (512 bytes)" in html


# --- the demo ----------------------------------------------------------------------------------------


def test_the_demo_checks_its_links_so_scores_differ_and_sizes_are_real(client, db, settings, no_sockets):
    settings.PROVCAT_LINK_CHECKS = True  # as in `make run`: the checks go through the app in-process
    call_command("load_demo", stdout=open("/dev/null", "w"))
    published = Dataset.objects.filter(status="published", access_rights="PUBLIC")
    scores = set(published.values_list("quality_score", flat=True))
    assert len(scores) >= 3, scores
    # Every link was checked: nothing waits, and the moved files did not answer.
    assert not Distribution.objects.filter(link_checks__isnull=True).exists()
    broken = LinkCheck.objects.filter(reachable=False, status_code=404, url__contains="/demo/files/archive/")
    assert broken.filter(kind="download").count() == 5
    assert LinkCheck.objects.filter(reachable=True).count() > 40
    # The size the server reported is the size the demo declares.
    for check in LinkCheck.objects.filter(kind="download", reachable=True).select_related("distribution"):
        assert check.byte_size == check.distribution.byte_size, check.url
    # A dataset with a moved file scores below its siblings, and its page says why.
    casualties = Dataset.objects.get(slug="road-casualties")
    html = client.get("/datasets/road-casualties/").content.decode()
    assert "Did not answer (404 Not Found)" in html
    assert casualties.quality_score < Dataset.objects.get(slug="road-traffic-estimates").quality_score
    assert "Provisional." not in html


@pytest.mark.worker
def test_a_real_worker_checks_the_sites_own_links_in_process(celery_worker_process, make_dataset, settings):
    """On PostgreSQL with a worker, as in production: the worker asks this site's own links
    through the app, so they are checked whether or not a web server is listening."""
    from tests.conftest import wait_for

    settings.PROVCAT_LINK_CHECKS = True
    base = settings.PROVCAT_BASE_URI
    dataset = make_dataset("Worker-checked links")
    add_distribution(
        dataset, title="Own", access_url=f"{base}/about/quality/", download_url=f"{base}/demo/files/archive/x.csv"
    )
    checks = wait_for(
        lambda: (
            (found := {c.kind: c for c in LinkCheck.objects.filter(distribution__dataset=dataset)})
            and len(found) == 2
            and found
        )
    )
    assert (checks["access"].reachable, checks["access"].status_code) == (True, 200)
    assert (checks["download"].reachable, checks["download"].status_code) == (False, 404)

    # The worker recorded the score's work in the outbox; the worker's own nudges go to its
    # default queue, not this test's, so drain it here as the periodic sweep would.
    from catalogue.quality.tasks import quality_score_datasets

    assert quality_score_datasets() >= 1
    assessment = QualityAssessment.objects.filter(dataset=dataset).order_by("-computed_at", "-pk").first()
    download = next(i for d in assessment.breakdown for i in d["indicators"] if i["key"] == "download_url_reachable")
    assert (download["points"], download["status"]) == (0, "failed")
