"""Events applied together in a batch (openlineage_events_apply_pending) leave the catalogue exactly
as applying them one by one, in order (openlineage_event_apply, the reference), leaves it: the
graph, the lineage closure, fields, column lineage, checks, measurements, activities and every
event's state. A poison event in the middle of a batch fails alone, kept with its error."""

import datetime as dt
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from catalogue.models import Dataset, Field, Membership, Organisation, QualityMeasurement, ValidationCheck
from provenance.lineage import lineage_process_pending
from provenance.models import Activity, Agent, DatasetAlias, Derivation, FieldDerivation, LineageEdge, OpenLineageEvent
from provenance.openlineage import openlineage_event_apply, openlineage_events_apply_pending, openlineage_validate
from provenance.tasks import openlineage_apply_pending

SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
T0 = dt.datetime(2025, 6, 1, 8, 0, tzinfo=dt.UTC)


def ref(name, namespace="warehouse", **facets):
    dataset = {"namespace": namespace, "name": name}
    dataset.update(facets)
    return dataset


def run(run_id, inputs, outputs, *, minutes=0, event_type="COMPLETE", **extra):
    event = {
        "eventType": event_type,
        "eventTime": (T0 + dt.timedelta(minutes=minutes)).isoformat(),
        "producer": "https://example.gov/pipelines",
        "schemaURL": SCHEMA,
        "run": {"runId": run_id},
        "job": {"namespace": "etl", "name": "nightly"},
        "inputs": inputs,
        "outputs": outputs,
    }
    event.update(extra)
    return event


def columns(output_field, *sources, description="sum of counts", subtype="AGGREGATION"):
    return {
        "columnLineage": {
            "fields": {
                output_field: {
                    "inputFields": [
                        {
                            "namespace": "warehouse",
                            "name": name,
                            "field": field,
                            "transformations": [{"type": "DIRECT", "subtype": subtype, "description": description}],
                        }
                        for name, field in sources
                    ]
                }
            }
        }
    }


QUALITY = {
    "dataQualityAssertions": {
        "assertions": [
            {"assertion": "not_null", "success": True, "column": "total"},
            {"assertion": "row_count_above_0", "success": False},
        ]
    },
    "dataQualityMetrics": {"rowCount": 200, "columnMetrics": {"total": {"nullCount": 10, "distinctCount": 150}}},
}


def stream(dan_sends):
    """A varied stream: (payload, sender key, stored without the intake's checks)."""
    r1, r2, r3, r4 = (str(uuid.UUID(int=i)) for i in (1, 2, 3, 4))
    job_facets = {
        "documentation": {"description": "Builds the regional totals."},
        "sourceCodeLocation": {"type": "git", "url": "https://git.example.gov/etl/nightly"},
    }
    first = run(
        r1,
        [ref("reg.in")],
        [ref("stage.one", facets={**columns("total", ("reg.in", "count")), **QUALITY})],
        minutes=5,
        job={"namespace": "etl", "name": "nightly", "facets": job_facets},
    )
    second = run(r2, [ref("stage.one")], [ref("stage.two"), ref("reg.out")], minutes=10)
    poison = run(str(uuid.uuid4()), [ref("p")], [ref("q", facets={"columnLineage": "x"})], minutes=11)
    changed = run(
        r1,
        [ref("reg.in")],
        [ref("stage.one", facets=columns("total", ("reg.in", "count"), description="now a mean", subtype="JOIN"))],
        minutes=12,
    )
    job_event = {
        "eventTime": (T0 + dt.timedelta(minutes=13)).isoformat(),
        "producer": "https://example.gov/other-producer",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
        "job": {"namespace": "etl", "name": "reference-data"},
        "inputs": [ref("reg.in")],
        "outputs": [ref("stage.job")],
    }
    dataset_event = {
        "eventTime": (T0 + dt.timedelta(minutes=14)).isoformat(),
        "producer": "https://example.gov/pipelines",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
        "dataset": ref(
            "stage.two", facets={**columns("region", ("stage.one", "total"), subtype="IDENTITY"), **QUALITY}
        ),
    }
    return [
        (run(r1, [ref("reg.in")], [ref("stage.one")], event_type="START"), "bob", False),
        (first, "bob", False),
        (second, "bob", False),
        (second, "bob", False),  # repeated: nothing new
        (poison, "bob", True),  # raises in the applier
        (run(r3, [ref("stage.two")], [ref("stage.one")], minutes=15), "bob", False),  # a cycle: refused
        (changed, "bob", False),  # the same column lineage, another transformation
        (run(r4, [ref("reg.hidden")], [ref("reg.out")], minutes=16), dan_sends, False),  # may not change it
        (job_event, "root", False),
        (dataset_event, "bob", False),
        (run(str(uuid.uuid4()), [ref("stage.two")], [ref("stage.three")], minutes=17, event_type="FAIL"), "bob", False),
        (
            run(
                str(uuid.uuid4()),
                [ref("stage.two", inputFacets={"dataQualityMetrics": {"rowCount": 50, "columnMetrics": {}}})],
                [ref("stage.three"), ref("stage.one")],
                minutes=18,
            ),
            "bob",
            False,
        ),
        (first, "bob", False),  # replayed at the end
    ]


@pytest.fixture
def catalogue(ohs, bob, make_dataset):
    dft = Organisation.objects.create(name="Department for Transport", slug="dft")
    dan = get_user_model().objects.create_user("dan", "dan@example.gov", "correct-horse-battery")
    Membership.objects.create(user=dan, organisation=dft, role=Membership.Role.EDITOR)
    root = get_user_model().objects.create_superuser("root", "root@example.gov", "correct-horse-battery")
    names = {"reg.in": "Register in", "reg.out": "Register out", "reg.hidden": "Register draft"}
    for name, title in names.items():
        status = Dataset.Status.DRAFT if name == "reg.hidden" else Dataset.Status.PUBLISHED
        dataset = make_dataset(title, status=status)
        DatasetAlias.objects.create(namespace="warehouse", name=name, dataset=dataset)
        Field.objects.create(dataset=dataset, name="count", position=0)
    return {"bob": bob, "dan": dan, "root": root}


def store(catalogue):
    """The stream stored as the intake stores it, without the on-commit nudge (applied below)."""
    events = []
    for payload, sender, unchecked in stream("dan"):
        if unchecked:
            fields = {"kind": "run", "event_type": "COMPLETE", "run_id": payload["run"]["runId"], "event_time": T0}
        else:
            fields = openlineage_validate(payload)
        events.append(OpenLineageEvent.objects.create(payload=payload, received_by=catalogue[sender], **fields))
    return events


def snapshot() -> dict:
    """The catalogue as a reader sees it, keyed by names and slugs, not by database ids."""
    activity_uri = {a.pk: a.uri for a in Activity.objects.all()}
    slug = dict(Dataset.objects.values_list("pk", "slug"))
    fields = {f.pk: (slug[f.dataset_id], f.name) for f in Field.objects.all()}
    username = dict(get_user_model().objects.values_list("pk", "username"))
    return {
        "datasets": sorted(Dataset.objects.values_list("slug", "title", "publisher__slug", "status", "access_rights")),
        "aliases": sorted(
            (a.namespace, a.name, slug[a.dataset_id], a.is_stub, tuple(sorted(o.slug for o in a.named_by.all())))
            for a in DatasetAlias.objects.prefetch_related("named_by")
        ),
        "derivations": sorted(
            (slug[d.source_id], slug[d.derived_id], activity_uri.get(d.activity_id), d.description, d.valid_from)
            + (d.valid_to, username.get(d.created_by_id))
            for d in Derivation.objects.all()
        ),
        "closure": sorted((slug[e.ancestor_id], slug[e.descendant_id], e.depth) for e in LineageEdge.objects.all()),
        "fields": sorted(Field.objects.values_list("dataset__slug", "name", "position")),
        "field_lineage": sorted(
            (fields[f.source_id], fields[f.derived_id], f.kind, f.description, activity_uri.get(f.activity_id))
            for f in FieldDerivation.objects.all()
        ),
        "checks": sorted(
            (slug[c.dataset_id], c.name, c.run_at, c.outcome, c.rule, c.run_by, activity_uri.get(c.activity_id))
            for c in ValidationCheck.objects.all()
        ),
        "measurements": sorted(
            QualityMeasurement.objects.values_list("dataset__slug", "metric", "measured_at", "dimension", "value")
        ),
        "activities": sorted(
            Activity.objects.values_list(
                "uri", "kind", "name", "description", "code_reference", "agent__uri", "started_at", "ended_at"
            )
        ),
        "agents": sorted(Agent.objects.values_list("uri", "name", "kind")),
        "events": sorted(
            (e.pk, e.processed_at is not None, e.failed_at is not None, e.error, e.problems)
            for e in OpenLineageEvent.objects.all()
        ),
    }


def test_a_batch_leaves_the_catalogue_as_applying_its_events_one_by_one(catalogue):
    events = store(catalogue)
    before = transaction.savepoint()
    for event in events:
        openlineage_event_apply(event_id=event.pk)
    lineage_process_pending()
    one_by_one = snapshot()
    transaction.savepoint_rollback(before)

    assert openlineage_events_apply_pending(limit=100) == len(events)
    lineage_process_pending()
    together = snapshot()

    for part, expected in one_by_one.items():
        assert together[part] == expected, part
    # The stream is varied enough to mean something.
    assert len(one_by_one["derivations"]) >= 5 and len(one_by_one["closure"]) > len(one_by_one["derivations"])
    assert one_by_one["field_lineage"] and one_by_one["checks"] and one_by_one["measurements"]
    problems = " ".join(p for *_, found in one_by_one["events"] for p in found)
    assert "would make a cycle" in problems and "the sender may not change" in problems


def test_a_poison_event_in_a_batch_fails_alone_kept_with_its_error(catalogue):
    events = store(catalogue)
    poison = events[4]
    assert openlineage_events_apply_pending(limit=100) == len(events)
    poison.refresh_from_db()
    assert poison.processed_at is None and poison.failed_at is not None
    assert poison.error.startswith("AttributeError") and "Traceback" not in poison.error
    assert not DatasetAlias.objects.filter(name__in=["p", "q"]).exists()  # its half-done writes were undone
    others = OpenLineageEvent.objects.exclude(pk=poison.pk)
    assert not others.filter(processed_at__isnull=True).exists() and not others.filter(failed_at__isnull=False).exists()
    # events after the poison one were applied (their stubs and derivations are there)
    assert DatasetAlias.objects.filter(name="stage.job").exists()
    assert Derivation.objects.current().filter(derived__aliases__name="stage.three").exists()
    # and a failed event is not claimed again
    assert openlineage_events_apply_pending(limit=100) == 0


def test_the_worker_claims_in_batches_of_the_setting_until_none_is_pending(catalogue, settings):
    settings.OPENLINEAGE_APPLY_BATCH = 4
    events = store(catalogue)
    assert openlineage_apply_pending.delay().get() == len(events)
    assert not OpenLineageEvent.objects.filter(processed_at__isnull=True, failed_at__isnull=True).exists()


def plain_stream():
    """Events whose derivations a batch checks in memory and writes together: a cycle through a
    derivation recorded before the batch, a duplicate, a cycle of several steps made within the
    batch, and an event that fails after its derivations were checked (its derivation must not
    be written, nor count when the next event is checked for a cycle). The STARTs give runs their
    start only when sent for the same organisation (dan edits for another, root for the site)."""
    r = [str(uuid.UUID(int=100 + i)) for i in range(9)]
    starts = [
        (run(r[0], [], [], minutes=-30, event_type="START"), "bob"),
        (run(r[3], [], [], minutes=-40, event_type="START"), "dan"),
        (run(r[3], [], [], minutes=-35, event_type="START"), "root"),
        (run(r[4], [], [], minutes=-20, event_type="START"), "root"),
        (run(r[4], [], [], minutes=-10, event_type="START"), "bob"),
        (run(r[4], [], [], minutes=-15, event_type="START"), "bob"),
    ]
    return starts + [
        (payload, "bob")
        for payload in [
            run(r[0], [ref("reg.out")], [ref("s.a")], minutes=1),
            run(r[1], [ref("s.a")], [ref("reg.in")], minutes=2),  # reg.in -> reg.out -> s.a: a cycle, 2 steps
            run(r[2], [ref("reg.out")], [ref("s.a")], minutes=3),  # already recorded: nothing new
            run(r[3], [ref("s.a")], [ref("s.b"), ref("s.c")], minutes=4),
            run(r[4], [ref("s.b")], [ref("s.c")], minutes=5),
            run(r[5], [ref("s.c")], [ref("reg.out")], minutes=6),  # s.c is downstream of reg.out: a cycle
            run(r[6], [ref("s.c")], [ref("s.d")], minutes=7),  # fails after its derivations were checked
            run(r[7], [ref("s.d")], [ref("s.c")], minutes=8),  # no cycle: the failed event's derivation is gone
            run(r[8], [ref("s.d")], [ref("reg.in")], minutes=9),
        ]
    ], r[6]


def test_a_batch_checks_derivations_as_one_by_one_across_recorded_and_new_ones(catalogue, monkeypatch):
    from provenance import openlineage
    from provenance.services import derivation_add

    by_alias = {a.name: a.dataset for a in DatasetAlias.objects.select_related("dataset")}
    derivation_add(derived=by_alias["reg.out"], source=by_alias["reg.in"], user=catalogue["root"])
    lineage_process_pending()
    events, faulty = plain_stream()
    stored = [
        OpenLineageEvent.objects.create(payload=payload, received_by=catalogue[sender], **openlineage_validate(payload))
        for payload, sender in events
    ]
    quality = openlineage._Applier.quality

    def fault_after_derivations(self, dataset, facets, activity):
        if self.event.run_id == faulty:
            raise RuntimeError("the applier broke after the derivations")
        return quality(self, dataset, facets, activity)

    monkeypatch.setattr(openlineage._Applier, "quality", fault_after_derivations)
    before = transaction.savepoint()
    for event in stored:
        openlineage_event_apply(event_id=event.pk)
    lineage_process_pending()
    one_by_one = snapshot()
    transaction.savepoint_rollback(before)

    assert openlineage_events_apply_pending(limit=100) == len(stored)
    lineage_process_pending()
    together = snapshot()

    for part, expected in one_by_one.items():
        assert together[part] == expected, part
    problems = [" ".join(found) for *_, found in one_by_one["events"]][6:]
    assert "would make a cycle" in problems[1] and "(2 steps upstream)" in problems[1]
    assert "would make a cycle" in problems[5] and not problems[7]
    failed = [error for _, _, is_failed, error, _ in one_by_one["events"] if is_failed]
    assert failed == ["RuntimeError: the applier broke after the derivations"]
    derived = {(source, target) for source, target, *_ in one_by_one["derivations"]}
    slug = {name: by_alias[name].slug for name in ("reg.in", "reg.out")}
    assert (slug["reg.in"], slug["reg.out"]) in derived and len(derived) == 7
    started = {uri[-36:]: start for uri, *_, start, _ in one_by_one["activities"]}
    r = [str(uuid.UUID(int=100 + i)) for i in (0, 3, 4)]
    minutes = [started[run_id] - T0 for run_id in r]
    assert minutes == [dt.timedelta(minutes=m) for m in (-30, 4, -15)]  # only bob's organisation's STARTs count


def test_a_batch_of_plain_events_writes_its_activities_and_derivations_in_a_few_statements(catalogue, make_dataset):
    """A batch of plain events (catalogued datasets, a new run each) writes its activities,
    derivations, their history and the outbox rows together: as many INSERTs for 20 events as
    for 10 (the closure drained after commit is not part of it), and the events are applied
    under one savepoint, not one each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(70):
        DatasetAlias.objects.create(namespace="warehouse", name=f"d{i}", dataset=make_dataset(f"Bulk {i}"))

    def inserts_for(first: int, count: int) -> int:
        for i in range(first, first + count):
            payload = run(str(uuid.UUID(int=1000 + i)), [ref(f"d{2 * i}")], [ref(f"d{2 * i + 1}")], minutes=i)
            OpenLineageEvent.objects.create(
                payload=payload, received_by=catalogue["bob"], **openlineage_validate(payload)
            )
        with CaptureQueriesContext(connection) as captured:
            assert openlineage_events_apply_pending(limit=100) == count
        written = ("provenance_activity", "provenance_historicalactivity", "provenance_derivation")
        written += ("provenance_historicalderivation", "catalogue_derivedwork")
        inserts = sum(
            q["sql"].startswith(tuple(f'INSERT INTO "{t}"' for t in written)) for q in captured.captured_queries
        )
        savepoints = sum(q["sql"].startswith("SAVEPOINT") for q in captured.captured_queries)
        return inserts, savepoints

    inserts_for(0, 5)  # the first batch also makes the producer's agent
    twenty, ten = inserts_for(5, 20), inserts_for(25, 10)
    assert twenty == ten and ten[0] < 10  # the savepoints too (the outbox drains run after commit)
    assert Derivation.objects.current().filter(derived__aliases__name__startswith="d").count() == 35
