"""The harvest pages: sources managed by their organisation's admins, jobs with their
progress and report, a source's quality, the origin of a harvested dataset on its page,
and harvested text escaped everywhere it shows."""

import datetime as dt
import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection

from catalogue.harvest.models import HarvestedDataset, HarvestJob, HarvestSource
from catalogue.models import Dataset, Distribution, LinkCheck
from tests.catalogue.harvest.origin_data import harvested, make_job, make_source
from tests.conftest import term
from tests.writes import add_distribution, edit


@pytest.fixture(autouse=True)
def sent_jobs(monkeypatch):
    """The jobs handed to a worker, kept here instead: these tests start jobs, never harvest."""
    from catalogue.harvest.tasks import harvest_run

    sent = []
    monkeypatch.setattr(harvest_run, "apply_async", lambda args=(), kwargs=None, **options: sent.append(args[0]))
    caches["pages"].clear()
    return sent


@pytest.fixture
def source(ohs):
    return make_source(ohs)


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@example.gov", "correct-horse-battery")


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


# -- the list of sources --------------------------------------------------------------------


def test_anyone_sees_the_sources_with_their_latest_job_and_datasets(client_for, anon, source, make_dataset, dft):
    make_job(source, status=HarvestJob.Status.FAILED, error="The source did not answer.")
    latest = make_job(source, status=HarvestJob.Status.FINISHED, created=2)
    harvested(make_dataset("Road traffic counts"), source)
    make_source(dft, name="Rail statistics portal", url="https://rail.example.gov/api/3/action/", kind="ckan")

    html = page(client_for(anon), "/harvest/")
    assert "Transport open data" in html and "Office for Health Statistics" in html
    assert "Rail statistics portal" in html and "CKAN action API" in html
    assert f'href="/harvest/jobs/{latest.pk}/"' in html and "Finished" in html
    assert f'href="/harvest/sources/{source.pk}/quality/"' in html
    row = re.search(r"Transport open data.*?</tr>", html, re.S).group(0)
    assert re.search(r"<td>1</td>", row)  # one dataset kept up to date
    assert "Add a source" not in html and "/edit/" not in html


def test_admins_see_add_and_manage_links_only_for_their_own_sources(client_for, alice, bob, source, dft):
    other = make_source(dft, name="Rail statistics portal", url="https://rail.example.gov/catalog.ttl")
    html = page(client_for(alice), "/harvest/")
    assert "Add a source" in html
    assert f"/harvest/sources/{source.pk}/edit/" in html
    assert f"/harvest/sources/{other.pk}/edit/" not in html
    assert "Add a source" not in page(client_for(bob), "/harvest/")


# -- adding, changing, deleting a source -------------------------------------------------------


def test_an_admin_adds_a_source_for_an_organisation_she_admins(client_for, alice, ohs, dft):
    client = client_for(alice)
    html = page(client, "/harvest/sources/new/")
    assert f'<option value="{ohs.pk}"' in html and f'<option value="{dft.pk}"' not in html
    assert "Only site administrators" not in html and "allow_private_addresses" not in html
    assert "CKAN" in html and "Hydra" in html  # the fields explain themselves

    response = client.post(
        "/harvest/sources/new/",
        {
            "organisation": ohs.pk,
            "name": "Health portal",
            "url": "https://health.example.gov/catalog.jsonld",
            "kind": "dcat",
            "rdf_format": "jsonld",
            "schedule": "weekly",
            "enabled": "on",
        },
    )
    source = HarvestSource.objects.get(name="Health portal")
    assert response.status_code == 302 and response["Location"] == f"/harvest/sources/{source.pk}/"
    assert (source.organisation, source.rdf_format, source.schedule, source.enabled) == (ohs, "jsonld", "weekly", True)
    assert source.created_by == alice and source.allow_private_addresses is False


def test_a_bad_source_is_refused_beside_its_field_and_nothing_is_stored(client_for, alice, ohs, dft):
    client = client_for(alice)
    response = client.post(
        "/harvest/sources/new/",
        {"organisation": ohs.pk, "name": "", "url": "javascript:alert(1)", "kind": "dcat", "schedule": "daily"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html and 'href="#id_name"' in html and 'href="#id_url"' in html
    # Another organisation's id is not among the choices.
    response = client.post(
        "/harvest/sources/new/",
        {"organisation": dft.pk, "name": "DfT", "url": "https://dft.example.gov/catalog.ttl", "kind": "dcat"},
    )
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not HarvestSource.objects.exists()


def test_the_same_address_twice_in_one_organisation_is_refused_with_a_message(client_for, alice, ohs, source):
    response = client_for(alice).post(
        "/harvest/sources/new/",
        {"organisation": ohs.pk, "name": "Again", "url": source.url, "kind": "dcat", "schedule": "daily"},
    )
    assert response.status_code == 400 and "There is a problem" in response.content.decode()
    assert HarvestSource.objects.count() == 1


def test_only_site_administrators_see_and_set_private_addresses(client_for, root, ohs):
    client = client_for(root)
    assert "allow_private_addresses" in page(client, "/harvest/sources/new/")
    client.post(
        "/harvest/sources/new/",
        {
            "organisation": ohs.pk,
            "name": "Local mirror",
            "url": "http://127.0.0.1:8001/catalog.ttl",
            "kind": "dcat",
            "schedule": "manual",
            "allow_private_addresses": "on",
        },
    )
    assert HarvestSource.objects.get(name="Local mirror").allow_private_addresses is True


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_people_who_admin_no_organisation_cannot_add_or_change_sources(request, client_for, persona, source):
    client = client_for(request.getfixturevalue(persona))
    assert client.get("/harvest/sources/new/").status_code == 403
    assert client.get(f"/harvest/sources/{source.pk}/edit/").status_code == 403
    assert client.post(f"/harvest/sources/{source.pk}/harvest/").status_code == 403
    assert client.post(f"/harvest/sources/{source.pk}/enable/", {"enabled": "0"}).status_code == 403
    assert client.post(f"/harvest/sources/{source.pk}/delete/").status_code == 403
    source.refresh_from_db()
    assert source.enabled and not source.jobs.exists()


def test_visitors_who_are_not_signed_in_are_sent_to_sign_in(client, source):
    response = client.get("/harvest/sources/new/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_admin_changes_the_schedule_and_disables_the_source(client_for, alice, source):
    client = client_for(alice)
    html = page(client, f"/harvest/sources/{source.pk}/edit/")
    assert source.url in html
    response = client.post(
        f"/harvest/sources/{source.pk}/edit/",
        {
            "organisation": source.organisation_id,
            "name": source.name,
            "url": source.url,
            "kind": "dcat",
            "schedule": "hourly",
        },
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.schedule == "hourly" and source.enabled is False  # an unticked box

    client.post(f"/harvest/sources/{source.pk}/enable/", {"enabled": "1"})
    source.refresh_from_db()
    assert source.enabled is True


def test_a_source_without_datasets_is_deleted(client_for, alice, source):
    client = client_for(alice)
    assert "Delete the source" in page(client, f"/harvest/sources/{source.pk}/delete/")
    response = client.post(f"/harvest/sources/{source.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/harvest/"
    assert not HarvestSource.objects.exists()


def test_a_source_that_brought_datasets_in_is_not_deleted_and_disabling_is_offered(
    client_for, alice, source, make_dataset
):
    harvested(make_dataset("Road traffic counts"), source)
    client = client_for(alice)
    html = page(client, f"/harvest/sources/{source.pk}/delete/")
    assert "cannot be deleted" in html and "Disable the source" in html
    response = client.post(f"/harvest/sources/{source.pk}/delete/", follow=True)
    assert response.status_code == 200 and "disable it instead" in response.content.decode()
    assert HarvestSource.objects.filter(pk=source.pk).exists()


# -- harvesting by hand, cancelling --------------------------------------------------------


def test_harvest_now_starts_one_job_and_a_second_click_says_one_is_running(client_for, alice, source, sent_jobs):
    client = client_for(alice)
    assert "Harvest now" in page(client, f"/harvest/sources/{source.pk}/")
    response = client.post(f"/harvest/sources/{source.pk}/harvest/")
    job = HarvestJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/harvest/jobs/{job.pk}/"
    assert (job.status, job.requested_by, job.trigger) == ("queued", alice, "manual")
    assert sent_jobs == [job.pk]

    response = client.post(f"/harvest/sources/{source.pk}/harvest/", follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and "already queued" in html
    assert response.redirect_chain[-1][0] == f"/harvest/jobs/{job.pk}/"
    assert HarvestJob.objects.count() == 1 and sent_jobs == [job.pk]
    # The source's page offers to cancel instead of starting another.
    html = page(client, f"/harvest/sources/{source.pk}/")
    assert "Harvest now" not in html and "Cancel the harvest" in html


def test_an_admin_cancels_a_queued_job_and_a_running_one_is_asked_to_stop(client_for, alice, source, dft):
    client = client_for(alice)
    queued = make_job(source, status=HarvestJob.Status.QUEUED)
    client.post(f"/harvest/jobs/{queued.pk}/cancel/")
    queued.refresh_from_db()
    assert queued.status == "cancelled" and queued.finished_at is not None

    running = make_job(source, status=HarvestJob.Status.RUNNING)
    html = client.post(f"/harvest/jobs/{running.pk}/cancel/", follow=True).content.decode()
    running.refresh_from_db()
    assert running.status == "running" and running.cancel_requested and "cancelling" in html.lower()
    # An ended job says so; no error page.
    response = client.post(f"/harvest/jobs/{queued.pk}/cancel/", follow=True)
    assert response.status_code == 200 and "already ended" in response.content.decode()


def test_a_job_of_another_organisations_source_cannot_be_cancelled(client_for, alice, dft):
    job = make_job(make_source(dft), status=HarvestJob.Status.RUNNING)
    assert client_for(alice).post(f"/harvest/jobs/{job.pk}/cancel/").status_code == 403
    job.refresh_from_db()
    assert not job.cancel_requested


# -- the source's jobs and a job's report ---------------------------------------------------


def test_the_source_page_lists_its_jobs_newest_first_with_counts_and_duration(client_for, anon, source):
    for n in range(25):
        make_job(source, created=n)
    html = page(client_for(anon), f"/harvest/sources/{source.pk}/")
    assert "Page 1 of 2" in html and "2 min 5 s" in html
    counts = [int(n) for n in re.findall(r"<td>(\d+)</td><td>0</td><td>0</td><td>0</td><td>0</td>", html)]
    assert counts == list(range(24, 4, -1))  # newest first, 20 a page
    assert "Harvest now" not in html  # anonymous visitors manage nothing


def test_an_active_job_shows_a_progress_bar_and_the_words_for_it(client_for, anon, source):
    job = make_job(
        source, status=HarvestJob.Status.RUNNING, pages_done=3, pages_total=10, records_done=300, records_total=1000
    )
    html = page(client_for(anon), f"/harvest/jobs/{job.pk}/")
    # Reading the pages is the first 30%, writing the records the rest (HarvestJob.percent_done).
    assert '<progress id="job-progress-bar" data-job="bar" max="100" value="51">51%</progress>' in html
    assert "page 3 of 10 · 300 of 1,000 records" in html
    assert ">refresh</a>" in html and "js/harvest-progress.js" in html
    assert f'data-job-api="/api/v1/harvest/jobs/{job.pk}/"' in html


def test_without_totals_the_progress_counts_what_was_read(client_for, anon, source):
    job = make_job(source, status=HarvestJob.Status.RUNNING, pages_done=3, records_done=300)
    html = page(client_for(anon), f"/harvest/jobs/{job.pk}/")
    assert '<progress id="job-progress-bar" data-job="bar" max="100"></progress>' in html  # indeterminate
    assert "page 3 · 300 records" in html


def test_a_finished_job_shows_its_counts_error_and_record_errors_50_a_page(client_for, anon, source):
    errors = [(f"https://portal.example.org/dataset/{n}", f"No title (record {n}).") for n in range(60)]
    job = make_job(
        source,
        status=HarvestJob.Status.FAILED,
        error="The source stopped answering after page 4.",
        created=12,
        updated=3,
        unchanged=1200,
        withdrawn=2,
        failed=60,
        errors=errors,
    )
    client = client_for(anon)
    html = page(client, f"/harvest/jobs/{job.pk}/")
    assert "<progress" not in html and "data-job-active" not in html
    assert "The harvest failed:</strong> The source stopped answering after page 4." in html
    for name, value in (
        ("created", "12"),
        ("updated", "3"),
        ("unchanged", "1,200"),
        ("withdrawn", "2"),
        ("failed", "60"),
    ):
        assert f'<td data-count="{name}">{value}</td>' in html
    assert "2 min 5 s" in html
    assert html.count("<code>https://portal.example.org/dataset/") == 50 and "Page 1 of 2" in html
    second = page(client, f"/harvest/jobs/{job.pk}/?page=2")
    assert second.count("<code>https://portal.example.org/dataset/") == 10 and "No title (record 59)." in second


def test_unknown_sources_and_jobs_are_not_found(client, db):
    for url in ("/harvest/sources/999/", "/harvest/jobs/999/", "/harvest/sources/999/quality/"):
        assert client.get(url).status_code == 404


# -- a harvested dataset's page ---------------------------------------------------------------


@pytest.fixture
def harvested_dataset(make_dataset, source):
    dataset = make_dataset("Road traffic counts")
    harvested(
        dataset,
        source,
        identifier="https://portal.example.org/dataset/road-traffic",
        source_page="https://portal.example.org/datasets/road-traffic",
    )
    return dataset


def test_a_harvested_dataset_says_where_it_came_from(client_for, anon, harvested_dataset, source):
    html = page(client_for(anon), f"/datasets/{harvested_dataset.slug}/")
    origin = re.search(r'<div class="notice harvest-origin".*?</div>', html, re.S).group(0)
    assert f'Harvested from <a href="/harvest/sources/{source.pk}/">Transport open data</a>' in origin
    assert "(Office for Health Statistics)" in origin
    assert "<code>https://portal.example.org/dataset/road-traffic</code>" in origin
    assert 'href="https://portal.example.org/datasets/road-traffic"' in origin and "last harvested" in origin
    assert "Changes are made at the source; an admin of Office for Health Statistics can detach" in origin
    assert "/detach/" not in origin


def test_editors_cannot_edit_a_harvested_dataset_until_an_admin_detaches_it(client_for, alice, bob, harvested_dataset):
    editor, admin = client_for(bob), client_for(alice)
    url = f"/datasets/{harvested_dataset.slug}/"
    html = page(editor, url)
    assert "Edit this dataset" not in html and "/detach/" not in html
    assert editor.get(f"/publish/datasets/{harvested_dataset.slug}/edit/").status_code == 403

    assert f"/harvest/datasets/{harvested_dataset.slug}/detach/" in page(admin, url)
    assert editor.get(f"/harvest/datasets/{harvested_dataset.slug}/detach/").status_code == 403
    assert "cannot be undone" in page(admin, f"/harvest/datasets/{harvested_dataset.slug}/detach/")
    response = admin.post(f"/harvest/datasets/{harvested_dataset.slug}/detach/", follow=True)
    assert "Detached." in response.content.decode()
    origin = HarvestedDataset.objects.get(dataset=harvested_dataset)
    assert origin.detached_by == alice and origin.detached_at is not None

    assert editor.get(f"/publish/datasets/{harvested_dataset.slug}/edit/").status_code == 200
    html = page(editor, url)
    assert "Detached from its source" in html and "Edit this dataset" in html


def test_a_dataset_the_source_stopped_listing_says_so(client_for, anon, harvested_dataset, source):
    from catalogue import services
    from catalogue.actors import system_actor

    services.dataset_withdraw(dataset=harvested_dataset, user=system_actor("harvest"), reason="Left the source.")
    HarvestedDataset.objects.filter(dataset=harvested_dataset).update(withdrawn_by_harvest=True)
    html = page(client_for(anon), f"/datasets/{harvested_dataset.slug}/")
    assert "This dataset has been withdrawn.</strong> Its source, Transport open data, stopped listing it" in html


def test_a_dataset_described_here_has_no_origin_box(client_for, anon, make_dataset):
    html = page(client_for(anon), f"/datasets/{make_dataset().slug}/")
    assert "harvest-origin" not in html and "Harvested from" not in html


# -- a source's quality ----------------------------------------------------------------------


def _source_of(source, make_dataset, n: int, *, offset: int = 0) -> list[Dataset]:
    """``n`` harvested datasets, well described but for dates, sizes, media types and rights;
    every other one without keywords; every fifth one's links do not answer."""
    datasets = []
    for i in range(offset, offset + n):
        dataset = make_dataset(f"Traffic count {i}")
        edit(
            dataset,
            data={
                "contact_name": "Traffic statistics team",
                "spatial_uri": "http://publications.europa.eu/resource/authority/country/GBR",
                "spatial_label": "United Kingdom",
                "temporal_start": dt.date(2020, 1, 1),
            },
            keywords=["traffic"] if i % 2 else [],
            themes=[term("theme", "TRAN")],
        )
        distribution = add_distribution(
            dataset,
            access_url=f"https://portal.example.org/files/{i}",
            download_url=f"https://portal.example.org/files/{i}.csv",
            format_code="CSV",
        )
        for kind, url in (("access", distribution.access_url), ("download", distribution.download_url)):
            LinkCheck.objects.create(distribution=distribution, kind=kind, url=url, reachable=i % 5 != 0)
        harvested(dataset, source)
        datasets.append(dataset)
    return datasets


def test_the_quality_page_shows_the_score_distribution_problems_links_and_weakest(
    client_for, anon, source, make_dataset, ohs
):
    datasets = _source_of(source, make_dataset, 10)
    make_dataset("Described here, not harvested")  # not counted
    html = page(client_for(anon), f"/harvest/sources/{source.pk}/quality/")
    scored = Dataset.objects.filter(pk__in=[d.pk for d in datasets])
    assert all(d.quality_score is not None for d in scored)
    mean = round(sum(d.quality_score for d in scored) / 10)
    assert f'<span class="stat-value">{mean}</span>' in html
    assert '<span class="stat-value">10</span> <span class="stat-label">datasets from this source' in html
    for band in {d.quality_band for d in scored}:
        count = sum(1 for d in scored if d.quality_band == band)
        assert re.search(rf"band-{band}\">[A-Za-z ]+</span>.*?<td>{count}</td>", html, re.S)
    # Every dataset misses a media type; half of them keywords: most common first, with their hints.
    problems = re.search(r'<table class="problems">.*?</table>', html, re.S).group(0)
    assert re.search(r"Media type<span class=\"rule\">Interoperability</span></th><td>10 <span", problems)
    assert re.search(r"Keywords<span class=\"rule\">Findability</span></th><td>5 <span", problems)
    assert "Give the media type: +10" in problems and "Add keywords: +30" in problems
    assert problems.index("Media type") < problems.index("Keywords")
    assert "Themes" not in problems and "Collection method" not in problems  # given; Provcat's own dimension
    # Link checks: 2 of 10 access and download URLs did not answer.
    assert re.search(r"Access URLs</th><td>10</td><td>8 <span class=\"meta\">\(80%\)</span></td><td>2</td>", html)
    assert re.search(r"Download URLs</th><td>10</td><td>8 <span class=\"meta\">\(80%\)</span></td><td>2</td>", html)
    weakest = min(scored, key=lambda d: (d.quality_score, d.title))
    lowest = re.search(r'id="lowest-heading".*?</ol>', html, re.S).group(0)
    assert re.search(r"<li><a [^>]+>([^<]+)</a>", lowest).group(1) == weakest.title == "Traffic count 0"
    assert "Described here, not harvested" not in html


def test_the_quality_page_takes_the_same_queries_for_5_and_25_datasets(
    client_for, anon, source, make_dataset, django_assert_num_queries
):
    client = client_for(anon)
    client.get("/")  # warms what a process loads once
    offset = 0
    for n in (5, 20):
        _source_of(source, make_dataset, n, offset=offset)
        offset += n
        # The source, the bands and mean, the weakest, the problems (in a savepoint that turns
        # PostgreSQL's JIT off: +3), the links.
        with django_assert_num_queries(8 if connection.vendor == "postgresql" else 5):
            response = client.get(f"/harvest/sources/{source.pk}/quality/")
        assert response.status_code == 200


def test_the_most_common_problems_are_those_of_each_datasets_latest_score(source, make_dataset):
    """Counted in SQL on PostgreSQL and in Python on SQLite; either way, the counts are those of
    the indicators each dataset's latest assessment leaves short of full marks."""
    from catalogue.harvest import queries

    _source_of(source, make_dataset, 6)
    datasets = Dataset.objects.filter(harvest__source=source)
    expected: Counter = Counter()
    for dataset in datasets:
        latest = dataset.quality_assessments.order_by("-computed_at", "-id").first()
        for dimension in latest.breakdown:
            if dimension.get("key") == queries.PROVCAT_DIMENSION:
                continue
            for indicator in dimension["indicators"]:
                if indicator["points"] < indicator["max"]:
                    expected[(dimension["label"], indicator["key"])] += 1

    problems = queries._common_problems(datasets, datasets.count())

    assert problems
    assert {(p["dimension"], p["key"]): p["count"] for p in problems}.items() <= expected.items()
    left_out = [
        count
        for indicator, count in expected.items()
        if indicator not in {(p["dimension"], p["key"]) for p in problems}
    ]
    assert min(p["count"] for p in problems) >= max(left_out, default=0)


def test_the_quality_page_counts_only_datasets_the_visitor_may_see(client_for, anon, vera, source, make_dataset):
    _source_of(source, make_dataset, 2)
    harvested(make_dataset("Restricted counts", access_rights=Dataset.AccessRights.RESTRICTED), source)
    assert '<span class="stat-value">2</span>' in page(client_for(anon), f"/harvest/sources/{source.pk}/quality/")
    assert '<span class="stat-value">3</span>' in page(client_for(vera), f"/harvest/sources/{source.pk}/quality/")


# -- harvested text is escaped on every page ------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"onmouseover=alert(1) x="'
JAVASCRIPT_URL = "javascript:alert(1)"


class Links(HTMLParser):
    """Every URL attribute of a page and every event-handler attribute."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction"):
                self.urls.append(value or "")
            if name.startswith("on"):
                self.handlers.append(f"{tag} {name}")


@pytest.fixture
def hostile(ohs, make_dataset, alice):
    """A source, its job and a dataset as a hostile source would have them written."""
    source = make_source(ohs, name=f"Portal {SCRIPT}{ATTRIBUTE}", description=f"About {SCRIPT}")
    job = make_job(
        source,
        status=HarvestJob.Status.FINISHED,
        error=f"Failed {SCRIPT}",
        errors=[(JAVASCRIPT_URL, f"Bad record {SCRIPT}{ATTRIBUTE}"), (f"{SCRIPT}{ATTRIBUTE}", "Missing title")],
    )
    dataset = make_dataset(f"Counts {SCRIPT}{ATTRIBUTE}", description=f"Described {SCRIPT}{ATTRIBUTE}")
    add_distribution(dataset, title=f"File {SCRIPT}", access_url="https://portal.example.org/files/1")
    # The writer stores what the source said; a URL that is no web address must still never become a link.
    Distribution.objects.filter(dataset=dataset).update(access_url=JAVASCRIPT_URL, download_url="JaVaScRiPt:alert(1)")
    Dataset.objects.filter(pk=dataset.pk).update(landing_page=JAVASCRIPT_URL, spatial_uri="javascript:alert(2)")
    harvested(
        dataset,
        source,
        identifier=f"{SCRIPT}{ATTRIBUTE}",
        source_page="java\nscript:alert(1)",
        source_publisher=f"Publisher {SCRIPT}",
        job=job,
    )
    return source, job, Dataset.objects.get(pk=dataset.pk)


def test_harvested_text_is_escaped_and_no_javascript_url_becomes_a_link(client_for, anon, alice, hostile):
    source, job, dataset = hostile
    urls = [
        "/harvest/",
        f"/harvest/sources/{source.pk}/",
        f"/harvest/jobs/{job.pk}/",
        f"/harvest/sources/{source.pk}/quality/",
        f"/datasets/{dataset.slug}/",
    ]
    admin = client_for(alice)
    pages = [(client_for(anon), url) for url in urls] + [
        (admin, f"/harvest/sources/{source.pk}/edit/"),
        (admin, f"/harvest/sources/{source.pk}/delete/"),
        (admin, f"/harvest/datasets/{dataset.slug}/detach/"),
    ]
    for client, url in pages:
        html = page(client, url)
        parser = Links()
        parser.feed(html)
        assert SCRIPT not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
        assert parser.handlers == [], (url, parser.handlers)
        assert not [u for u in parser.urls if re.sub(r"[\s\x00-\x1f]", "", u).lower().startswith("javascript:")], url
    dataset_page = page(client_for(anon), f"/datasets/{dataset.slug}/")
    assert "Access: <code>javascript:alert(1)</code>" in dataset_page  # shown as text, not as a link
    assert "published there by Publisher &lt;script&gt;" in dataset_page
