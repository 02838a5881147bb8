"""A run of plain OpenLineage events makes the stubs it names together, before it is applied
(provenance.openlineage._stubs_ahead, provenance.services.dataset_stubs_create). What it leaves
is what applying the events one by one leaves: the same stub datasets (slugs as if made one
after another, clashing names included), aliases, organisations that may claim them, history
and the search entries the outbox's work gives them; and a run that fails undoes the stubs made ahead with the rest."""

import uuid

import pytest
from django.db import transaction

from catalogue.models import Dataset, Membership, Organisation, SearchEntry
from provenance.lineage import lineage_process_pending
from provenance.models import STUB_ORGANISATION_SLUG, DatasetAlias, OpenLineageEvent
from provenance.openlineage import openlineage_event_apply, openlineage_events_apply_pending, openlineage_validate
from provenance.services import dataset_stub_create, dataset_stubs_create
from tests.provenance.test_openlineage_batch import catalogue, ref, run, snapshot  # noqa: F401 (catalogue: a fixture)

pytestmark = pytest.mark.django_db


def stream() -> list[tuple[dict, str]]:
    """Plain events naming many new names: some whose slugs clash (``a b``, ``a_b`` and ``A-B``
    all slugify to ``a-b``; ``register-in`` is an existing dataset's slug), a name two senders
    of different organisations both name, names repeated, and a START that names none."""
    ids = [str(uuid.UUID(int=100 + i)) for i in range(8)]
    return [
        (run(ids[0], [ref("reg.in")], [ref("a b"), ref("a_b")], minutes=1), "bob"),
        (run(ids[1], [ref("a b")], [ref("A-B"), ref("Register in")], minutes=2), "bob"),
        (run(ids[2], [ref("shared.source")], [ref("stage.one")], minutes=3), "dan"),
        (run(ids[3], [ref("shared.source")], [ref("stage.two")], minutes=4), "bob"),
        (run(ids[4], [ref("stage.one")], [ref("never.made")], event_type="START", minutes=5), "bob"),
        (run(ids[5], [ref("stage.two")], [ref("stage.one"), ref("a b")], minutes=6), "root"),
        (run(ids[6], [ref("x" * 300 + ".long")], [ref("y" * 300 + ".long")], minutes=7), "bob"),
        (run(ids[7], [ref("reg.in")], [ref("a b")], minutes=8), "bob"),
    ]


def store(senders, events) -> list[OpenLineageEvent]:
    return [
        OpenLineageEvent.objects.create(payload=payload, received_by=senders[sender], **openlineage_validate(payload))
        for payload, sender in events
    ]


def history() -> dict:
    return {
        "history": sorted(
            (h.slug, h.title, h.history_type, h.history_user_id, h.history_change_reason)
            for h in Dataset.history.filter(publisher__slug=STUB_ORGANISATION_SLUG)
        )
    }


def outcome() -> dict:
    """The stubs' history, and the catalogue once the lineage work is done."""
    made = history()
    lineage_process_pending()
    return {**made, **snapshot()}


def applied_both_ways(senders, events) -> tuple[dict, dict]:
    stored = store(senders, events)
    before = transaction.savepoint()
    for event in stored:
        openlineage_event_apply(event_id=event.pk)
    one_by_one = outcome()
    transaction.savepoint_rollback(before)
    assert openlineage_events_apply_pending(limit=100) == len(stored)
    return one_by_one, outcome()


def test_a_run_makes_its_stubs_together_as_one_by_one_would(catalogue):  # noqa: F811
    dft = Organisation.objects.get(slug="dft")
    assert Membership.objects.filter(user=catalogue["dan"], organisation=dft).exists()
    one_by_one, together = applied_both_ways(catalogue, stream())
    for part, expected in one_by_one.items():
        assert together[part] == expected, part
    stubs = {alias[1]: alias for alias in together["aliases"] if alias[3]}
    # The clashing names got the slugs one after another would, after the existing dataset's.
    assert [stubs[name][2] for name in ("a b", "a_b", "A-B", "Register in")] == [
        "a-b",
        "a-b-2",
        "a-b-3",
        "register-in-2",
    ]
    # Named by the organisations of every sender that named it (bob: ohs, dan: dft; root: none).
    assert stubs["shared.source"][4] == ("dft", "ohs")
    assert "never.made" not in stubs  # a START names no dataset
    assert len([h for h in together["history"] if h[2] == "+"]) == len(stubs) == 9
    # The outbox's work for the stubs was recorded and done: each has its search entry.
    assert SearchEntry.objects.filter(dataset__publisher__slug=STUB_ORGANISATION_SLUG).count() == 9


def test_a_run_that_fails_undoes_the_stubs_made_ahead(catalogue, monkeypatch):  # noqa: F811
    """The fifth event of the run raises while applied: the run's stubs made ahead are undone
    with it, the events are applied one by one, and the failing one alone fails."""
    events = stream()
    poison_payload = events[4 + 1][0]
    real_apply = __import__("provenance.openlineage", fromlist=["_Applier"])._Applier.apply

    def apply(self):
        if self.event.payload == poison_payload:
            raise RuntimeError("this event cannot be applied")
        real_apply(self)

    monkeypatch.setattr("provenance.openlineage._Applier.apply", apply)
    made = []
    real_many = dataset_stubs_create
    monkeypatch.setattr(
        "provenance.openlineage.dataset_stubs_create", lambda names: made.append(len(names)) or real_many(names)
    )
    one_by_one, together = applied_both_ways(catalogue, events)
    assert made and made[0] == 9  # the run made its stubs ahead, then failed and was undone
    for part, expected in one_by_one.items():
        assert together[part] == expected, part
    failed = [e for e in together["events"] if e[2]]
    assert len(failed) == 1 and failed[0][3].startswith("RuntimeError")


def test_many_stubs_equal_stubs_made_one_at_a_time(ohs, dft):
    names = [("warehouse", "t one", [ohs.pk]), ("warehouse", "t_one", [ohs.pk, dft.pk]), ("lake", "T One", [])]
    with transaction.atomic():
        one = [dataset_stub_create(namespace=n, name=m, named_by=o) for n, m, o in names]
        expected = [
            (d.title, d.slug, d.description, d.publisher.slug, d.status, d.access_rights, d.uri.rsplit("/", 1)[0])
            for d in one
        ]
        aliases = sorted(
            (a.namespace, a.name, a.is_stub, sorted(a.named_by.values_list("slug", flat=True)))
            for a in DatasetAlias.objects.all()
        )
        transaction.set_rollback(True)
    many = dataset_stubs_create(names)
    reloaded = [Dataset.objects.get(pk=d.pk) for d in many]
    assert [
        (d.title, d.slug, d.description, d.publisher.slug, d.status, d.access_rights, d.uri.rsplit("/", 1)[0])
        for d in reloaded
    ] == expected
    assert [d.slug for d in reloaded] == ["t-one", "t-one-2", "t-one-3"]
    assert all(d.uri.endswith(str(d.uuid)) for d in reloaded)
    assert (
        sorted(
            (a.namespace, a.name, a.is_stub, sorted(a.named_by.values_list("slug", flat=True)))
            for a in DatasetAlias.objects.all()
        )
        == aliases
    )
    assert Dataset.history.filter(history_type="+").count() == 3
    assert dataset_stubs_create([]) == []


def test_slugs_made_together_are_the_slugs_made_one_after_another(make_dataset):
    """unique_slugs against saving one row after another, with clashes in the catalogue (one
    slug taken up to -11, past the numbered slugs read at once) and within the batch."""
    from catalogue.models import unique_slug, unique_slugs

    make_dataset("Crowded")
    for n in range(2, 12):
        make_dataset(f"Crowded {n}")  # slugs crowded-2 ... crowded-11
    make_dataset("Taken")
    texts = ["Crowded", "taken", "Taken", "Free", "free", "Free 2", "Crowded", "Fresh-2", "fresh", "Fresh", "x" * 150]
    together = unique_slugs(Dataset, texts)
    one_after_another, taken = [], set()
    for text in texts:
        one_after_another.append(unique_slug(Dataset, text, taken=taken))
        taken.add(one_after_another[-1])
    assert together == one_after_another
    assert together[:7] == ["crowded-12", "taken-2", "taken-3", "free", "free-2", "free-2-2", "crowded-13"]
    assert len(set(together)) == len(texts) and all(len(slug) <= 100 for slug in together)
