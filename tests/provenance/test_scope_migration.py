"""Migration 0008: stubs and OpenLineage activities made before scoping get their organisation."""

import datetime as dt
import hashlib
import importlib
import uuid

from django.apps import apps

from catalogue.models import mint_uri
from provenance.models import Activity, DatasetAlias, OpenLineageEvent
from provenance.services import dataset_stub_create

migration = importlib.import_module("provenance.migrations.0008_stub_and_activity_scope_existing_data")


def stored(user, payload, **fields):
    return OpenLineageEvent.objects.create(
        payload=payload, received_by=user, event_time=dt.datetime.now(dt.UTC), **fields
    )


def test_existing_stubs_and_activities_take_their_senders_organisation(bob, ohs):
    run_id = str(uuid.uuid4())
    stub = dataset_stub_create(namespace="ns", name="clean")  # as before scoping: named by nobody
    ref = {"namespace": "ns", "name": "clean"}
    stored(bob, {"inputs": [], "outputs": [ref]}, kind="run", run_id=run_id, job_namespace="ns", job_name="job")
    stored(bob, {"inputs": [], "outputs": [ref]}, kind="job", job_namespace="ns", job_name="nightly")
    old_job = hashlib.sha1(b"ns\nnightly").hexdigest()[:16]
    run = Activity.objects.create(name="ns/job", uri=mint_uri("activity", f"openlineage-run-{run_id}"))
    job = Activity.objects.create(name="ns/nightly", uri=mint_uri("activity", f"openlineage-job-{old_job}"))
    other = Activity.objects.create(name="by hand")

    migration.scope_existing_stubs_and_activities(apps, None)

    assert list(DatasetAlias.objects.get(dataset=stub).named_by.all()) == [ohs]
    run.refresh_from_db(), job.refresh_from_db()
    assert run.uri == mint_uri("activity", f"openlineage-run-o{ohs.pk}-{run_id}")
    new_job = hashlib.sha1(f"o{ohs.pk}\nns\nnightly".encode()).hexdigest()[:16]
    assert job.uri == mint_uri("activity", f"openlineage-job-{new_job}")
    assert Activity.objects.get(pk=other.pk).uri == other.uri
