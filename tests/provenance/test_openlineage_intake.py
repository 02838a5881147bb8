"""OpenLineage intake: every published spec version is accepted and becomes lineage; what breaks the
official schema, Provcat's bounds or the body limit is refused with a 400/413 naming the problem;
an event that still cannot be applied is kept as failed and never blocks another."""

import datetime as dt
import gzip
import json
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from openlineage.client import event_v2
from openlineage.client import run as legacy_run
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    data_quality_assertions_dataset,
    data_quality_metrics_input_dataset,
    documentation_job,
    schema_dataset,
    source_code_location_job,
)
from openlineage.client.serde import Serde
from rest_framework.authtoken.models import Token

from provenance.models import DatasetAlias, Derivation, FieldDerivation, OpenLineageEvent
from provenance.tasks import lineage_sweep

VERSIONS = ["1-0-0", "1-0-1", "1-0-2", "1-0-3", "1-0-4", "1-0-5", "2-0-0", "2-0-1", "2-0-2"]


@pytest.fixture
def token(bob):
    return Token.objects.create(user=bob).key


def post(client, body, key, path="/api/v1/lineage", **headers):
    if not isinstance(body, bytes | str):
        body = json.dumps(body)
    return client.post(path, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}", **headers)


def run_event(schema_url="https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent", **overrides):
    event = {
        "eventType": "COMPLETE",
        "eventTime": "2025-03-01T10:00:00.123456789+01:00",  # Marquez's nanosecond fixture, offset kept
        "producer": "https://example.gov/pipelines",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "ns", "name": "job"},
        "inputs": [{"namespace": "ns", "name": "in"}],
        "outputs": [{"namespace": "ns", "name": "out"}],
    }
    if schema_url is not None:
        event["schemaURL"] = schema_url
    event.update(overrides)
    return event


def derived_from(output_name: str, input_name: str) -> bool:
    output = DatasetAlias.objects.get(name=output_name).dataset
    source = DatasetAlias.objects.get(name=input_name).dataset
    return Derivation.objects.current().filter(derived=output, source=source).exists()


# --- every spec version, with and without schemaURL ------------------------------------------


@pytest.mark.parametrize(
    "schema_url",
    [f"https://openlineage.io/spec/{v}/OpenLineage.json#/$defs/RunEvent" for v in VERSIONS]
    + [f"https://openlineage.io/spec/{v}/OpenLineage.json#/definitions/RunEvent" for v in VERSIONS[:6]]
    + [None],
)
def test_run_event_of_every_spec_version_is_accepted_and_becomes_lineage(
    client, token, schema_url, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, run_event(schema_url), token)
    assert response.status_code == 201, response.content
    event = OpenLineageEvent.objects.get()
    assert event.processed_at is not None and event.failed_at is None
    assert event.event_time == dt.datetime(2025, 3, 1, 9, 0, 0, 123456, tzinfo=dt.UTC)
    assert derived_from("out", "in")


@pytest.mark.parametrize("version", ["2-0-0", "2-0-1", "2-0-2", None])
def test_job_event_of_every_version_that_has_them_is_accepted(
    client, token, version, django_capture_on_commit_callbacks
):
    url = f"https://openlineage.io/spec/{version}/OpenLineage.json#/$defs/JobEvent" if version else None
    event = run_event(url)
    del event["run"], event["eventType"]
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, event, token).status_code == 201
    assert OpenLineageEvent.objects.get().kind == OpenLineageEvent.Kind.JOB
    assert derived_from("out", "in")


def test_unknown_spec_version_or_kind_is_refused_listing_the_accepted_ones(client, token):
    response = post(client, run_event("https://openlineage.io/spec/3-0-0/OpenLineage.json#/$defs/RunEvent"), token)
    assert response.status_code == 400
    assert (
        "3-0-0 is not one of 1-0-0, 1-0-1, 1-0-2, 1-0-3, 1-0-4, 1-0-5, 2-0-0, 2-0-1, 2-0-2" in response.json()["error"]
    )
    job_event_too_early = run_event("https://openlineage.io/spec/1-0-5/OpenLineage.json#/$defs/JobEvent")
    assert "1-0-5 has no JobEvent" in post(client, job_event_too_early, token).json()["error"]
    assert not OpenLineageEvent.objects.exists()


# --- the events the openlineage-python client builds -----------------------------------------


def client_run_event() -> event_v2.RunEvent:
    producer = "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/client/python"
    columns = column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            "area": column_lineage_dataset.Fields(
                inputFields=[
                    column_lineage_dataset.InputField(
                        namespace="warehouse",
                        name="raw.census",
                        field="la_code",
                        transformations=[column_lineage_dataset.Transformation(type="DIRECT", subtype="IDENTITY")],
                    )
                ]
            )
        }
    )
    return event_v2.RunEvent(
        eventType=event_v2.RunState.COMPLETE,
        eventTime=dt.datetime.now(dt.UTC).isoformat(),
        run=event_v2.Run(runId=str(uuid.uuid4())),
        job=event_v2.Job(
            namespace="stats",
            name="build_summary",
            facets={
                "documentation": documentation_job.DocumentationJobFacet(description="Sums the census by area."),
                "sourceCodeLocation": source_code_location_job.SourceCodeLocationJobFacet(
                    type="git", url="https://git.example.gov/stats/summary"
                ),
            },
        ),
        producer=producer,
        inputs=[
            event_v2.InputDataset(
                namespace="warehouse",
                name="raw.census",
                facets={
                    "schema": schema_dataset.SchemaDatasetFacet(
                        fields=[schema_dataset.SchemaDatasetFacetFields(name="la_code", type="text")]
                    )
                },
                inputFacets={
                    "dataQualityMetrics": data_quality_metrics_input_dataset.DataQualityMetricsInputDatasetFacet(
                        rowCount=10,
                        columnMetrics={"la_code": data_quality_metrics_input_dataset.ColumnMetrics(nullCount=1)},
                    ),
                    "dataQualityAssertions": data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
                        assertions=[data_quality_assertions_dataset.Assertion(assertion="not_null", success=True)]
                    ),
                },
            )
        ],
        outputs=[event_v2.OutputDataset(namespace="warehouse", name="pub.summary", facets={"columnLineage": columns})],
    )


def test_events_the_python_client_serializes_are_accepted_and_become_lineage(
    client, token, django_capture_on_commit_callbacks
):
    event = client_run_event()
    body = Serde.to_json(event)
    assert json.loads(body)["schemaURL"].endswith("/2-0-2/OpenLineage.json#/$defs/RunEvent")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, gzip.compress(body.encode()), token, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 201, response.content
    assert OpenLineageEvent.objects.get().problems == []
    assert derived_from("pub.summary", "raw.census")
    link = FieldDerivation.objects.get()
    assert (link.source.name, link.derived.name) == ("la_code", "area")


def test_legacy_client_module_events_of_spec_1_0_5_are_accepted(client, token, django_capture_on_commit_callbacks):
    event = legacy_run.RunEvent(
        eventType=legacy_run.RunState.COMPLETE,
        eventTime=dt.datetime.now(dt.UTC).isoformat(),
        run=legacy_run.Run(runId=str(uuid.uuid4())),
        job=legacy_run.Job(namespace="stats", name="old_job"),
        producer="https://example.gov/old-airflow",
        inputs=[legacy_run.Dataset(namespace="warehouse", name="legacy.in")],
        outputs=[legacy_run.Dataset(namespace="warehouse", name="legacy.out")],
    )
    body = Serde.to_json(event)
    assert "/1-0-5/OpenLineage.json#/definitions/RunEvent" in json.loads(body)["schemaURL"]
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, body, token).status_code == 201
    assert derived_from("legacy.out", "legacy.in")


# --- malformed events: a 400 naming the JSON path, nothing stored -----------------------------


def wrongly_typed(path_and_value):
    event = run_event()
    key, value = path_and_value
    if key == "job.facets":
        event["job"]["facets"] = value
    elif key == "columnLineage":
        event["outputs"][0]["facets"] = {"columnLineage": value}
    elif key == "dataQualityMetrics":
        event["inputs"][0]["inputFacets"] = {"dataQualityMetrics": value}
    else:
        event.update({key: value})
    return event


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (("job.facets", "x"), "$.job.facets: 'x' is not of type 'object'"),
        (("columnLineage", "x"), "$.outputs[0].facets.columnLineage: 'x' is not of type 'object'"),
        (
            ("columnLineage", {"fields": {"a": {"inputFields": [{"namespace": "n", "name": 5, "field": "f"}]}}}),
            ("$.outputs[0].facets.columnLineage.fields.a.inputFields[0].name: 5 is not of type 'string'"),
        ),
        (("dataQualityMetrics", [1]), "$.inputs[0].inputFacets.dataQualityMetrics: [1] is not of type 'object'"),
        (("eventType", [1]), "$.eventType: [1] is not of type 'string'"),
        (("eventType", "DONE"), "$.eventType: 'DONE' is not one of"),
        (("inputs", [{"namespace": "ns", "name": 5}]), "$.inputs[0].name: 5 is not of type 'string'"),
        (("producer", 7), "$.producer: 7 is not of type 'string'"),
        (("run", {"runId": "not-a-uuid"}), "$.run.runId: 'not-a-uuid' is not a UUID"),
        (("eventTime", "yesterday"), "$.eventTime: 'yesterday' is not an ISO 8601 date-time"),
        (("eventTime", "9999-12-31T23:59:59-14:00"), "is not between the years 1970 and 2200"),
        (("eventTime", "1066-10-14T09:00:00Z"), "is not between the years 1970 and 2200"),
        (
            ("outputs", [{"namespace": "ns", "name": "x" * 10_000}]),
            ("$.outputs[0].name: 10000 characters is longer than the 500"),
        ),
        (("job", {"namespace": "ns", "name": "j" * 501}), "$.job.name: 501 characters is longer than the 500"),
        (("schemaURL", "https://example.org/whatever.json"), "does not name an OpenLineage event schema"),
    ],
)
def test_malformed_event_is_refused_naming_the_json_path(client, token, change, reason):
    response = post(client, wrongly_typed(change), token)
    assert response.status_code == 400, response.content
    assert reason in response.json()["error"]
    assert not OpenLineageEvent.objects.exists()


def test_nul_characters_are_refused_before_anything_is_stored(client, token):
    # Refused for every route by config/middleware.py before the view runs (PostgreSQL cannot
    # store NUL); the ingest view's own check covers the gzip bodies the middleware cannot read.
    response = post(client, wrongly_typed(("inputs", [{"namespace": "ns", "name": "a\u0000b"}])), token)
    assert response.status_code == 400 and "NUL" in response.content.decode()
    assert not OpenLineageEvent.objects.exists()


def test_a_batch_names_the_event_and_the_path_and_stores_none(client, token):
    events = [run_event() for _ in range(5)]
    events[3]["outputs"][0]["facets"] = {"columnLineage": "x"}
    response = post(client, events, token, path="/api/v1/lineage/batch")
    assert response.status_code == 400
    assert response.json()["error"] == "event 3: $.outputs[0].facets.columnLineage: 'x' is not of type 'object'"
    assert not OpenLineageEvent.objects.exists()


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(client, token, constant):
    body = json.dumps(run_event()).replace('"COMPLETE"', '"COMPLETE", "x": ' + constant)
    response = post(client, body, token)
    assert response.status_code == 400 and constant.lstrip("-") in response.json()["error"]


def test_deeply_nested_json_is_refused_plain_and_gzipped(client, token):
    deep = b"[" * 100_000 + b"]" * 100_000
    squeezed = gzip.compress(deep, 9)
    assert len(squeezed) < 600  # the 452-byte body of the report
    for body, headers in ((deep, {}), (squeezed, {"HTTP_CONTENT_ENCODING": "gzip"})):
        response = post(client, body, token, **headers)
        assert response.status_code == 400 and "nests deeper than" in response.json()["error"]
    nested = run_event()
    nested["run"]["facets"] = {"custom": {"_producer": "p", "_schemaURL": "s", "v": json.loads("[" * 80 + "]" * 80)}}
    response = post(client, nested, token)
    assert response.status_code == 400 and "nests deeper than 64" in response.json()["error"]


def test_fan_out_over_the_bounds_is_refused(client, token, settings):
    many = [{"namespace": "ns", "name": f"in{i}"} for i in range(51)]
    response = post(client, run_event(inputs=many), token)
    assert response.status_code == 400
    assert (
        "$.inputs: 51 datasets is more than 50 per event (OPENLINEAGE_MAX_DATASETS_PER_EVENT)"
        in (response.json()["error"])
    )
    # Within both bounds, but each of 15 inputs derived into each of 15 outputs: 225 derivations.
    fifteen = [{"namespace": "ns", "name": f"d{i}"} for i in range(15)]
    response = post(client, run_event(inputs=fifteen, outputs=fifteen), token)
    assert response.status_code == 400
    assert "15 inputs x 15 outputs is 225 derivations, more than 200 per event" in response.json()["error"]
    # A stray "dataset" key does not make a RunEvent's inputs go uncounted.
    response = post(client, run_event(inputs=many, dataset={"namespace": "ns", "name": "x"}), token)
    assert response.status_code == 400 and "$.inputs: 51 datasets" in response.json()["error"]
    settings.OPENLINEAGE_MAX_COLUMN_LINEAGE_PER_EVENT = 10
    fields = {f"c{i}": {"inputFields": [{"namespace": "ns", "name": "in", "field": f"c{i}"}]} for i in range(6)}
    event = run_event()
    event["outputs"][0]["facets"] = {"columnLineage": {"fields": fields}}
    response = post(client, event, token)
    assert response.status_code == 400 and "12 columns and input fields is more than 10" in response.json()["error"]
    settings.OPENLINEAGE_MAX_QUALITY_RESULTS_PER_EVENT = 5
    event = run_event()
    event["inputs"][0]["inputFacets"] = {
        "dataQualityMetrics": {"rowCount": 10, "columnMetrics": {f"c{i}": {"nullCount": 0} for i in range(4)}},
        "dataQualityAssertions": {"assertions": [{"assertion": "not_null", "success": True}] * 2},
    }
    response = post(client, event, token)
    assert response.status_code == 400
    assert "6 assertions and column metrics is more than 5" in response.json()["error"]
    assert not OpenLineageEvent.objects.exists()


def test_body_over_the_limit_gets_a_json_413_plain_and_gzipped(client, token, settings):
    settings.OPENLINEAGE_MAX_BODY_BYTES = 5000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4000  # Django's own cap, which answers an HTML 400
    event = run_event()
    event["job"]["facets"] = {"documentation": {"description": "x" * 6000}}
    plain = post(client, event, token)
    assert plain.status_code == 413 and plain["Content-Type"] == "application/json"
    assert "larger than 5000 bytes" in plain.json()["error"]
    packed = post(client, gzip.compress(json.dumps(event).encode()), token, HTTP_CONTENT_ENCODING="gzip")
    assert packed.status_code == 413 and "decompressed body is larger than 5000 bytes" in packed.json()["error"]
    assert not OpenLineageEvent.objects.exists()


# --- poison events: kept as failed, shown to admins, never blocking another -------------------


def store_directly(payload, **fields) -> OpenLineageEvent:
    """An event as an earlier release (which checked less) stored it."""
    fields.setdefault("kind", OpenLineageEvent.Kind.RUN)
    fields.setdefault("event_type", "COMPLETE")
    fields.setdefault("run_id", payload.get("run", {}).get("runId", ""))
    fields.setdefault("event_time", dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    event = OpenLineageEvent.objects.create(payload=payload, **fields)
    OpenLineageEvent.objects.filter(pk=event.pk).update(received_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    return event


def test_sweep_applies_the_events_after_a_poison_one_and_keeps_it_failed(bob):
    first = store_directly(
        run_event(inputs=[{"namespace": "ns", "name": "a"}], outputs=[{"namespace": "ns", "name": "b"}])
    )
    poison = run_event(inputs=[{"namespace": "ns", "name": "p"}], outputs=[{"namespace": "ns", "name": "q"}])
    poison["job"]["facets"] = "x"  # got 201 before events were checked against the schema
    poison = store_directly(poison)
    last = store_directly(
        run_event(inputs=[{"namespace": "ns", "name": "c"}], outputs=[{"namespace": "ns", "name": "d"}])
    )
    for event in (first, poison, last):
        OpenLineageEvent.objects.filter(pk=event.pk).update(received_by=bob)

    assert lineage_sweep()["events"] == 3
    first.refresh_from_db(), poison.refresh_from_db(), last.refresh_from_db()
    assert first.processed_at and last.processed_at
    assert derived_from("b", "a") and derived_from("d", "c")
    assert poison.processed_at is None and poison.failed_at is not None
    assert poison.error.startswith("AttributeError") and "Traceback" not in poison.error
    assert not DatasetAlias.objects.filter(name__in=["p", "q"]).exists()  # its half-done writes were undone

    failed_at = poison.failed_at
    assert lineage_sweep()["events"] == 0  # not picked up again: no hot loop
    poison.refresh_from_db()
    assert poison.failed_at == failed_at


def test_the_nudges_of_a_batch_go_on_past_a_poison_event(bob):
    # What a stored batch sets off on commit: one task per event, in order (eager Celery here).
    from provenance.openlineage import _nudge

    poison = run_event(inputs=[{"namespace": "ns", "name": "p"}], outputs=[{"namespace": "ns", "name": "q"}])
    poison["outputs"][0]["facets"] = {"columnLineage": "x"}
    events = [
        store_directly(
            run_event(inputs=[{"namespace": "ns", "name": "a"}], outputs=[{"namespace": "ns", "name": "b"}])
        ),
        store_directly(poison),
        store_directly(
            run_event(inputs=[{"namespace": "ns", "name": "c"}], outputs=[{"namespace": "ns", "name": "d"}])
        ),
    ]
    OpenLineageEvent.objects.update(received_by=bob)
    _nudge([event.pk for event in events])
    assert derived_from("b", "a") and derived_from("d", "c")
    assert OpenLineageEvent.objects.get(pk=events[1].pk).failed_at is not None


@pytest.fixture
def site_admin(db):
    return get_user_model().objects.create_superuser("root", "root@example.gov", "correct-horse-battery")


def test_admin_lists_failed_events_and_can_apply_them_again(client_for, site_admin, bob):
    poison = run_event()
    poison["job"]["facets"] = "x"
    poison = store_directly(poison, received_by=bob)
    lineage_sweep()
    admin = client_for(site_admin)
    page = admin.get("/admin/provenance/openlineageevent/?failed=yes")
    assert (
        page.status_code == 200 and f"/admin/provenance/openlineageevent/{poison.pk}/change/" in page.content.decode()
    )
    detail = admin.get(f"/admin/provenance/openlineageevent/{poison.pk}/change/")
    assert detail.status_code == 200 and "AttributeError" in detail.content.decode()

    # The sender's producer fixed the data; the admin applies the corrected payload again.
    fixed = dict(poison.payload, job={"namespace": "ns", "name": "job"})
    OpenLineageEvent.objects.filter(pk=poison.pk).update(payload=fixed)
    response = admin.post(
        "/admin/provenance/openlineageevent/",
        {"action": "apply_again", "_selected_action": [poison.pk]},
        follow=True,
    )
    assert response.status_code == 200
    poison.refresh_from_db()
    assert poison.failed_at is None and poison.error == "" and poison.processed_at is not None
    assert derived_from("out", "in")


def test_admin_event_list_renders_with_an_event_time_in_year_10000(client_for, site_admin, bob):
    event = store_directly(run_event(eventTime="9999-12-31T23:59:59-14:00"), received_by=bob)
    with connection.cursor() as cursor:  # what an earlier release stored for that time
        cursor.execute(
            "UPDATE provenance_openlineageevent SET event_time = %s WHERE id = %s",
            ["10000-01-01 13:59:59+00:00" if connection.vendor == "postgresql" else "10000-01-01 13:59:59", event.pk],
        )
    admin = client_for(site_admin)
    assert admin.get("/admin/provenance/openlineageevent/").status_code == 200
    detail = admin.get(f"/admin/provenance/openlineageevent/{event.pk}/change/")
    assert detail.status_code == 200 and "9999-12-31T23:59:59-14:00" in detail.content.decode()
    lineage_sweep()  # the worker does not stop on it either
    assert not OpenLineageEvent.objects.filter(pk=event.pk, processed_at__isnull=True, failed_at__isnull=True).exists()
