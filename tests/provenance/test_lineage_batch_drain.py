"""The lineage drain applies a batch's additions together: the closure it leaves is the one a
rebuild makes, however the batch's changes chain, meet or undo each other."""

import random

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from catalogue import outbox
from catalogue.models import DerivedWork
from provenance import lineage
from provenance.lineage import lineage_process_pending, lineage_rebuild_all
from provenance.models import Derivation, LineageEdge
from tests.provenance.test_lineage_graph import closure_by_bfs, closure_rows, derivation_add, derivation_remove


@pytest.fixture
def held_back(monkeypatch):
    """The nudges sent on commit are held back (a busy broker): the changes wait in the outbox
    until the test drains them, so one drain sees them all as one batch."""
    monkeypatch.setattr(outbox, "task_send_quietly", lambda task, *args, **kwargs: True)


@pytest.fixture
def statements(monkeypatch):
    """The additions the drain wrote together (PostgreSQL's set-based path), one list per statement."""
    seen: list[list[tuple[int, int]]] = []
    together = lineage._add_pairs_together

    def spy(cursor, edges):
        seen.append(list(edges))
        return together(cursor, edges)

    monkeypatch.setattr(lineage, "_add_pairs_together", spy)
    return seen


@pytest.fixture
def datasets(make_dataset):
    return [make_dataset(f"Dataset {i}") for i in range(12)]


def drained_closure(step: str) -> set[tuple[int, int, int]]:
    """Drain everything waiting in one batch; the closure must be the shortest paths over the
    current derivations, and a full rebuild must find nothing to change."""
    lineage_process_pending(batch_size=1000)
    assert not DerivedWork.objects.filter(kind=DerivedWork.Kind.LINEAGE).exists(), step
    incremental = closure_rows()
    assert incremental == closure_by_bfs(), step
    LineageEdge.objects.all().delete()
    lineage_rebuild_all()
    assert closure_rows() == incremental, step
    return incremental


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def test_a_chain_added_in_one_batch_reaches_end_to_end_in_either_order(datasets, held_back, statements):
    a, b, c, d, e, f, g, h = datasets[:8]
    for source, derived in ((a, b), (b, c), (c, d)):  # downstream order: each edge leads to the next
        derivation_add(derived=derived, source=source)
    for source, derived in ((g, h), (f, g), (e, f)):  # upstream order: each edge leads to the one before
        derivation_add(derived=derived, source=source)
    closure = drained_closure("two chains of three, added in one batch")
    assert {(a.pk, d.pk, 3), (a.pk, c.pk, 2), (b.pk, d.pk, 2), (e.pk, h.pk, 3), (e.pk, g.pk, 2)} <= closure
    if on_postgres():  # three layers, each edge after the one that leads to it: {a->b, e->f}, ...
        assert [sorted(layer) for layer in statements] == [
            sorted([(a.pk, b.pk), (e.pk, f.pk)]),
            sorted([(b.pk, c.pk), (f.pk, g.pk)]),
            sorted([(c.pk, d.pk), (g.pk, h.pk)]),
        ]


def test_a_chain_joined_to_the_existing_graph_in_one_batch(datasets, held_back):
    a, b, c, d, e, f = datasets[:6]
    derivation_add(derived=b, source=a)
    derivation_add(derived=f, source=e)
    drained_closure("two separate edges")
    # c -> d, then b -> c and d -> e join them: a reaches f through three new edges.
    for source, derived in ((c, d), (d, e), (b, c)):
        derivation_add(derived=derived, source=source)
    closure = drained_closure("a chain joining two graphs")
    assert (a.pk, f.pk, 5) in closure


def test_a_diamond_added_in_one_batch_keeps_the_shortest_depth(datasets, held_back, statements):
    a, b, c, d, e = datasets[:5]
    derivation_add(derived=d, source=e)
    drained_closure("the bottom edge first")
    # Two ways from a to d (through b and through c), and a longer one through b and c.
    for source, derived in ((a, b), (a, c), (b, d), (c, d), (b, c)):
        derivation_add(derived=derived, source=source)
    closure = drained_closure("a diamond")
    assert {(a.pk, d.pk, 2), (a.pk, c.pk, 1), (b.pk, d.pk, 1), (e.pk, d.pk, 1)} <= closure
    assert not {(x, y) for x, y, _ in closure} & {(a.pk, e.pk), (e.pk, a.pk), (e.pk, b.pk)}
    if on_postgres():
        assert any(len(layer) > 1 for layer in statements), "the diamond's edges were written together"


def test_a_shortcut_in_the_same_batch_as_the_long_way(datasets, held_back):
    a, b, c, d = datasets[:4]
    for source, derived in ((c, d), (b, c), (a, b), (a, d)):
        derivation_add(derived=derived, source=source)
    assert (a.pk, d.pk, 1) in drained_closure("the long way and a shortcut, one batch")


def test_a_batch_mixing_additions_and_removals_of_the_same_pairs(datasets, held_back):
    a, b, c, d, e, f = datasets[:6]
    made = {}

    def link(source, derived):
        made[source.pk, derived.pk] = derivation_add(derived=derived, source=source)

    def unlink(source, derived):
        derivation_remove(derivation=made.pop((source.pk, derived.pk)))

    for source, derived in ((a, b), (b, c), (c, d), (a, d)):
        link(source, derived)
    drained_closure("a chain with a shortcut")
    # One batch: a pair removed and added again, a pair added and removed again, additions on
    # both sides of a removal that lengthens a depth, and a chain through a removed pair's ends.
    unlink(a, b)
    link(a, b)
    link(d, e)
    unlink(a, d)  # a reaches d the long way again
    link(e, f)
    unlink(d, e)
    link(b, e)  # a -> b -> e -> f
    link(c, f)
    unlink(c, f)
    closure = drained_closure("mixed additions and removals")
    assert {(a.pk, d.pk, 3), (a.pk, f.pk, 3), (b.pk, f.pk, 2)} <= closure
    assert (d.pk, e.pk) not in {(x, y) for x, y, _ in closure}
    assert (c.pk, f.pk) not in {(x, y) for x, y, _ in closure}


@pytest.mark.parametrize("seed", range(24))
def test_random_batches_leave_the_closure_a_rebuild_makes(make_dataset, held_back, seed):
    """Random DAGs built in random batches (mostly additions, some removals), each batch drained
    at once, in random batch sizes: after each drain the closure is the shortest paths over the
    current derivations, the same as a full rebuild."""
    rng = random.Random(seed)
    nodes = [make_dataset(f"Node {i}") for i in range(16)]
    order = nodes[:]
    rng.shuffle(order)
    for round_ in range(6):
        for _ in range(rng.randint(3, 25)):
            current = list(Derivation.objects.current())
            if current and rng.random() < 0.2:
                derivation_remove(derivation=rng.choice(current))
                continue
            # Mostly along the order (long chains within a batch), sometimes against it (refused as cycles).
            i, j = sorted(rng.sample(range(len(order)), 2))
            if rng.random() < 0.1:
                i, j = j, i
            try:
                derivation_add(derived=order[j], source=order[i])
            except ValidationError:
                pass  # a duplicate or a cycle: refused, graph unchanged
        lineage_process_pending(batch_size=rng.choice([3, 10, 1000]))
        lineage_process_pending(batch_size=1000)
        incremental = closure_rows()
        assert incremental == closure_by_bfs(), f"seed {seed}, round {round_}"
    LineageEdge.objects.all().delete()
    lineage_rebuild_all()
    assert closure_rows() == incremental, f"seed {seed}"


@pytest.fixture(params=["this database's", "portable"])
def region_statement(request, monkeypatch):
    """Removals recomputed by this database's own region statement, or by the portable one (SQLite's)."""
    if request.param == "portable":
        monkeypatch.setattr(lineage, "_recompute_region", lineage._recompute_region_portable)
    return request.param


def test_a_removal_waiting_behind_another_leaves_no_pair_through_it(datasets, held_back, region_statement):
    """a -> y and a -> z are removed and y -> z added, in one batch. When a -> z's region is
    recomputed, the closure still holds a -> y (its removal waits next in the batch) and the new
    y -> z is already a current derivation: reading the derivation rows, the recompute put back
    a -> z through y (two steps), and a -> y's own recompute, which does not know y -> z yet, left
    it there. The recompute reads the closure's own edges, so nothing is left through a."""
    a, y, z = datasets[:3]
    made = {pair: derivation_add(derived=pair[1], source=pair[0]) for pair in ((a, y), (a, z))}
    drained_closure("a above y and z")
    derivation_remove(derivation=made[a, z])
    derivation_remove(derivation=made[a, y])
    derivation_add(derived=z, source=y)
    assert drained_closure("a cut off, y above z") == {(y.pk, z.pk, 1)}
