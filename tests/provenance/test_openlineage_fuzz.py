"""Hypothesis-generated OpenLineage events, valid and mutated, through ingestion and the applier.

Whatever a producer sends: ingestion answers 201 or a 4xx (never 5xx), every event it
accepts applies without an exception and without a recorded failure, and nothing of an
organisation the sender does not belong to changes. Derandomised and bounded, so the
suite stays well inside CI's time.
"""

import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from catalogue.models import Dataset
from provenance.models import OpenLineageEvent
from provenance.openlineage import openlineage_event_apply
from provenance.services import dataset_alias_add
from tests.writes import actor, add_field, organisation_snapshot

SPEC_VERSIONS = ["1-0-0", "1-0-1", "1-0-2", "1-0-3", "1-0-4", "1-0-5", "2-0-0", "2-0-1", "2-0-2"]
# Datasets the events name: bob's own, the other organisation's public and draft ones, and new ones.
KNOWN = [
    ("postgres://ohs:5432", "public.admissions"),
    ("postgres://dft:5432", "public.roads"),
    ("postgres://dft:5432", "private.rail"),
]
FIELDS = ["region", "count", "la_code", "persons"]
PRODUCERS = [
    "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/client/python",
    "https://github.com/OpenLineage/OpenLineage/tree/0.3.0/integration/airflow",
]


def schema_url(version: str, kind: str) -> str:
    defs = "definitions" if version in ("1-0-0", "1-0-1") else "$defs"
    return f"https://openlineage.io/spec/{version}/OpenLineage.json#/{defs}/{kind}"


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz._-/:0123456789", min_size=1, max_size=30)
dataset_names = st.one_of(st.sampled_from(KNOWN), st.tuples(st.sampled_from(["s3://bucket", "mysql://x"]), names))


@st.composite
def column_lineage(draw):
    return {
        "_producer": PRODUCERS[0],
        "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet",
        "fields": {
            draw(st.sampled_from(FIELDS)): {
                "inputFields": [
                    {"namespace": ns, "name": name, "field": draw(st.sampled_from(FIELDS))}
                    for ns, name in draw(st.lists(dataset_names, min_size=1, max_size=2))
                ]
            }
            for _ in range(draw(st.integers(0, 2)))
        },
    }


@st.composite
def quality_facets(draw):
    facets = {}
    if draw(st.booleans()):
        facets["dataQualityMetrics"] = {
            "_producer": PRODUCERS[0],
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-2/DataQualityMetricsInputDatasetFacet.json#/$defs/DataQualityMetricsInputDatasetFacet",
            "rowCount": draw(st.integers(0, 10**6)),
            "columnMetrics": {
                draw(st.sampled_from(FIELDS)): {"nullCount": draw(st.integers(0, 10**6))},
            },
        }
    if draw(st.booleans()):
        facets["dataQualityAssertions"] = {
            "_producer": PRODUCERS[0],
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet",
            "assertions": [{"assertion": "not_null", "success": draw(st.booleans()), "column": "region"}],
        }
    return facets


@st.composite
def job_facets(draw):
    facets = {}
    if draw(st.booleans()):
        facets["documentation"] = {
            "_producer": PRODUCERS[0],
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DocumentationJobFacet.json#/$defs/DocumentationJobFacet",
            "description": draw(st.text(max_size=40)),
        }
    if draw(st.booleans()):
        facets["sourceCodeLocation"] = {
            "_producer": PRODUCERS[0],
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/SourceCodeLocationJobFacet.json#/$defs/SourceCodeLocationJobFacet",
            "type": "git",
            "url": draw(
                st.sampled_from(["https://github.com/example/etl", "https://github.com/example/etl/tree/main"])
            ),
        }
    return facets


@st.composite
def dataset_ref(draw, output: bool):
    namespace, name = draw(dataset_names)
    facets = draw(quality_facets())
    if output and draw(st.booleans()):
        facets["columnLineage"] = draw(column_lineage())
    return {"namespace": namespace, "name": name, "facets": facets}


@st.composite
def events(draw):
    version = draw(st.sampled_from(SPEC_VERSIONS))
    kind = draw(st.sampled_from(["RunEvent", "RunEvent", "JobEvent", "DatasetEvent"]))
    if kind != "RunEvent" and version < "2-0-0":
        kind = "RunEvent"  # the 1-0-x specs have RunEvent only
    event = {
        "eventTime": draw(
            st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
        ).isoformat(),
        "producer": draw(st.sampled_from(PRODUCERS)),
    }
    if draw(st.booleans()) or version != "2-0-2":
        event["schemaURL"] = schema_url(version, kind)
    if kind == "DatasetEvent":
        event["dataset"] = draw(dataset_ref(output=True))
        return event
    event["job"] = {"namespace": draw(names), "name": draw(names), "facets": draw(job_facets())}
    event["inputs"] = draw(st.lists(dataset_ref(output=False), max_size=3))
    event["outputs"] = draw(st.lists(dataset_ref(output=True), max_size=3))
    if kind == "RunEvent":
        event["run"] = {"runId": str(draw(st.uuids(version=4)))}
        # RUNNING came in spec 1-0-3: the older schemas refuse it, rightly.
        types = ["COMPLETE", "START", "FAIL"] + (["RUNNING"] if version >= "1-0-3" else [])
        event["eventType"] = draw(st.sampled_from(types))
    return event


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


@st.composite
def mutated_events(draw):
    """A valid event with one value somewhere inside it replaced by any JSON value."""
    event = draw(events())
    container, key = event, None
    while True:
        keys = list(container) if isinstance(container, dict) else list(range(len(container)))
        if not keys:
            break
        key = draw(st.sampled_from(keys))
        child = container[key]
        if not isinstance(child, dict | list) or not child or draw(st.booleans()):
            break
        container = child
    if key is not None:
        container[key] = draw(json_values)
    return event


@pytest.fixture
def world(db, bob, dft, make_dataset):
    own = make_dataset("Hospital admissions")
    add_field(own, name="region")
    dataset_alias_add(dataset=own, namespace=KNOWN[0][0], name=KNOWN[0][1], user=actor())
    roads = make_dataset("Road traffic counts", publisher=dft)
    rail = make_dataset("Rail incidents", publisher=dft, status=Dataset.Status.DRAFT)
    for dataset, (namespace, name) in ((roads, KNOWN[1]), (rail, KNOWN[2])):
        add_field(dataset, name="count")
        dataset_alias_add(dataset=dataset, namespace=namespace, name=name, user=actor())
    return {"HTTP_AUTHORIZATION": f"Bearer {Token.objects.create(user=bob).key}"}


def post_and_apply(client, headers, event) -> int:
    response = client.post("/api/v1/lineage", json.dumps(event), content_type="application/json", **headers)
    assert response.status_code < 500, (response.status_code, event)
    assert response.status_code in (201, 400, 413, 429), (response.status_code, response.content[:300])
    apply_stored()
    return response.status_code


def apply_stored() -> None:
    """The worker's part: whatever ingestion accepted applies without an exception escaping,
    and without being set aside as a failed (poison) event either."""
    for event_id in OpenLineageEvent.objects.filter(processed_at=None).values_list("pk", flat=True):
        openlineage_event_apply(event_id=event_id)
    failed = OpenLineageEvent.objects.exclude(failed_at=None).values_list("error", "payload")
    assert not failed, failed[0]


FUZZ_SETTINGS = hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
)


def test_generated_events_are_accepted_and_apply_within_the_senders_organisation(client, world):
    before = organisation_snapshot("dft")
    accepted = []

    @given(event=events())
    @FUZZ_SETTINGS
    def run(event):
        response = client.post("/api/v1/lineage", json.dumps(event), content_type="application/json", **world)
        accepted.append(response.status_code == 201)
        assert response.status_code == 201, (response.content[:500], event)
        apply_stored()

    run()
    # Valid events of every spec version, with and without schemaURL, are accepted ...
    assert accepted and all(accepted)
    # ... and applied, changing nothing of the organisation bob does not belong to.
    assert all(OpenLineageEvent.objects.values_list("processed_at", flat=True))
    assert organisation_snapshot("dft") == before


def test_mutated_events_get_a_4xx_or_apply_cleanly(client, world):
    before = organisation_snapshot("dft")

    @given(event=mutated_events())
    @hypothesis_settings(FUZZ_SETTINGS, max_examples=150)
    def run(event):
        post_and_apply(client, world, event)

    run()
    assert organisation_snapshot("dft") == before
    assert all(OpenLineageEvent.objects.values_list("processed_at", flat=True))


def test_batches_mixing_valid_and_mutated_events_never_5xx(client, world):
    @given(batch=st.lists(st.one_of(events(), mutated_events()), min_size=1, max_size=5))
    @hypothesis_settings(
        max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
    )
    def run(batch):
        response = client.post("/api/v1/lineage/batch", json.dumps(batch), content_type="application/json", **world)
        assert response.status_code < 500, (response.status_code, batch)

    run()
