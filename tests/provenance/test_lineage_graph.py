"""The lineage closure: incremental maintenance equals a full rebuild; cycles are refused."""

import random
from collections import deque
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from catalogue import outbox, services
from catalogue.actors import system_actor
from catalogue.models import DerivedWork
from provenance import lineage
from provenance import services as provenance_services
from provenance.lineage import lineage_process_pending, lineage_rebuild_all
from provenance.models import Derivation, LineageEdge


def derivation_add(**kwargs):
    return provenance_services.derivation_add(user=system_actor("tests"), **kwargs)


def derivation_remove(**kwargs):
    return provenance_services.derivation_remove(user=system_actor("tests"), **kwargs)


def lineage_waiting() -> bool:
    return DerivedWork.objects.filter(kind=DerivedWork.Kind.LINEAGE).exists()


def closure_rows() -> set[tuple[int, int, int]]:
    return set(LineageEdge.objects.values_list("ancestor_id", "descendant_id", "depth"))


def closure_by_bfs() -> set[tuple[int, int, int]]:
    """An independent oracle: shortest path lengths over the current derivations."""
    children: dict[int, set[int]] = {}
    for source, derived in Derivation.objects.current().values_list("source_id", "derived_id"):
        children.setdefault(source, set()).add(derived)
    rows = set()
    for start in children:
        seen, queue = {start: 0}, deque([start])
        while queue:
            node = queue.popleft()
            for child in children.get(node, ()):
                if child not in seen:
                    seen[child] = seen[node] + 1
                    queue.append(child)
                    rows.add((start, child, seen[child]))
    return rows


@pytest.fixture
def datasets(make_dataset):
    return [make_dataset(f"Dataset {i}") for i in range(14)]


def test_incremental_closure_equals_full_rebuild_on_random_graphs(datasets, monkeypatch):
    # The nudges sent on commit are held back (as by a busy broker): the lineage worker runs
    # only when the test says, at random moments, so it sees batches of waiting changes.
    monkeypatch.setattr(outbox, "task_send_quietly", lambda task, *args, **kwargs: True)
    for seed in range(30):
        rng = random.Random(seed)
        # A clean slate for each graph, past the services on purpose; the closure is rebuilt by hand.
        Derivation.objects.all().delete()
        DerivedWork.objects.filter(kind=DerivedWork.Kind.LINEAGE).delete()
        lineage_rebuild_all()
        # A random order makes random DAGs; adds against the order are refused as cycles.
        order = datasets[:]
        rng.shuffle(order)
        for _ in range(rng.randint(10, 45)):
            current = list(Derivation.objects.current())
            if current and rng.random() < 0.3:
                derivation_remove(derivation=rng.choice(current))
            else:
                source, derived = rng.sample(order, 2)
                try:
                    derivation_add(derived=derived, source=source)
                except ValidationError:
                    pass  # a duplicate or a cycle: refused, graph unchanged
            if rng.random() < 0.35:  # the worker runs at random moments, seeing batches of changes
                lineage_process_pending(batch_size=rng.randint(1, 4))
        lineage_process_pending()
        incremental = closure_rows()
        assert incremental == closure_by_bfs(), f"seed {seed}"
        lineage_rebuild_all()
        assert closure_rows() == incremental, f"seed {seed}"
        assert not lineage_waiting()


def test_derivation_that_would_close_a_cycle_is_refused_with_a_clear_message(datasets):
    a, b, c = datasets[:3]
    derivation_add(derived=b, source=a)
    derivation_add(derived=c, source=b)
    with pytest.raises(ValidationError) as refused:
        derivation_add(derived=a, source=c)
    message = " ".join(refused.value.messages)
    assert "cycle" in message and a.title in message and c.title in message
    assert not Derivation.objects.filter(derived=a, source=c).exists()


def test_self_and_duplicate_derivations_are_refused(datasets):
    a, b = datasets[:2]
    with pytest.raises(ValidationError, match="itself"):
        derivation_add(derived=a, source=a)
    derivation_add(derived=b, source=a)
    with pytest.raises(ValidationError, match="already recorded"):
        derivation_add(derived=b, source=a)


def test_removed_derivation_is_kept_with_valid_to_and_leaves_the_graph(datasets):
    a, b, c = datasets[:3]
    first = derivation_add(derived=b, source=a)
    derivation_add(derived=c, source=b)
    lineage_process_pending()
    assert (a.pk, c.pk, 2) in closure_rows()
    derivation_remove(derivation=first)
    lineage_process_pending()
    first.refresh_from_db()
    assert first.valid_to is not None
    assert {(b.pk, c.pk, 1)} == closure_rows()


def test_rebuild_lineage_command_rebuilds_from_derivations(datasets):
    a, b, c = datasets[:3]
    derivation_add(derived=b, source=a)
    derivation_add(derived=c, source=b)
    LineageEdge.objects.all().delete()  # the closure lost, as after a restore of the derivations alone
    call_command("rebuild_lineage")
    assert closure_rows() == {(a.pk, b.pk, 1), (b.pk, c.pk, 1), (a.pk, c.pk, 2)}


def test_admin_edit_of_a_derivation_moves_the_graph(datasets, client_for, django_user_model):
    a, b, c = datasets[:3]
    derivation = derivation_add(derived=b, source=a)
    lineage_process_pending()
    admin = django_user_model.objects.create_superuser("root", "root@example.gov", "pw")
    client = client_for(admin)
    response = client.post(
        f"/admin/provenance/derivation/{derivation.pk}/change/",
        {
            "derived": b.pk,
            "source": c.pk,
            "activity": "",
            "description": "",
            "valid_from_0": derivation.valid_from.strftime("%Y-%m-%d"),
            "valid_from_1": derivation.valid_from.strftime("%H:%M:%S"),
            "valid_to_0": "",
            "valid_to_1": "",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    lineage_process_pending()
    assert closure_rows() == {(c.pk, b.pk, 1)}


def test_deleting_a_dataset_takes_it_out_of_the_graph(datasets):
    a, b, c = datasets[:3]
    derivation_add(derived=b, source=a)
    derivation_add(derived=c, source=b)
    lineage_process_pending()
    services.dataset_delete(dataset=b, user=system_actor("tests"))
    lineage_process_pending()
    assert closure_rows() == set()


@pytest.fixture(params=["native", "portable"])
def region_recompute(request, monkeypatch):
    """Removals recomputed by this database's own region statement, or by the portable one (SQLite's)."""
    if request.param == "portable":
        monkeypatch.setattr(lineage, "_recompute_region", lineage._recompute_region_portable)
    return request.param


def assert_closure_is_fresh(step: str) -> set[tuple[int, int, int]]:
    """After the worker has caught up, the closure is what a rebuild makes from scratch, and a
    rebuild over it rewrites no row (same row ids: nothing for vacuum to clean up)."""
    lineage_process_pending()
    assert not lineage_waiting(), step
    incremental = closure_rows()
    assert incremental == closure_by_bfs(), step
    rows_before = set(LineageEdge.objects.values_list("pk", "ancestor_id", "descendant_id", "depth"))
    lineage_rebuild_all()
    assert set(LineageEdge.objects.values_list("pk", "ancestor_id", "descendant_id", "depth")) == rows_before, step
    LineageEdge.objects.all().delete()
    lineage_rebuild_all()
    assert closure_rows() == incremental, step
    return incremental


def test_closure_under_churn_equals_a_fresh_rebuild_after_every_step(datasets, region_recompute):
    a, b, c, d, e, f, g, h, i, j = datasets[:10]
    add = {}

    def link(source, derived):
        add[source.pk, derived.pk] = derivation_add(derived=derived, source=source)

    def unlink(source, derived):
        derivation_remove(derivation=add.pop((source.pk, derived.pk)))

    for source, derived in ((a, b), (b, c), (c, d), (a, d)):
        link(source, derived)
    assert (a.pk, d.pk, 1) in assert_closure_is_fresh("chain with a shortcut")
    unlink(a, d)  # the shortcut goes: a reaches d the long way
    assert (a.pk, d.pk, 3) in assert_closure_is_fresh("removal lengthens a depth")
    link(a, c)
    assert {(a.pk, c.pk, 1), (a.pk, d.pk, 2)} <= assert_closure_is_fresh("addition shortens depths")
    for source, derived in ((e, f), (f, g), (d, e)):
        link(source, derived)
    assert (a.pk, g.pk, 5) in assert_closure_is_fresh("a second region joined below d")
    unlink(d, e)  # e, f, g are cut off from a, b, c, d
    closure = assert_closure_is_fresh("removal disconnects a region")
    assert not {(x, y) for x, y, _ in closure if x in {a.pk, b.pk, c.pk, d.pk} and y in {e.pk, f.pk, g.pk}}
    assert {(e.pk, f.pk, 1), (e.pk, g.pk, 2), (f.pk, g.pk, 1)} <= closure
    for source, derived in ((h, b), (b, i), (b, j), (i, j)):
        link(source, derived)
    assert_closure_is_fresh("a small hub at b")
    unlink(b, c)  # c stays reachable from a (a -> c), no longer from h or b
    closure = assert_closure_is_fresh("removal below a hub")
    assert (a.pk, c.pk, 1) in closure and (h.pk, c.pk) not in {(x, y) for x, y, _ in closure}
    # Several changes waiting for one batch, including a removal and re-addition of the same pair.
    unlink(h, b)
    link(h, b)
    unlink(b, j)  # j is still below b through i: its depth grows
    link(g, h)
    assert {(b.pk, j.pk, 2), (e.pk, j.pk, 6)} <= assert_closure_is_fresh("a batch of mixed changes")
    rng = random.Random(16)
    order = datasets[:]
    rng.shuffle(order)
    for step in range(25):
        current = list(Derivation.objects.current())
        if current and rng.random() < 0.45:
            derivation_remove(derivation=rng.choice(current))
        else:
            source, derived = rng.sample(order, 2)
            try:
                derivation_add(derived=derived, source=source)
            except ValidationError:
                continue  # a duplicate or a cycle: refused, graph unchanged
        assert_closure_is_fresh(f"random churn, step {step}")


def test_rebuild_repairs_a_closure_that_went_wrong(datasets):
    a, b, c, d = datasets[:4]
    derivation_add(derived=b, source=a)
    derivation_add(derived=c, source=b)
    lineage_process_pending()
    # A missing pair, a wrong depth and a pair no derivation supports (as after a bad restore).
    LineageEdge.objects.filter(ancestor=a, descendant=c).delete()
    LineageEdge.objects.filter(ancestor=a, descendant=b).update(depth=7)
    LineageEdge.objects.create(ancestor=c, descendant=d, depth=1)
    assert lineage_rebuild_all() == 3
    assert closure_rows() == {(a.pk, b.pk, 1), (b.pk, c.pk, 1), (a.pk, c.pk, 2)}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="autovacuum settings exist on PostgreSQL only")
def test_closure_has_its_own_autovacuum_thresholds(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [LineageEdge._meta.db_table])
        options = dict(option.split("=", 1) for option in cursor.fetchone()[0])
    # Vacuum after about 1% of the 1.5 million pairs changed, not the default 20%.
    assert float(options["autovacuum_vacuum_scale_factor"]) <= 0.02
    assert float(options["autovacuum_vacuum_insert_scale_factor"]) <= 0.02


def closure_vacuum_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = %s", [LineageEdge._meta.db_table])
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="VACUUM and its statistics are PostgreSQL's")
def test_lineage_worker_vacuums_the_closure_once_it_has_left_enough_dead_rows(
    transactional_db, make_dataset, monkeypatch
):
    monkeypatch.setattr(lineage, "VACUUM_AFTER_DEAD_ROWS", 3)
    monkeypatch.setattr(lineage, "_dead_rows", 0)
    a, b, c, d = (make_dataset(f"Dataset {i}") for i in range(4))
    first = derivation_add(derived=b, source=a)
    derivation_add(derived=c, source=b)
    derivation_add(derived=d, source=c)
    lineage_process_pending()
    vacuums = closure_vacuum_count()  # inserts leave no dead rows: no vacuum for them
    derivation_remove(derivation=first)  # (a, b), (a, c) and (a, d) go: three dead rows
    lineage_process_pending()
    assert closure_vacuum_count() == vacuums + 1
    assert closure_rows() == closure_by_bfs() == {(b.pk, c.pk, 1), (b.pk, d.pk, 2), (c.pk, d.pk, 1)}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="REINDEX CONCURRENTLY is PostgreSQL's")
def test_rebuild_lineage_can_compact_the_closure_indexes_and_keeps_the_closure(transactional_db, make_dataset):
    a, b, c = (make_dataset(f"Dataset {i}") for i in range(3))
    derivation_add(derived=b, source=a)
    derivation_add(derived=c, source=b)
    out = StringIO()
    call_command("rebuild_lineage", "--compact-indexes", stdout=out)
    assert "Closure indexes rebuilt" in out.getvalue()
    assert closure_rows() == {(a.pk, b.pk, 1), (b.pk, c.pk, 1), (a.pk, c.pk, 2)}
    with connection.cursor() as cursor:  # all four indexes back and valid, so reads stay index-only
        cursor.execute(
            "SELECT COUNT(*) FROM pg_index WHERE indrelid = %s::regclass AND indisvalid",
            [LineageEdge._meta.db_table],
        )
        assert cursor.fetchone()[0] == 4
