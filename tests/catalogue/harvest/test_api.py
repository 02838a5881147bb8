"""Harvesting in the REST API: sources, starting and listing jobs, job reports, cancelling;
and a harvested dataset refusing local changes with the reason."""

import json

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalogue.harvest.models import HarvestJob, HarvestSource
from tests.catalogue.harvest.origin_data import harvested, make_job, make_source


@pytest.fixture(autouse=True)
def sent_jobs(monkeypatch):
    """The jobs handed to a worker, kept here instead: these tests start jobs, never harvest."""
    from catalogue.harvest.tasks import harvest_run

    sent = []
    monkeypatch.setattr(harvest_run, "apply_async", lambda args=(), kwargs=None, **options: sent.append(args[0]))
    return sent


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def source(ohs):
    return make_source(ohs)


NEW_SOURCE = {
    "name": "Health portal",
    "url": "https://health.example.gov/api/3/action/",
    "kind": "ckan",
    "organisation": "ohs",
    "schedule": "weekly",
}


def test_anyone_lists_and_reads_sources_with_their_latest_job(source, make_dataset, db):
    job = make_job(source, status=HarvestJob.Status.FAILED)
    harvested(make_dataset("Road traffic counts"), source)
    body = api().get("/api/v1/harvest/sources/").json()
    assert body["count"] == 1
    listed = body["results"][0]
    assert listed["name"] == "Transport open data" and listed["organisation"] == "ohs"
    assert (listed["last_job_id"], listed["last_job_status"], listed["dataset_count"]) == (job.pk, "failed", 1)
    assert api().get(f"/api/v1/harvest/sources/{source.pk}/").json() == listed
    assert api().get("/api/v1/harvest/sources/?organisation=dft").json()["count"] == 0


def test_an_admin_creates_a_source_and_others_may_not(alice, bob, ohs, db):
    response = api(alice).post("/api/v1/harvest/sources/", NEW_SOURCE, format="json")
    assert response.status_code == 201, response.content
    source = HarvestSource.objects.get()
    assert response.json()["id"] == source.pk and response.json()["dataset_count"] == 0
    assert (source.kind, source.schedule, source.organisation, source.created_by) == ("ckan", "weekly", ohs, alice)

    assert api(bob).post("/api/v1/harvest/sources/", {**NEW_SOURCE, "name": "B"}, format="json").status_code == 403
    assert api().post("/api/v1/harvest/sources/", {**NEW_SOURCE, "name": "C"}, format="json").status_code == 401
    assert HarvestSource.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "https://exa mple.gov/<x>"}, "url"),
        ({"kind": "oai-pmh"}, "kind"),
        ({"organisation": "nowhere"}, "organisation"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_source_is_refused_with_the_field_at_fault(alice, ohs, change, field):
    response = api(alice).post("/api/v1/harvest/sources/", {**NEW_SOURCE, **change}, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not HarvestSource.objects.exists()


def test_the_same_address_twice_in_an_organisation_is_refused(alice, source):
    response = api(alice).post("/api/v1/harvest/sources/", {**NEW_SOURCE, "url": source.url}, format="json")
    assert response.status_code == 400 and "already exists" in json.dumps(response.json())
    assert HarvestSource.objects.count() == 1


def test_only_site_administrators_allow_private_addresses(alice, ohs, db):
    local = {**NEW_SOURCE, "url": "http://127.0.0.1:8001/catalog.ttl", "allow_private_addresses": True}
    assert api(alice).post("/api/v1/harvest/sources/", local, format="json").status_code == 403
    root = get_user_model().objects.create_superuser("root", "root@example.gov", "correct-horse-battery")
    response = api(root).post("/api/v1/harvest/sources/", local, format="json")
    assert response.status_code == 201 and response.json()["allow_private_addresses"] is True


def test_an_admin_changes_a_source_with_patch_and_others_may_not(alice, bob, source):
    response = api(alice).patch(f"/api/v1/harvest/sources/{source.pk}/", {"enabled": False}, format="json")
    assert response.status_code == 200 and response.json()["enabled"] is False
    assert api(bob).patch(f"/api/v1/harvest/sources/{source.pk}/", {"enabled": True}, format="json").status_code == 403
    assert api(alice).put(f"/api/v1/harvest/sources/{source.pk}/", NEW_SOURCE, format="json").status_code == 405
    source.refresh_from_db()
    assert source.enabled is False and source.name == "Transport open data"


def test_moving_a_source_to_an_organisation_one_does_not_admin_is_refused(alice, source, dft):
    response = api(alice).patch(f"/api/v1/harvest/sources/{source.pk}/", {"organisation": "dft"}, format="json")
    assert response.status_code == 403
    source.refresh_from_db()
    assert source.organisation.slug == "ohs"


def test_a_source_is_deleted_unless_it_brought_datasets_in(alice, source, make_dataset, ohs):
    kept = make_source(ohs, name="Kept", url="https://kept.example.gov/catalog.ttl")
    harvested(make_dataset("Road traffic counts"), kept)
    client = api(alice)
    assert client.delete(f"/api/v1/harvest/sources/{source.pk}/").status_code == 204
    response = client.delete(f"/api/v1/harvest/sources/{kept.pk}/")
    assert response.status_code == 400 and "disable it instead" in json.dumps(response.json())
    assert list(HarvestSource.objects.values_list("name", flat=True)) == ["Kept"]


def test_starting_a_job_answers_202_with_it_and_409_while_it_is_active(alice, source, sent_jobs):
    client = api(alice)
    response = client.post(f"/api/v1/harvest/sources/{source.pk}/jobs/", {}, format="json")
    assert response.status_code == 202, response.content
    job = HarvestJob.objects.get()
    assert response.json() == json.loads(json.dumps(job.report()))
    assert response.json()["status"] == "queued" and response.json()["progress"]["records_done"] == 0
    assert sent_jobs == [job.pk]

    again = client.post(f"/api/v1/harvest/sources/{source.pk}/jobs/", {}, format="json")
    assert again.status_code == 409 and again.json()["job"] == job.pk and "already queued" in again.json()["detail"]
    assert HarvestJob.objects.count() == 1 and sent_jobs == [job.pk]


def test_a_full_run_can_be_asked_for_a_ckan_source(alice, ohs):
    source = make_source(ohs, url="https://ckan.example.gov/", kind="ckan")
    make_job(source, status=HarvestJob.Status.FINISHED)
    response = api(alice).post(f"/api/v1/harvest/sources/{source.pk}/jobs/", {"incremental": False}, format="json")
    assert response.status_code == 202 and response.json()["incremental"] is False
    response = api(alice).post(f"/api/v1/harvest/jobs/{response.json()['id']}/cancel/")
    response = api(alice).post(f"/api/v1/harvest/sources/{source.pk}/jobs/", {}, format="json")
    assert response.json()["incremental"] is True  # the default once a complete run exists


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_only_the_sources_admins_start_and_cancel_jobs(request, persona, source, sent_jobs):
    client = api(request.getfixturevalue(persona))
    assert client.post(f"/api/v1/harvest/sources/{source.pk}/jobs/", {}, format="json").status_code == 403
    job = make_job(source, status=HarvestJob.Status.RUNNING)
    assert client.post(f"/api/v1/harvest/jobs/{job.pk}/cancel/").status_code == 403
    job.refresh_from_db()
    assert not job.cancel_requested and sent_jobs == [] and HarvestJob.objects.count() == 1


def test_a_sources_jobs_are_listed_newest_first(source, db):
    jobs = [make_job(source, created=n) for n in range(3)]
    body = api().get(f"/api/v1/harvest/sources/{source.pk}/jobs/").json()
    assert body["count"] == 3
    assert [j["id"] for j in body["results"]] == [j.pk for j in reversed(jobs)]
    first = body["results"][0]
    assert first["counts"]["created"] == 2 and first["source"] == source.url and "record_errors" not in first


def test_a_jobs_report_is_the_same_as_the_command_and_page_show(source, db):
    job = make_job(
        source,
        status=HarvestJob.Status.RUNNING,
        pages_done=3,
        pages_total=10,
        records_done=300,
        records_total=1000,
        errors=[("https://portal.example.org/dataset/1", "No title.")],
    )
    body = api().get(f"/api/v1/harvest/jobs/{job.pk}/").json()
    assert body == json.loads(json.dumps(job.report()))
    assert body["progress"]["percent"] == 51
    assert body["record_errors"] == [{"identifier": "https://portal.example.org/dataset/1", "reason": "No title."}]
    assert api().get("/api/v1/harvest/jobs/999999/").status_code == 404


def test_cancelling_a_queued_job_ends_it_and_an_ended_one_answers_409(alice, source):
    job = make_job(source, status=HarvestJob.Status.QUEUED)
    client = api(alice)
    response = client.post(f"/api/v1/harvest/jobs/{job.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = client.post(f"/api/v1/harvest/jobs/{job.pk}/cancel/")
    assert again.status_code == 409 and "already ended" in again.json()["detail"]


@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_harvested_dataset_refuses_local_changes_with_the_reason(bob, alice, make_dataset, source, method):
    dataset = make_dataset("Road traffic counts")
    harvested(dataset, source)
    for user in (bob, alice):
        client = api(user)
        etag = client.get(f"/api/v1/datasets/{dataset.slug}/")["ETag"]
        body = {"title": "Changed here", "publisher": "ohs", "description": "x"}
        response = getattr(client, method)(f"/api/v1/datasets/{dataset.slug}/", body, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 403
        assert "harvested from another catalogue: changes are made at the source" in response.json()["detail"]
        assert "detach" in response.json()["detail"]
    dataset.refresh_from_db()
    assert dataset.title == "Road traffic counts"


def test_the_schema_documents_every_harvest_operation(client, db):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    assert set(paths["/api/v1/harvest/sources/"]) >= {"get", "post"}
    assert set(paths["/api/v1/harvest/sources/{id}/"]) >= {"get", "patch", "delete"}
    assert "put" not in paths["/api/v1/harvest/sources/{id}/"]
    assert set(paths["/api/v1/harvest/sources/{id}/jobs/"]) >= {"get", "post"}
    assert "409" in paths["/api/v1/harvest/sources/{id}/jobs/"]["post"]["responses"]
    assert "get" in paths["/api/v1/harvest/jobs/{id}/"]
    assert "post" in paths["/api/v1/harvest/jobs/{id}/cancel/"]
