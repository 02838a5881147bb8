"""Stored RDF follows every change, survives a lost nudge, and the change feed tells harvesters."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from catalogue import outbox, services
from catalogue.actors import system_actor
from catalogue.dcat import tasks as rdf_tasks
from catalogue.models import Dataset, DerivedWork, RdfRecord
from provenance import services as provenance_services
from tests.catalogue.dcat_data import derive, full_dataset

pytestmark = pytest.mark.django_db


def turtle_of(client, dataset) -> str:
    response = client.get(f"/datasets/{dataset.slug}.ttl")
    assert response.status_code == 200
    return response.content.decode()


def test_each_kind_of_change_reaches_the_served_rdf(client, ohs, dft, alice):
    tests = system_actor("tests")
    dataset = full_dataset(ohs, "Hospital admissions")
    source = full_dataset(dft, "Road casualties", keywords=("roads",))
    record = RdfRecord.objects.get(dataset=dataset)
    assert record.in_catalogue and "Hospital admissions" in record.turtle

    keywords = [*dataset.keywords.values_list("name", flat=True), "beds"]
    services.dataset_update(dataset=dataset, user=alice, data={}, keywords=keywords, expected_revision=None)
    assert '"beds"@en' in turtle_of(client, dataset)

    services.field_save(
        dataset=dataset, user=alice, data={"name": "bed_days", "title": "Bed days", "datatype": "integer"}
    )
    assert '"bed_days"' in turtle_of(client, dataset)

    derivation = derive(dataset, source)
    assert source.uri in turtle_of(client, dataset)

    services.organisation_update(
        organisation=dft, user=system_actor("tests"), data={"name": "Department for Transport and Roads"}
    )
    assert "Department for Transport and Roads" in turtle_of(client, source)

    # The source leaves the catalogue: the derived dataset stops naming it.
    services.dataset_update(
        dataset=source, user=tests, data={"access_rights": Dataset.AccessRights.RESTRICTED}, expected_revision=None
    )
    assert source.uri not in turtle_of(client, dataset)

    provenance_services.derivation_remove(derivation=derivation, user=tests)
    assert "wasDerivedFrom" not in turtle_of(client, dataset)


def test_refresh_request_commits_or_rolls_back_with_the_change(make_dataset, alice):
    dataset = make_dataset("Bed occupancy", description="d")
    DerivedWork.objects.all().delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.dataset_update(
            dataset=dataset, user=alice, data={"title": "Bed occupancy (rolled back)"}, expected_revision=None
        )
        assert DerivedWork.objects.filter(kind=DerivedWork.Kind.RDF, target_id=dataset.pk).exists()
        raise RuntimeError("the change fails")
    assert not DerivedWork.objects.filter(kind=DerivedWork.Kind.RDF, target_id=dataset.pk).exists()


def test_a_lost_nudge_is_finished_by_the_sweep(client, ohs, alice, monkeypatch):
    dataset = full_dataset(ohs, "Hospital admissions")
    assert "Hospital admissions" in turtle_of(client, dataset)

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(rdf_tasks.rdf_refresh, "apply_async", broker_down)
    services.dataset_update(
        dataset=dataset, user=alice, data={"title": "Hospital admissions, England"}, expected_revision=None
    )
    # The change is saved, the nudge was lost, the request waits in the database.
    assert Dataset.objects.get(pk=dataset.pk).title == "Hospital admissions, England"
    assert DerivedWork.objects.filter(kind=DerivedWork.Kind.RDF, target_id=dataset.pk).exists()
    assert "Hospital admissions, England" not in turtle_of(client, dataset)

    # The periodic sweep takes rows older than 10 s; these are younger, so sweep without the wait.
    assert outbox.sweep(min_age_seconds=0)[DerivedWork.Kind.RDF] >= 1
    assert "Hospital admissions, England" in turtle_of(client, dataset)
    assert not DerivedWork.objects.exists()


def test_rdf_refresh_command_builds_records_written_without_signals(client, ohs):
    # A bulk load that bypasses the services on purpose (as bench.generate does): nothing
    # records derived work, so only `manage.py rdf_refresh --all` builds the records.
    Dataset.objects.bulk_create(
        [
            Dataset(
                title=f"Bulk {n}",
                slug=f"bulk-{n}",
                uri=f"http://example.gov/id/bulk-{n}",
                description="d",
                publisher=ohs,
                status="published",
            )
            for n in range(3)
        ]
    )
    assert client.get("/catalog/dump.nt").streaming_content is not None
    assert "bulk-0" not in b"".join(client.get("/catalog/dump.nt").streaming_content).decode()
    call_command("rdf_refresh", "--all")
    body = b"".join(client.get("/catalog/dump.nt").streaming_content).decode()
    assert all(f"http://example.gov/id/bulk-{n}" in body for n in range(3))


def test_change_feed_reports_created_modified_and_withdrawn(client, make_dataset, alice):
    old = make_dataset("Old series", description="d")
    leaving = make_dataset("Leaving series", description="d")
    deleted = make_dataset("Deleted series", description="d")
    never = make_dataset("Never public", description="d", status=Dataset.Status.DRAFT)
    since = timezone.now()
    new = make_dataset("New series", description="d")
    services.dataset_update(
        dataset=old, user=alice, data={"description": "Revised description"}, expected_revision=None
    )
    services.dataset_withdraw(dataset=leaving, user=alice, reason="Superseded")
    deleted_uri = deleted.uri
    services.dataset_delete(dataset=deleted, user=system_actor("tests"))
    services.dataset_update(dataset=never, user=alice, data={"title": "Never public, renamed"}, expected_revision=None)

    feed = client.get("/catalog/changes", {"since": since.isoformat()}).json()
    changes = {c["uri"]: c["change"] for c in feed["changes"]}
    assert changes == {new.uri: "created", old.uri: "modified", leaving.uri: "withdrawn", deleted_uri: "withdrawn"}
    created = next(c for c in feed["changes"] if c["uri"] == new.uri)
    assert created["rdf"]["ttl"].endswith(f"/datasets/{new.slug}.ttl")

    atom = client.get("/catalog/changes.atom", {"since": since.isoformat()})
    assert atom["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(atom.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)]
    assert "withdrawn: Leaving series" in titles and "created: New series" in titles
    assert not any("Never public" in t for t in titles)

    negotiated = client.get("/catalog/changes", {"since": since.isoformat()}, HTTP_ACCEPT="application/atom+xml")
    assert negotiated["Content-Type"].startswith("application/atom+xml")
    assert client.get("/catalog/changes").status_code == 400
    assert client.get("/catalog/changes", {"since": "last tuesday"}).status_code == 400


def test_change_feed_pages_with_a_cursor(client, make_dataset):
    since = timezone.now() - datetime.timedelta(seconds=1)
    made = {make_dataset(f"Item {n}", description="d").uri for n in range(7)}
    seen, url, params = set(), "/catalog/changes", {"since": since.isoformat(), "limit": 3}
    while url:
        feed = client.get(url, params).json()
        seen |= {c["uri"] for c in feed["changes"]}
        url, params = (feed["next"].replace("http://testserver", ""), None) if feed["next"] else (None, None)
    assert seen == made


@pytest.mark.worker
def test_a_real_worker_refreshes_the_stored_rdf_after_commit(celery_worker_process, make_dataset, alice):
    from tests.conftest import wait_for

    dataset = make_dataset("Ambulance response times", description="d")
    record = wait_for(lambda: RdfRecord.objects.filter(dataset_pk=dataset.pk, in_catalogue=True).first())
    assert "Ambulance response times" in record.turtle
    services.dataset_update(
        dataset=dataset, user=alice, data={"title": "Ambulance response times, monthly"}, expected_revision=None
    )
    wait_for(lambda: "monthly" in RdfRecord.objects.get(dataset_pk=dataset.pk).turtle)
    wait_for(lambda: not DerivedWork.objects.filter(kind=DerivedWork.Kind.RDF).exists())


def test_a_dataset_made_restricted_is_hidden_even_before_its_record_is_refreshed(client, ohs, alice, monkeypatch):
    kept = full_dataset(ohs, "Hospital admissions")
    leaving = full_dataset(ohs, "Mental health referrals")
    monkeypatch.setattr(
        rdf_tasks.rdf_refresh, "apply_async", lambda *a, **k: (_ for _ in ()).throw(OperationalError("down"))
    )
    services.dataset_update(
        dataset=leaving, user=alice, data={"access_rights": Dataset.AccessRights.RESTRICTED}, expected_revision=None
    )
    assert RdfRecord.objects.get(dataset_pk=leaving.pk).in_catalogue  # stale: the refresh has not run
    for url in ("/catalog.ttl", "/catalog.nt?page_size=1000", "/catalog/dump.ttl", "/catalog/dump.jsonld"):
        body = b"".join(client.get(url).streaming_content).decode()
        assert kept.uri in body and leaving.uri not in body and "Mental health referrals" not in body, url
    assert client.get(f"/datasets/{leaving.slug}.ttl").status_code == 404
    assert client.get("/api/3/action/package_show", {"id": leaving.slug}).status_code == 404
