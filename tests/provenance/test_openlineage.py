"""OpenLineage ingestion: the real openlineage-python client posting to a live server, and the API's rules."""

import datetime as dt
import gzip
import json
import uuid

import pytest
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    data_quality_assertions_dataset,
    data_quality_metrics_input_dataset,
)
from openlineage.client.transport.http import HttpConfig, HttpTransport
from rest_framework.authtoken.models import Token

from catalogue.access import can_view_dataset
from catalogue.models import Dataset, Field, QualityMeasurement, ValidationCheck
from provenance.models import Activity, DatasetAlias, Derivation, FieldDerivation, LineageEdge, OpenLineageEvent
from provenance.openlineage import openlineage_event_apply
from provenance.services import dataset_alias_add
from tests.writes import actor, add_field


def alias(dataset, namespace, name):
    return dataset_alias_add(dataset=dataset, namespace=namespace, name=name, user=actor())


SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


@pytest.fixture
def token(bob):
    return Token.objects.create(user=bob).key


def client_for_live(live_server, key, **extra):
    config = {"url": live_server.url + "/", "auth": {"type": "api_key", "apiKey": key}, **extra}
    return OpenLineageClient(transport=HttpTransport(HttpConfig.from_dict(config)))


@pytest.mark.django_db(transaction=True)
def test_real_client_complete_event_with_column_lineage_becomes_dataset_and_column_lineage(
    live_server, make_dataset, token
):
    census = make_dataset("Census extract")
    alias(census, "postgres://stats:5432", "raw.census")
    add_field(census, name="la_code")
    column_facet = column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            "area": column_lineage_dataset.Fields(
                inputFields=[
                    column_lineage_dataset.InputField(
                        namespace="postgres://stats:5432",
                        name="raw.census",
                        field="la_code",
                        transformations=[column_lineage_dataset.Transformation(type="DIRECT", subtype="IDENTITY")],
                    )
                ]
            ),
            "people": column_lineage_dataset.Fields(
                inputFields=[
                    column_lineage_dataset.InputField(
                        namespace="postgres://stats:5432",
                        name="raw.census",
                        field="persons",
                        transformations=[
                            column_lineage_dataset.Transformation(
                                type="DIRECT", subtype="AGGREGATION", description="sum(persons)"
                            )
                        ],
                    )
                ]
            ),
        }
    )
    run_id = str(uuid.uuid4())
    event = RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=now(),
        run=Run(runId=run_id),
        job=Job(namespace="stats-pipelines", name="build_summary"),
        producer="https://example.gov/pipelines",
        inputs=[InputDataset(namespace="postgres://stats:5432", name="raw.census")],
        outputs=[
            OutputDataset(namespace="postgres://stats:5432", name="pub.summary", facets={"columnLineage": column_facet})
        ],
    )
    client_for_live(live_server, token, compression="gzip").emit(event)

    stored = OpenLineageEvent.objects.get(run_id=run_id)
    assert stored.processed_at is not None and stored.problems == []
    summary = DatasetAlias.objects.get(name="pub.summary").dataset  # unknown: a stub was made
    activity = Activity.objects.get(kind=Activity.Kind.OPENLINEAGE_RUN)
    assert activity.name == "stats-pipelines/build_summary"
    derivation = Derivation.objects.current().get(derived=summary)
    assert derivation.source == census and derivation.activity == activity
    assert LineageEdge.objects.filter(ancestor=census, descendant=summary, depth=1).exists()
    lineage = {
        (fd.source.name, fd.derived.name, fd.kind, fd.description)
        for fd in FieldDerivation.objects.select_related("source", "derived")
    }
    assert lineage == {("la_code", "area", "identity", ""), ("persons", "people", "aggregation", "sum(persons)")}
    # persons was not in census's dictionary and Bob (an OHS editor) may add it: census is OHS's.
    assert Field.objects.filter(dataset=census, name="persons").exists()


@pytest.mark.django_db(transaction=True)
def test_real_client_event_without_compression_and_quality_facets(live_server, make_dataset, token, derive):
    source = make_dataset("Admissions raw")
    downstream = make_dataset("Admissions summary")
    derive((source, downstream))
    alias(source, "s3://nhs", "admissions.csv")
    assertions = data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
        assertions=[data_quality_assertions_dataset.Assertion(assertion="not_null", success=False, column="nhs_number")]
    )
    event = RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=now(),
        run=Run(runId=str(uuid.uuid4())),
        job=Job(namespace="nhs", name="validate_admissions"),
        producer="https://example.gov/validator",
        inputs=[
            InputDataset(
                namespace="s3://nhs",
                name="admissions.csv",
                inputFacets={
                    "dataQualityAssertions": assertions,
                    "dataQualityMetrics": data_quality_metrics_input_dataset.DataQualityMetricsInputDatasetFacet(
                        rowCount=200,
                        columnMetrics={
                            "nhs_number": data_quality_metrics_input_dataset.ColumnMetrics(
                                nullCount=10, distinctCount=190
                            )
                        },
                    ),
                },
            )
        ],
        outputs=[],
    )
    client_for_live(live_server, token).emit(event)
    check = ValidationCheck.objects.get(dataset=source)
    assert check.outcome == "fail" and check.name == "not_null (nhs_number)"
    measured = {(m.dimension, m.value, m.unit) for m in QualityMeasurement.objects.filter(dataset=source)}
    assert measured == {("completeness", 0.95, "ratio"), ("uniqueness", 0.95, "ratio")}
    # ...and the dataset built from it now warns.
    from django.test import Client

    page = Client().get(f"/datasets/{downstream.slug}/").content.decode()
    assert "An upstream dataset failed a check" in page


def post(client, body, key, path="/api/v1/lineage", **headers):
    return client.post(path, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}", **headers)


def good_event(**overrides):
    event = {
        "eventType": "COMPLETE",
        "eventTime": now(),
        "producer": "https://example.gov/pipelines",
        "schemaURL": SCHEMA,
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "ns", "name": "job"},
        "inputs": [{"namespace": "ns", "name": "in"}],
        "outputs": [{"namespace": "ns", "name": "out"}],
    }
    event.update(overrides)
    return event


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"eventTime": None}, "$: 'eventTime' is a required property"),
        ({"eventTime": "yesterday"}, "not an ISO 8601"),
        ({"producer": None}, "$: 'producer' is a required property"),
        ({"schemaURL": "https://example.org/whatever.json"}, "does not name an OpenLineage event schema"),
        ({"run": {"runId": "not-a-uuid"}}, "$.run.runId: 'not-a-uuid' is not a UUID"),
        ({"job": {"namespace": "ns"}}, "$.job: 'name' is a required property"),
        ({"job": {"namespace": "ns", "name": " "}}, "$.job.name: a name may not be empty"),
        ({"eventType": "DONE"}, "$.eventType: 'DONE' is not one of"),
        ({"outputs": [{"namespace": "ns"}]}, "$.outputs[0]: 'name' is a required property"),
    ],
)
def test_invalid_event_is_refused_with_a_clear_reason(client, token, change, reason):
    event = {k: v for k, v in {**good_event(), **change}.items() if v is not None}
    response = post(client, json.dumps(event), token)
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert not OpenLineageEvent.objects.exists()


def test_body_that_is_not_json_or_not_gzip_is_refused(client, token):
    assert "not valid JSON" in post(client, "{oops", token).json()["error"]
    response = post(client, b"plain", token, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 400 and "gzip" in response.json()["error"]


def test_gzip_body_is_accepted_and_raw_event_kept(client, token, django_capture_on_commit_callbacks):
    event = good_event()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, gzip.compress(json.dumps(event).encode()), token, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 201
    stored = OpenLineageEvent.objects.get()
    assert stored.payload == event and stored.kind == "run" and stored.processed_at is not None


def test_token_keyword_also_accepted_and_anonymous_or_non_editors_refused(client, token, charlie, vera):
    body = json.dumps(good_event())
    assert client.post("/api/v1/lineage", body, content_type="application/json").status_code in (401, 403)
    response = client.post(
        "/api/v1/lineage", body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert response.status_code == 201
    for user in (charlie, vera):  # signed in but no edit rights anywhere: refused
        key = Token.objects.create(user=user).key
        assert post(client, body, key).status_code == 403


def test_batch_endpoint_stores_all_or_none(client, token, django_capture_on_commit_callbacks):
    events = [good_event(), good_event(eventType="START")]
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, json.dumps(events), token, path="/api/v1/lineage/batch")
    assert response.status_code == 201 and response.json()["accepted"] == 2
    bad = post(client, json.dumps([good_event(), {"eventTime": now()}]), token, path="/api/v1/lineage/batch")
    assert bad.status_code == 400 and bad.json()["error"].startswith("event 1:")
    assert OpenLineageEvent.objects.count() == 2


def test_event_for_a_dataset_the_sender_may_not_edit_is_not_applied_and_says_why(
    client, token, make_dataset, dft, django_capture_on_commit_callbacks
):
    theirs = make_dataset("Road counts", publisher=dft)
    alias(theirs, "ns", "out")
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, json.dumps(good_event()), token).status_code == 201
    assert not Derivation.objects.filter(derived=theirs).exists()
    (problem,) = OpenLineageEvent.objects.get().problems
    assert "may not change" in problem and "road-counts" in problem


def test_replaying_stored_events_changes_nothing(client, token, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, json.dumps(good_event()), token)
    counts = (Derivation.objects.count(), Activity.objects.count(), Dataset.objects.count())
    event = OpenLineageEvent.objects.get()
    OpenLineageEvent.objects.filter(pk=event.pk).update(processed_at=None)
    openlineage_event_apply(event_id=event.pk)
    assert (Derivation.objects.count(), Activity.objects.count(), Dataset.objects.count()) == counts


def test_stub_is_hidden_and_can_be_claimed_by_a_publisher(
    client, token, bob, charlie, anon, ohs, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, json.dumps(good_event()), token)
    stub = DatasetAlias.objects.get(name="out").dataset
    assert stub.status == Dataset.Status.DRAFT
    assert not can_view_dataset(anon, stub) and not can_view_dataset(bob, stub)
    assert client_for(anon).get(f"/datasets/{stub.slug}/").status_code == 404

    refused = client_for(charlie).post(f"/api/v1/lineage/stubs/{stub.slug}/claim", {"organisation": "ohs"})
    assert refused.status_code == 403
    claimed = client_for(bob).post(f"/api/v1/lineage/stubs/{stub.slug}/claim", {"organisation": "ohs"})
    assert claimed.status_code == 200
    stub.refresh_from_db()
    assert stub.publisher == ohs and can_view_dataset(bob, stub)
    assert Derivation.objects.current().filter(derived=stub).exists()  # its lineage comes with it

    page = client_for(bob).get("/lineage/stubs/")
    html = page.content.decode()
    other_stub = DatasetAlias.objects.get(name="in").dataset  # the event's input is still unclaimed
    assert f"/lineage/stubs/{other_stub.slug}/claim" in html
    assert f"/lineage/stubs/{stub.slug}/claim" not in html


def test_job_event_records_static_lineage_with_a_job_activity(client, token, django_capture_on_commit_callbacks):
    event = good_event(schemaURL="https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent")
    del event["run"], event["eventType"]
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, json.dumps(event), token).status_code == 201
    derived = DatasetAlias.objects.get(name="out").dataset
    derivation = Derivation.objects.current().get(derived=derived)
    assert derivation.source == DatasetAlias.objects.get(name="in").dataset
    assert derivation.activity.kind == Activity.Kind.TRANSFORMATION and derivation.activity.name == "ns/job"


def test_dataset_event_with_column_lineage_creates_the_stub_and_its_fields(
    client, token, django_capture_on_commit_callbacks
):
    event = {
        "eventTime": now(),
        "producer": "https://example.gov/catalogue-sync",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
        "dataset": {
            "namespace": "warehouse",
            "name": "marts.rates",
            "facets": {
                "columnLineage": {
                    "fields": {
                        "rate": {
                            "inputFields": [
                                {
                                    "namespace": "warehouse",
                                    "name": "staging.counts",
                                    "field": "n",
                                    "transformations": [{"type": "DIRECT", "subtype": "TRANSFORMATION"}],
                                }
                            ]
                        }
                    }
                }
            },
        },
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, json.dumps(event), token).status_code == 201
    rate = Field.objects.get(dataset__aliases__name="marts.rates", name="rate")
    (link,) = FieldDerivation.objects.filter(derived=rate)
    assert link.source.name == "n" and link.source.dataset.aliases.get().name == "staging.counts"
    assert link.kind == "transformation"


def test_start_event_makes_no_lineage_but_gives_the_run_its_start(client, token, django_capture_on_commit_callbacks):
    run_id = str(uuid.uuid4())
    started = "2025-01-01T10:00:00Z"
    with django_capture_on_commit_callbacks(execute=True):
        post(client, json.dumps(good_event(eventType="START", eventTime=started, run={"runId": run_id})), token)
    assert not Derivation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        post(client, json.dumps(good_event(run={"runId": run_id})), token)
    activity = Activity.objects.get(kind=Activity.Kind.OPENLINEAGE_RUN)
    assert activity.started_at.isoformat().startswith("2025-01-01T10:00:00")
    assert Derivation.objects.current().filter(activity=activity).count() == 1


def test_editor_declares_an_alias_and_events_then_land_on_the_catalogued_dataset(
    client_for, bob, charlie, make_dataset, token, client, django_capture_on_commit_callbacks
):
    admissions = make_dataset("Hospital admissions")
    url = f"/api/v1/datasets/{admissions.slug}/aliases"
    assert client_for(charlie).post(url, {"namespace": "ns", "name": "out"}).status_code == 403
    assert client_for(bob).post(url, {"namespace": "ns", "name": "out"}).status_code == 201
    assert client_for(bob).get(url).json()["aliases"] == [{"namespace": "ns", "name": "out"}]
    with django_capture_on_commit_callbacks(execute=True):
        post(client, json.dumps(good_event()), token)
    assert Derivation.objects.current().get(derived=admissions).source.aliases.get().name == "in"
    assert not DatasetAlias.objects.filter(dataset=admissions, is_stub=True).exists()
