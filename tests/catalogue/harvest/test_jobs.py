"""Harvest jobs end to end: a remote DCAT-AP catalogue served on 127.0.0.1 harvested into an
organisation, then harvested again unchanged, changed, shrunk and broken."""

import pytest
from django.core.exceptions import PermissionDenied

from catalogue.actors import system_actor
from catalogue.harvest import services
from catalogue.harvest.models import HarvestedDataset, HarvestJob, HarvestSource
from catalogue.harvest.runner import run_job, start_due_jobs
from catalogue.models import Dataset, Distribution, RdfRecord, SearchEntry
from provenance.models import Derivation
from tests.catalogue.harvest.conftest import catalogue_page, dataset_turtle
from tests.writes import organisation_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(ohs, source_server):
    return services.source_save(
        user=system_actor("tests"),
        organisation=ohs,
        data={"name": "Roads catalogue", "url": source_server.url("/catalog.ttl"), "allow_private_addresses": True},
    )


def serve_catalogue(server, numbers, *, per_page=2, derived=None, titles=None):
    """The remote catalogue: datasets ``numbers`` over Hydra pages of ``per_page``."""
    derived, titles = derived or {}, titles or {}
    pages = [numbers[i : i + per_page] for i in range(0, len(numbers), per_page)] or [[]]
    for index, chunk in enumerate(pages):
        path = "/catalog.ttl" if index == 0 else f"/catalog.ttl?page={index + 1}"
        next_url = server.url(f"/catalog.ttl?page={index + 2}") if index + 1 < len(pages) else None
        body = catalogue_page(
            [dataset_turtle(n, derived_from=derived.get(n, []), title=titles.get(n)) for n in chunk],
            next_url=next_url,
            total=len(numbers),
            view=server.url(path),
        )
        server.serve(path, body)


def harvest(source) -> dict:
    job = services.job_start(user=system_actor("tests"), source=source, send=False)
    return run_job(job.pk)


def harvested(source):
    return Dataset.objects.filter(harvest__source=source)


def test_first_harvest_brings_in_every_dataset_with_its_parts_and_derivations(source, source_server):
    serve_catalogue(source_server, [1, 2, 3, 4, 5], derived={3: [1, 2]})

    report = harvest(source)

    assert report["status"] == "finished", report
    assert report["counts"] == {"created": 5, "updated": 0, "unchanged": 0, "withdrawn": 0, "failed": 0}
    assert report["progress"]["pages_done"] == 3
    assert report["progress"]["records_total"] == 5
    datasets = harvested(source)
    assert sorted(datasets.values_list("title", flat=True)) == [f"Remote dataset {n}" for n in range(1, 6)]
    one = datasets.get(uri="https://data.example.gov/id/dataset/1")
    assert one.status == Dataset.Status.PUBLISHED
    assert one.publisher == source.organisation
    assert one.licence.code == "OGL_3_0"
    assert sorted(one.keywords.values_list("name", flat=True)) == ["roads", "transport"]
    assert list(one.themes.values_list("code", flat=True)) == ["TRAN"]
    assert one.contact_email == "roads@example.gov"
    dist = Distribution.objects.get(dataset=one)
    assert (dist.access_url, dist.format.code, dist.byte_size) == ("https://files.example.gov/1.csv", "CSV", 1234)
    assert one.harvest.identifier == "https://data.example.gov/id/dataset/1"
    assert one.harvest.source_publisher == "Department of Roads"
    three = datasets.get(uri="https://data.example.gov/id/dataset/3")
    sources = Derivation.objects.current().filter(derived=three).values_list("source__uri", flat=True)
    assert sorted(sources) == ["https://data.example.gov/id/dataset/1", "https://data.example.gov/id/dataset/2"]
    # Each dataset has its history record, and the derived work followed: scored, indexed, in /catalog.
    assert Dataset.history.filter(id=one.pk).count() == 1
    assert all(d.quality_score is not None and d.quality_band for d in harvested(source))
    assert SearchEntry.objects.filter(pk__in=harvested(source).values("pk")).count() == 5
    assert RdfRecord.objects.filter(dataset_pk__in=harvested(source).values("pk"), in_catalogue=True).count() == 5


def test_an_unchanged_source_harvested_again_writes_nothing(source, source_server):
    serve_catalogue(source_server, [1, 2, 3], derived={3: [1]})
    harvest(source)
    before = organisation_snapshot(source.organisation.slug)
    updated_at = dict(harvested(source).values_list("pk", "updated_at"))

    report = harvest(source)

    assert report["status"] == "finished"
    assert report["counts"] == {"created": 0, "updated": 0, "unchanged": 3, "withdrawn": 0, "failed": 0}
    assert organisation_snapshot(source.organisation.slug) == before
    assert dict(harvested(source).values_list("pk", "updated_at")) == updated_at
    assert harvested(source).count() == 3


def test_a_changed_record_is_rewritten_and_only_that_one(source, source_server):
    serve_catalogue(source_server, [1, 2])
    harvest(source)
    parts = list(Distribution.objects.filter(dataset__harvest__source=source).values_list("pk", "uri"))
    serve_catalogue(source_server, [1, 2], titles={2: "Remote dataset 2, revised"})

    report = harvest(source)

    assert report["counts"]["updated"] == 1 and report["counts"]["unchanged"] == 1
    two = harvested(source).get(uri__endswith="/2")
    assert two.title == "Remote dataset 2, revised"
    assert harvested(source).count() == 2
    # Its distribution did not change at the source, so it was left as it was.
    assert list(Distribution.objects.filter(dataset__harvest__source=source).values_list("pk", "uri")) == parts


def test_a_dataset_gone_from_the_source_is_withdrawn_after_a_complete_run_and_comes_back(source, source_server):
    serve_catalogue(source_server, [1, 2, 3])
    harvest(source)
    serve_catalogue(source_server, [1, 3], per_page=5)

    report = harvest(source)

    assert report["counts"]["withdrawn"] == 1
    gone = harvested(source).get(uri__endswith="/2")
    assert gone.status == Dataset.Status.WITHDRAWN
    assert "no longer lists" in gone.withdrawn_reason
    assert harvested(source).filter(status=Dataset.Status.PUBLISHED).count() == 2

    serve_catalogue(source_server, [1, 2, 3], per_page=5)
    report = harvest(source)
    assert report["counts"]["updated"] == 1
    assert harvested(source).get(uri__endswith="/2").status == Dataset.Status.PUBLISHED


def test_a_failed_run_withdraws_nothing_and_changes_nothing(source, source_server):
    serve_catalogue(source_server, [1, 2, 3, 4])
    harvest(source)
    before = organisation_snapshot(source.organisation.slug)
    # Page 1 now lists fewer datasets, page 2 is broken Turtle.
    source_server.serve(
        "/catalog.ttl",
        catalogue_page([dataset_turtle(1, title="Changed")], next_url=source_server.url("/catalog.ttl?page=2")),
    )
    source_server.serve("/catalog.ttl?page=2", "@prefix dct: <http://purl.org/dc/terms/> .\n<x> dct:title 'unclosed .")

    report = harvest(source)

    assert report["status"] == "failed"
    assert "Turtle" in report["error"]
    assert organisation_snapshot(source.organisation.slug) == before
    assert harvested(source).filter(status=Dataset.Status.PUBLISHED).count() == 4


def test_one_bad_record_fails_alone_and_the_others_go_in(source, source_server):
    serve_catalogue(source_server, [1, 2, 3], titles={2: "x" * 400})

    report = harvest(source)

    assert report["status"] == "finished"
    assert report["counts"]["created"] == 2 and report["counts"]["failed"] == 1
    [error] = report["record_errors"]
    assert error["identifier"] == "https://data.example.gov/id/dataset/2"
    assert "title" in error["reason"] and "300" in error["reason"]
    assert harvested(source).count() == 2


def test_a_record_whose_uri_belongs_to_another_dataset_is_refused_not_overwritten(source, source_server, make_dataset):
    local = make_dataset("Local roads", uri="https://data.example.gov/id/dataset/1")
    serve_catalogue(source_server, [1, 2])

    report = harvest(source)

    assert report["counts"]["created"] == 1 and report["counts"]["failed"] == 1
    assert "already in the catalogue" in report["record_errors"][0]["reason"]
    local.refresh_from_db()
    assert local.title == "Local roads" and not HarvestedDataset.objects.filter(dataset=local).exists()


def test_a_source_listing_a_dataset_twice_keeps_one(source, source_server):
    source_server.serve("/catalog.ttl", catalogue_page([dataset_turtle(1)]) + dataset_turtle(1, title="Twin"))
    report = harvest(source)
    assert harvested(source).count() == 1
    assert report["status"] == "finished"


def test_harvested_datasets_are_locked_to_local_editors_until_an_admin_detaches_them(source, source_server, alice, bob):
    from catalogue import access
    from catalogue import services as catalogue_services

    serve_catalogue(source_server, [1])
    harvest(source)
    dataset = harvested(source).get()
    assert not access.can_edit_dataset(bob, dataset)
    with pytest.raises(PermissionDenied):
        catalogue_services.dataset_update(dataset=dataset, user=bob, data={"title": "Mine"}, expected_revision=None)
    with pytest.raises(PermissionDenied):
        services.dataset_detach(user=bob, dataset=dataset)

    services.dataset_detach(user=alice, dataset=dataset)

    dataset = Dataset.objects.get(pk=dataset.pk)
    assert access.can_edit_dataset(bob, dataset)
    catalogue_services.dataset_update(dataset=dataset, user=bob, data={"title": "Mine"}, expected_revision=None)
    # The next harvest leaves a detached dataset alone.
    serve_catalogue(source_server, [1], titles={1: "From the source"})
    harvest(source)
    assert Dataset.objects.get(pk=dataset.pk).title == "Mine"


def test_only_one_job_of_a_source_is_active_at_a_time(source):
    actor = system_actor("tests")
    first = services.job_start(user=actor, source=source, send=False)
    with pytest.raises(services.JobAlreadyActive):
        services.job_start(user=actor, source=source, send=False)
    services.job_cancel(user=actor, job=first)
    assert HarvestJob.objects.get(pk=first.pk).status == "cancelled"
    services.job_start(user=actor, source=source, send=False)


def test_a_job_cancelled_while_running_stops_and_withdraws_nothing(source, source_server, monkeypatch):
    from catalogue.harvest import runner

    serve_catalogue(source_server, [1, 2, 3])
    harvest(source)
    serve_catalogue(source_server, [1], per_page=1)
    job = services.job_start(user=system_actor("tests"), source=source, send=False)
    original = runner.JobRun.save_progress

    def cancel_after_first_page(self):
        original(self)
        if self.job.pages_done == 1:
            HarvestJob.objects.filter(pk=self.job.pk).update(cancel_requested=True)

    monkeypatch.setattr(runner.JobRun, "save_progress", cancel_after_first_page)
    report = run_job(job.pk)
    assert report["status"] == "cancelled"
    assert harvested(source).filter(status=Dataset.Status.PUBLISHED).count() == 3


def test_only_admins_of_the_organisation_manage_its_sources(ohs, alice, bob, charlie):
    data = {"name": "Elsewhere", "url": "https://data.example.org/catalog.ttl"}
    for user in (bob, charlie):
        with pytest.raises(PermissionDenied):
            services.source_save(user=user, organisation=ohs, data=data)
    source = services.source_save(user=alice, organisation=ohs, data=data)
    with pytest.raises(PermissionDenied):
        services.source_save(user=alice, organisation=ohs, data={"allow_private_addresses": True}, source=source)
    with pytest.raises(PermissionDenied):
        services.job_start(user=bob, source=source, send=False)


def test_beat_starts_due_sources_only_and_fails_jobs_whose_worker_died(ohs, source_server, settings):
    from datetime import timedelta

    from django.utils import timezone

    actor = system_actor("tests")
    make = lambda name, **extra: services.source_save(  # noqa: E731
        user=actor,
        organisation=ohs,
        data={"name": name, "url": source_server.url(f"/{name}.ttl"), "allow_private_addresses": True, **extra},
    )
    due = make("due", schedule="daily")
    make("manual", schedule="manual")
    make("disabled", schedule="daily", enabled=False)
    recent = make("recent", schedule="daily")
    HarvestJob.objects.create(source=recent, status="finished", created_at=timezone.now() - timedelta(hours=2))
    stuck_source = make("stuck", schedule="weekly")
    stuck = HarvestJob.objects.create(
        source=stuck_source, status="running", heartbeat_at=timezone.now() - timedelta(hours=1)
    )

    started = start_due_jobs()

    assert [HarvestJob.objects.get(pk=pk).source for pk in started] == [due]
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "stopped reporting" in stuck.error
    assert HarvestSource.objects.count() == 5


def test_a_page_identical_to_last_time_is_not_read_again_unless_its_records_changed_here(
    source, source_server, monkeypatch
):
    from catalogue.harvest import dcat_reader

    serve_catalogue(source_server, [1, 2, 3, 4])
    harvest(source)
    reads = []
    original = dcat_reader.read_dcat_page
    monkeypatch.setattr(dcat_reader, "read_dcat_page", lambda *a, **k: reads.append(k["url"]) or original(*a, **k))

    report = harvest(source)
    assert reads == []
    assert report["counts"] == {"created": 0, "updated": 0, "unchanged": 4, "withdrawn": 0, "failed": 0}
    assert report["progress"]["pages_done"] == 2 and report["progress"]["records_done"] == 4

    # A dataset deleted here (by a site administrator) makes its page be read again, and it comes back.
    from catalogue import services as catalogue_services

    catalogue_services.dataset_delete(dataset=harvested(source).get(uri__endswith="/3"), user=system_actor("tests"))
    report = harvest(source)
    assert reads == [source_server.url("/catalog.ttl?page=2")]
    assert report["counts"] == {"created": 1, "updated": 0, "unchanged": 3, "withdrawn": 0, "failed": 0}
    assert harvested(source).count() == 4


def test_the_links_of_harvested_distributions_are_checked_like_any_others(source, source_server, settings):
    from catalogue.models import LinkCheck

    settings.PROVCAT_LINK_CHECKS = True
    settings.PROVCAT_ALLOW_LOOPBACK_FETCH = True  # the files are served by the test's own server
    file_url = source_server.serve("/files/1.csv", "a,b\n1,2\n", "text/csv")
    source_server.serve(
        "/catalog.ttl", catalogue_page([dataset_turtle(1).replace("https://files.example.gov/1.csv", file_url)])
    )

    harvest(source)

    checks = LinkCheck.objects.filter(distribution__dataset__harvest__source=source)
    assert {(c.url, c.reachable, c.status_code) for c in checks} >= {(file_url, True, 200)}
