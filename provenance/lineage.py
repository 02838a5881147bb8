"""The lineage closure: every (ancestor, descendant, shortest depth) pair over the current derivations.

How it stays right:
- a change to a derivation records lineage work for the pair (source, derived) in the
  outbox, in the same transaction (catalogue.outbox.derivation_changed, called by the
  provenance services);
- ``lineage_process_pending()`` (the outbox's lineage drain and the sweep) brings the closure
  in line with the *current* derivation rows for each requested pair, in request order:
  * the pair has a current derivation: insert ancestors(source)+source x descendants(derived)+derived,
    keeping the smaller depth on conflict — only the pairs the edge creates are touched;
  * it has none (removed): delete the pairs that could have gone through it, A x D with
    A = ancestors(source)+source and D = descendants(derived)+derived, and put back the ones
    still connected, from the edges entering D from outside. Rows outside A x D cannot have
    used the edge, and rows inside D (or leading into A) are unchanged in a DAG, so one
    INSERT ... SELECT recomputes the region exactly. The edges are the closure's own, its pairs
    at depth 1 (the derivations it was built from), not the current derivation rows: while
    other requests wait, the two differ (a derivation added or removed since, not yet applied),
    and reading the rows mixed a new derivation with pairs still through a removed one, leaving
    pairs that the removed one's own request then missed;
  Both are idempotent, so a retried or repeated task does no harm. Which pairs of a batch have a
  current derivation is read in one query, and the additions between two removals are applied
  together: on PostgreSQL one INSERT ... SELECT for all of them, in layers when one leads to
  another (``_add_edges``), so a batch of 1,000 new derivations is a few statements, not 2,000;
- ``lineage_rebuild_all()`` (``manage.py rebuild_lineage``) recomputes everything level by level
  with INSERT ... SELECT into a temporary table and writes only the difference, and the tests
  check the incremental result always equals it.

Dead rows: every write here leaves the old row version for vacuum (a depth is in two indexes, so
no update is HOT). The writers touch only rows that change, and migration 0009 gives the closure
its own autovacuum thresholds (PostgreSQL), so the space of removed pairs is reused, not added to.
Autovacuum may be off, and no vacuum shrinks an index, so the periodic sweep compares the closure
with a fresh build of its pairs and compacts it when it is well over (``lineage_compact_if_bloated``).

On PostgreSQL, writers of the closure take one advisory lock so two workers never interleave
their updates; SQLite serialises writers anyway.
"""

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from catalogue import outbox
from catalogue.locks import advisory_lock
from provenance.models import Derivation, LineageEdge

logger = logging.getLogger(__name__)

EDGE = LineageEdge._meta.db_table
DERIVATION = Derivation._meta.db_table
# The rebuild computes the closure here (a temporary table of the session) before applying the difference.
FRESH = "lineage_fresh_closure"
# Memory for the rebuild's transaction only (PostgreSQL): the fresh closure in the session's own
# buffers, and its joins hashed in memory.
REBUILD_TEMP_BUFFERS = "256MB"
REBUILD_WORK_MEM = "128MB"
# Memory for each closure writer's transaction (PostgreSQL): a batch's new pairs sorted in memory.
CLOSURE_WORK_MEM = "64MB"
# Dead closure rows after which lineage_process_pending vacuums the closure itself (about 1% of
# the 1.5 million pairs of the 100,000-dataset bench catalogue).
VACUUM_AFTER_DEAD_ROWS = 20_000

# Advisory lock keys (fixed bigints below 2**40, where lib/rowlocks keeps its per-dataset
# keys): one for closure writers, one for derivation writers.
CLOSURE_LOCK = 4_200_001
DERIVATION_LOCK = 4_200_002
# Session-level (REINDEX CONCURRENTLY cannot run in a transaction): one compaction at a time.
COMPACT_LOCK = 4_200_003

# Bytes per pair of a closure built fresh (``rebuild_lineage`` into an empty table), measured on the
# 100,000-dataset bench catalogue (1,473,618 pairs, PostgreSQL 15): the table, and each index.
# ``lineage_closure_size`` estimates what a fresh build of the current pairs would take from them.
FRESH_HEAP_BYTES_PER_PAIR = 61
FRESH_INDEX_BYTES_PER_PAIR = {
    "provenance_lineageedge_pkey": 23,
    "lineageedge_unique_pair": 41,
    "lineageedge_down_idx": 57,
    "lineageedge_up_idx": 54,
}
PAGE_BYTES = 8192


def lock_derivation_writes() -> None:
    """Serialise derivation changes (inside a transaction) so two concurrent adds cannot make a cycle."""
    advisory_lock(DERIVATION_LOCK)


def lineage_rebuild_all() -> int:
    """Recompute the whole closure from the current derivations; returns the number of pairs.

    Breadth-first by depth into a temporary table: pairs at depth k+1 are the pairs at depth k
    extended by one derivation, minus pairs already known, so each pair is first written at its
    shortest depth. Then only the difference reaches the closure (pairs gone deleted, depths that
    changed updated, new pairs inserted): a rebuild over a closure that was right writes nothing,
    where deleting and refilling it left a dead copy of every row for vacuum to find.
    """
    with transaction.atomic():
        advisory_lock(CLOSURE_LOCK)
        last_request = outbox.last_id(outbox.Kind.LINEAGE)
        with connection.cursor() as cursor:
            total = _fill_fresh_closure(cursor)
            changed = _apply_fresh_closure(cursor)
            cursor.execute(f"DROP TABLE {FRESH}")
        # The rebuild read the derivations these requests describe; newer ones still run.
        outbox.covered(outbox.Kind.LINEAGE, last_request)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Fresh statistics for the planner, a visibility map so nearest-first reads stay
        # index-only, and the space of any rows the rebuild replaced made reusable.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {EDGE}")
    logger.info("lineage closure rebuilt: %s pairs, %s rows changed", total, changed)
    return total


def lineage_compact_indexes() -> tuple[int, int]:
    """Rebuild the closure's indexes (REINDEX CONCURRENTLY: reads and writes go on); returns their
    total size in bytes before and after. PostgreSQL only (elsewhere nothing to do: (0, 0)).

    VACUUM makes the space of removed pairs reusable but keeps the index pages: after a burst that
    was live all at once (new sources above a hub, then their removal) the indexes stay at the
    burst's size. Run by the periodic sweep when the closure is well over its fresh size
    (``lineage_compact_if_bloated``) and by ``manage.py rebuild_lineage --compact-indexes``; it
    reads the whole table and must run outside a transaction."""
    if connection.vendor != "postgresql":
        return 0, 0
    size = f"SELECT COALESCE(SUM(pg_relation_size(indexrelid)), 0) FROM pg_index WHERE indrelid = '{EDGE}'::regclass"
    with connection.cursor() as cursor:
        _drop_abandoned_rebuilds(cursor)
        cursor.execute(size)
        before = cursor.fetchone()[0]
        cursor.execute(f"REINDEX TABLE CONCURRENTLY {EDGE}")
        cursor.execute(size)
        after = cursor.fetchone()[0]
    logger.info("lineage closure indexes rebuilt: %s -> %s bytes", before, after)
    return int(before), int(after)


def _drop_abandoned_rebuilds(cursor) -> None:
    """Drop what an interrupted REINDEX CONCURRENTLY left behind: its new copies (``..._ccnew``,
    ``..._ccnew1``, ...) stay as invalid indexes that every write still maintains and that a
    later REINDEX would copy again. Only invalid ``_ccnew`` indexes of the closure are dropped."""
    cursor.execute(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisvalid AND c.relname ~ '_ccnew[0-9]*$'",
        [EDGE],
    )
    for (name,) in cursor.fetchall():
        logger.warning("dropping %s, left invalid by an interrupted index rebuild of the lineage closure", name)
        cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')


def _fill_fresh_closure(cursor) -> int:
    """The closure computed from scratch into the temporary table FRESH; returns its number of pairs."""
    if connection.vendor == "postgresql":
        _room_for_the_fresh_closure(cursor)
    cursor.execute(f"DROP TABLE IF EXISTS {FRESH}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {FRESH} (ancestor_id bigint NOT NULL, descendant_id bigint NOT NULL, "
        f"depth integer NOT NULL, PRIMARY KEY (ancestor_id, descendant_id))"
    )
    cursor.execute(f"CREATE INDEX {FRESH}_depth ON {FRESH} (depth)")
    cursor.execute(
        f"INSERT INTO {FRESH} (ancestor_id, descendant_id, depth) "
        f"SELECT DISTINCT source_id, derived_id, 1 FROM {DERIVATION} WHERE valid_to IS NULL"
    )
    total = max(cursor.rowcount, 0)
    depth = 1
    while True:
        cursor.execute(
            f"INSERT INTO {FRESH} (ancestor_id, descendant_id, depth) "
            f"SELECT DISTINCT f.ancestor_id, d.derived_id, %s FROM {FRESH} f "
            f"JOIN {DERIVATION} d ON d.source_id = f.descendant_id "
            f"WHERE f.depth = %s AND d.valid_to IS NULL AND f.ancestor_id <> d.derived_id "
            f"ON CONFLICT (ancestor_id, descendant_id) DO NOTHING",
            [depth + 1, depth],
        )
        if cursor.rowcount <= 0:
            break
        total += cursor.rowcount
        depth += 1
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {FRESH}")  # autovacuum never sees temporary tables
    return total


def _room_for_the_fresh_closure(cursor) -> None:
    """Temporary tables live in the session's own buffers (8 MB by default): 1.5 million pairs
    (about 120 MB with the key) read through them went to the kernel a million times per join.
    temp_buffers can only be set before the session first touches a temporary table (or to the
    value it already has), so a refusal is harmless: the rebuild is then slower, not wrong."""
    try:
        with transaction.atomic():
            cursor.execute(f"SET LOCAL temp_buffers = '{REBUILD_TEMP_BUFFERS}'")
    except DatabaseError:
        logger.info("lineage rebuild: temp_buffers already fixed for this session")
    cursor.execute(f"SET LOCAL work_mem = '{REBUILD_WORK_MEM}'")


def _apply_fresh_closure(cursor) -> int:
    """Make the closure equal FRESH by writing only the rows that differ; returns how many.

    The closure is analysed first: the joins are planned on its size, and planned on no
    statistics (an empty closure looks like 10 pages) PostgreSQL chose a nested loop over a
    sequential scan of the table being filled, and the insert ran for minutes. Into an empty
    closure the pairs are copied without a join at all."""
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {EDGE})")
    if not cursor.fetchone()[0]:
        cursor.execute(
            f"INSERT INTO {EDGE} (ancestor_id, descendant_id, depth) "
            f"SELECT ancestor_id, descendant_id, depth FROM {FRESH}"
        )
        return max(cursor.rowcount, 0)
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {EDGE}")
    cursor.execute(
        f"DELETE FROM {EDGE} WHERE NOT EXISTS (SELECT 1 FROM {FRESH} f "
        f"WHERE f.ancestor_id = {EDGE}.ancestor_id AND f.descendant_id = {EDGE}.descendant_id)"
    )
    changed = max(cursor.rowcount, 0)
    cursor.execute(
        f"UPDATE {EDGE} SET depth = f.depth FROM {FRESH} f "
        f"WHERE f.ancestor_id = {EDGE}.ancestor_id AND f.descendant_id = {EDGE}.descendant_id "
        f"AND f.depth <> {EDGE}.depth"
    )
    changed += max(cursor.rowcount, 0)
    cursor.execute(
        f"INSERT INTO {EDGE} (ancestor_id, descendant_id, depth) "
        f"SELECT f.ancestor_id, f.descendant_id, f.depth FROM {FRESH} f WHERE NOT EXISTS "
        f"(SELECT 1 FROM {EDGE} e WHERE e.ancestor_id = f.ancestor_id AND e.descendant_id = f.descendant_id)"
    )
    return changed + max(cursor.rowcount, 0)


def _add_pairs(cursor, source_id: int, derived_id: int) -> None:
    table = EDGE
    cursor.execute(
        f"INSERT INTO {table} (ancestor_id, descendant_id, depth) "
        f"SELECT a.node, z.node, a.dist + 1 + z.dist FROM "
        f"(SELECT ancestor_id AS node, depth AS dist FROM {table} WHERE descendant_id = %s "
        f" UNION ALL SELECT %s, 0) a "
        f"CROSS JOIN "
        f"(SELECT descendant_id AS node, depth AS dist FROM {table} WHERE ancestor_id = %s "
        f" UNION ALL SELECT %s, 0) z "
        f"WHERE a.node <> z.node "
        f"ON CONFLICT (ancestor_id, descendant_id) DO UPDATE SET depth = excluded.depth "
        f"WHERE excluded.depth < {table}.depth",
        [source_id, source_id, derived_id, derived_id],
    )


def _recompute_region(cursor, source_id: int, derived_id: int) -> None:
    if connection.vendor == "postgresql":
        _recompute_region_postgres(cursor, source_id, derived_id)
    else:
        _recompute_region_portable(cursor, source_id, derived_id)


def _recompute_region_postgres(cursor, source_id: int, derived_id: int) -> None:
    """The region recompute with A and D read once into arrays, so every step is an index lookup.

    The pairs of A x D still connected are computed first, then only the difference is written:
    rows no longer connected are deleted, rows whose shortest path grew get the new depth. Below
    a hub most of A x D usually stays connected by other paths, and deleting and re-inserting
    all of it (as the portable version does) took seconds."""
    table = EDGE
    cursor.execute(f"SELECT ancestor_id FROM {table} WHERE descendant_id = %s", [source_id])
    a_nodes = [source_id] + [row[0] for row in cursor.fetchall()]
    cursor.execute(f"SELECT descendant_id FROM {table} WHERE ancestor_id = %s", [derived_id])
    d_nodes = [derived_id] + [row[0] for row in cursor.fetchall()]
    # A path from a in A to x in D enters D by an edge y -> z from outside D; (a, y) and (z, x)
    # lie outside A x D (y is not in D; z is not in A, or the graph would have a cycle), so they
    # are read as they are. Only entering edges that A reaches count, and they are picked first.
    # The entering edges are the closure's own (its pairs at depth 1, this one gone): see the
    # module's docstring.
    cursor.execute(
        f"WITH region AS MATERIALIZED ("
        f" SELECT ay.node AS ancestor_id, zx.node AS descendant_id, MIN(ay.dist + 1 + zx.dist) AS depth"
        f" FROM (SELECT ancestor_id AS source_id, descendant_id AS derived_id FROM {table} f"
        f"  WHERE f.descendant_id = ANY(%(d)s) AND f.depth = 1 AND f.ancestor_id <> %(derived)s"
        f"  AND NOT (f.ancestor_id = %(source)s AND f.descendant_id = %(derived)s)"
        f"  AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.ancestor_id = %(derived)s AND x.descendant_id = f.ancestor_id)"
        f"  AND (f.ancestor_id = ANY(%(a)s) OR EXISTS (SELECT 1 FROM {table} r"
        f"    WHERE r.descendant_id = f.ancestor_id AND r.ancestor_id = ANY(%(a)s)))"
        f"  OFFSET 0) e"
        f" CROSS JOIN LATERAL ("
        f"  SELECT ancestor_id AS node, depth AS dist FROM {table}"
        f"  WHERE descendant_id = e.source_id AND ancestor_id = ANY(%(a)s)"
        f"  UNION ALL SELECT e.source_id, 0 WHERE e.source_id = ANY(%(a)s)) ay"
        f" CROSS JOIN LATERAL ("
        f"  SELECT descendant_id AS node, depth AS dist FROM {table} WHERE ancestor_id = e.derived_id"
        f"  UNION ALL SELECT e.derived_id, 0) zx"
        f" WHERE ay.node <> zx.node"
        f" GROUP BY ay.node, zx.node), "
        f"gone AS (DELETE FROM {table} c WHERE c.ancestor_id = ANY(%(a)s) AND c.descendant_id = ANY(%(d)s)"
        f" AND NOT EXISTS (SELECT 1 FROM region r"
        f"  WHERE r.ancestor_id = c.ancestor_id AND r.descendant_id = c.descendant_id)), "
        f"longer AS (UPDATE {table} c SET depth = r.depth FROM region r"
        f" WHERE c.ancestor_id = r.ancestor_id AND c.descendant_id = r.descendant_id AND c.depth <> r.depth) "
        f"INSERT INTO {table} (ancestor_id, descendant_id, depth) SELECT ancestor_id, descendant_id, depth "
        f"FROM region ON CONFLICT (ancestor_id, descendant_id) DO NOTHING",
        {"a": a_nodes, "d": d_nodes, "source": source_id, "derived": derived_id},
    )


def _recompute_region_portable(cursor, source_id: int, derived_id: int) -> None:
    table = EDGE
    a_set = f"(SELECT ancestor_id AS node FROM {table} WHERE descendant_id = %s UNION ALL SELECT %s)"
    d_set = f"(SELECT descendant_id AS node FROM {table} WHERE ancestor_id = %s UNION ALL SELECT %s)"
    # The entering edges are the closure's own, its pairs at depth 1 (see the module's
    # docstring): they stay, except the one removed, so the insert can read them after the delete.
    edges = f"(SELECT ancestor_id AS source_id, descendant_id AS derived_id FROM {table} WHERE depth = 1)"
    # A and D are read before the delete; their defining rows (-> source, derived ->) are
    # outside A x D in a DAG, so they survive it and can be read again for the insert.
    cursor.execute(
        f"DELETE FROM {table} WHERE ancestor_id IN {a_set} AND descendant_id IN {d_set} "
        f"AND (depth <> 1 OR (ancestor_id = %s AND descendant_id = %s))",
        [source_id, source_id, derived_id, derived_id, source_id, derived_id],
    )
    cursor.execute(
        f"INSERT INTO {table} (ancestor_id, descendant_id, depth) "
        f"SELECT ay.ancestor_id, zx.descendant_id, MIN(ay.depth + 1 + zx.depth) "
        f"FROM {edges} e "
        f"JOIN (SELECT ancestor_id, descendant_id, depth FROM {table} WHERE ancestor_id IN {a_set} "
        f"      UNION ALL SELECT node, node, 0 FROM {a_set} an) ay "
        f"  ON ay.descendant_id = e.source_id "
        f"JOIN (SELECT ancestor_id, descendant_id, depth FROM {table} WHERE ancestor_id IN {d_set} "
        f"      UNION ALL SELECT node, node, 0 FROM {d_set} dn) zx "
        f"  ON zx.ancestor_id = e.derived_id "
        f"WHERE e.derived_id IN {d_set} AND e.source_id NOT IN {d_set} "
        f"  AND NOT (e.source_id = %s AND e.derived_id = %s) "
        f"  AND ay.ancestor_id <> zx.descendant_id "
        f"GROUP BY ay.ancestor_id, zx.descendant_id "
        f"ON CONFLICT (ancestor_id, descendant_id) DO UPDATE SET depth = excluded.depth "
        f"WHERE excluded.depth < {table}.depth",
        [source_id, source_id, source_id, source_id]
        + [derived_id, derived_id, derived_id, derived_id]
        + [derived_id, derived_id, derived_id, derived_id]
        + [source_id, derived_id],
    )


def lineage_sync_pair(source_id: int, derived_id: int) -> None:
    """Make the closure agree with the current derivations between these two datasets.

    Call inside a transaction holding the closure lock (``lineage_process_pending`` does).
    """
    with connection.cursor() as cursor:
        if Derivation.objects.current().filter(source_id=source_id, derived_id=derived_id).exists():
            _add_pairs(cursor, source_id, derived_id)
        else:
            _recompute_region(cursor, source_id, derived_id)


# Pairs per query when a batch's current derivations are looked up (SQLite's bound parameters).
_PAIRS_PER_LOOKUP = 400


def _current_pairs(pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of these (source, derived) pairs have a current derivation: one query per 400 pairs."""
    found = set()
    for start in range(0, len(pairs), _PAIRS_PER_LOOKUP):
        chunk = pairs[start : start + _PAIRS_PER_LOOKUP]
        found.update(
            Derivation.objects.current()
            .filter(source_id__in={s for s, _ in chunk}, derived_id__in={d for _, d in chunk})
            .values_list("source_id", "derived_id")
        )
    return found & set(pairs)


def lineage_sync_pairs(pairs: list[tuple[int, int]]) -> None:
    """``lineage_sync_pair`` for each pair in order, with the additions applied together.

    Which pairs have a current derivation is read in one query. The pairs are then taken in
    order as maximal runs of additions and single removals: a removal keeps its region
    recompute, and the additions after it see its result. A run of additions is applied by
    ``_add_edges`` (PostgreSQL: one statement per layer of chained edges)."""
    current = _current_pairs(pairs)
    run: list[tuple[int, int]] = []
    with connection.cursor() as cursor:
        for pair in pairs:
            if pair in current:
                run.append(pair)
                continue
            _add_edges(cursor, run)
            run = []
            _recompute_region(cursor, *pair)
        _add_edges(cursor, run)


def _add_edges(cursor, edges: list[tuple[int, int]]) -> None:
    """Insert the pairs every one of these current derivations creates, as ``_add_pairs`` one
    after the other would.

    Edges of one run can chain (s1 -> d1 and d1 -> d2: the ancestors of s1 reach the descendants
    of d2 only through both), so they are applied in layers: an edge whose source the derived
    dataset of another edge of the run reaches (read from the closure as the run begins, plus
    the edges themselves) comes in a later layer than that edge. Within a layer no edge leads to
    another, so every pair a layer's edges create is ancestors(source) x descendants(derived)
    over the closure as the earlier layers left it, and one INSERT ... SELECT writes them all,
    keeping the smallest depth. A run of unchained edges (the usual batch) is one statement."""
    if len(edges) <= 1 or connection.vendor != "postgresql":
        for source_id, derived_id in edges:
            _add_pairs(cursor, source_id, derived_id)
        return
    layers = _layers(cursor, edges)
    if layers is None:  # the run is not a DAG (cannot happen over current derivations): one by one
        for source_id, derived_id in edges:
            _add_pairs(cursor, source_id, derived_id)
        return
    for layer in layers:
        if len(layer) == 1:
            _add_pairs(cursor, *layer[0])
        else:
            _add_pairs_together(cursor, layer)


def _layers(cursor, edges: list[tuple[int, int]]) -> list[list[tuple[int, int]]] | None:
    """The edges grouped so that an edge comes after every edge of the run that leads to its
    source; None if they make a cycle. One query: which derived datasets reach which sources."""
    sources = sorted({s for s, _ in edges})
    deriveds = sorted({d for _, d in edges})
    cursor.execute(
        f"SELECT ancestor_id, descendant_id FROM {EDGE} WHERE ancestor_id = ANY(%s) AND descendant_id = ANY(%s)",
        [deriveds, sources],
    )
    reaches: dict[int, set[int]] = {}  # derived dataset -> the sources of the run it reaches
    for ancestor, descendant in cursor.fetchall():
        reaches.setdefault(ancestor, set()).add(descendant)
    for derived in set(deriveds) & set(sources):
        reaches.setdefault(derived, set()).add(derived)
    if not reaches:
        return [edges]
    by_source: dict[int, list[int]] = {}
    for i, (source, _) in enumerate(edges):
        by_source.setdefault(source, []).append(i)
    after = [[j for s in reaches.get(d, ()) for j in by_source[s]] for _, d in edges]  # i leads to each j
    # Longest path from a first edge (Kahn's order): an edge's layer is one more than its latest predecessor's.
    waiting = [0] * len(edges)
    for followers in after:
        for j in followers:
            waiting[j] += 1
    layer_of = [0] * len(edges)
    ready = [i for i, count in enumerate(waiting) if count == 0]
    done = 0
    while ready:
        i = ready.pop()
        done += 1
        for j in after[i]:
            layer_of[j] = max(layer_of[j], layer_of[i] + 1)
            waiting[j] -= 1
            if waiting[j] == 0:
                ready.append(j)
    if done < len(edges):
        return None
    layers: list[list[tuple[int, int]]] = [[] for _ in range(max(layer_of) + 1)]
    for i, edge in enumerate(edges):
        layers[layer_of[i]].append(edge)
    return layers


def _add_pairs_together(cursor, edges: list[tuple[int, int]]) -> None:
    """``_add_pairs`` for edges none of which leads to another's source, in one statement (PostgreSQL).

    Two edges can create the same pair (a diamond below one source): the pairs are grouped
    first, as one row may be written once per statement, keeping the smallest depth. They are
    written in key order: the closure and its indexes are bigger than PostgreSQL's default
    buffers, and inserting 200,000 pairs in hash order wrote out and read back three times as
    many index pages as in (ancestor, descendant) order, which two of its indexes follow."""
    table = EDGE
    cursor.execute(
        f"INSERT INTO {table} (ancestor_id, descendant_id, depth) "
        f"SELECT a.node, z.node, MIN(a.dist + 1 + z.dist) FROM unnest(%s::bigint[], %s::bigint[]) AS e(s, d) "
        f"CROSS JOIN LATERAL "
        f"(SELECT ancestor_id AS node, depth AS dist FROM {table} WHERE descendant_id = e.s "
        f" UNION ALL SELECT e.s, 0) a "
        f"CROSS JOIN LATERAL "
        f"(SELECT descendant_id AS node, depth AS dist FROM {table} WHERE ancestor_id = e.d "
        f" UNION ALL SELECT e.d, 0) z "
        f"WHERE a.node <> z.node "
        f"GROUP BY a.node, z.node ORDER BY a.node, z.node "
        f"ON CONFLICT (ancestor_id, descendant_id) DO UPDATE SET depth = excluded.depth "
        f"WHERE excluded.depth < {table}.depth",
        [[s for s, _ in edges], [d for _, d in edges]],
    )


def _closure_writer() -> None:
    """Taken first in each batch's transaction: one closure writer at a time."""
    advisory_lock(CLOSURE_LOCK)
    if connection.vendor == "postgresql":
        # The region statements are planned as huge (a cross join of ancestors and
        # descendants), so PostgreSQL JIT-compiles them: 100-200 ms for nothing.
        # The pairs of a batch's additions are grouped and sorted before they are written
        # (``_add_pairs_together``): in memory, not in temporary files.
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL jit = off; SET LOCAL work_mem = '{CLOSURE_WORK_MEM}'")


def _sync_rows(rows) -> None:
    # Several requests for one pair in a batch need one sync (at its first request): it reads
    # the current rows.
    lineage_sync_pairs(list(dict.fromkeys((source_id, derived_id) for _, derived_id, source_id in rows)))
    _count_dead_rows()


# Dead closure rows this process has left since it last vacuumed the closure (PostgreSQL).
_dead_rows = 0


def _count_dead_rows() -> None:
    """Add the rows this transaction deleted or updated in the closure (each leaves a dead version)."""
    global _dead_rows
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_stat_get_xact_tuples_deleted(%s::regclass) + pg_stat_get_xact_tuples_updated(%s::regclass)",
                [EDGE, EDGE],
            )
            _dead_rows += cursor.fetchone()[0]


def lineage_vacuum_if_churned() -> bool:
    """VACUUM the closure once the changes applied here have left VACUUM_AFTER_DEAD_ROWS dead rows.

    One new source above a hub writes tens of thousands of pairs and its removal deletes them
    again; without a vacuum in between, the next such change cannot reuse their space and the
    table and its indexes grow (autovacuum may be slow to come, or off). Runs outside any
    transaction only (VACUUM cannot run in one), skips the table if another VACUUM holds it;
    returns whether it vacuumed."""
    global _dead_rows
    if connection.vendor != "postgresql" or connection.in_atomic_block or _dead_rows < VACUUM_AFTER_DEAD_ROWS:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (SKIP_LOCKED) {EDGE}")
    logger.info("lineage closure vacuumed after %s dead rows", _dead_rows)
    _dead_rows = 0
    return True


def lineage_process_pending(batch_size: int = 200) -> int:
    """Apply the outbox's lineage work, oldest first; returns how many requests were applied.

    Vacuums the closure afterwards if the work left many dead rows (``lineage_vacuum_if_churned``)."""
    applied = outbox.drain(outbox.Kind.LINEAGE, _sync_rows, batch_size=batch_size, before=_closure_writer)
    lineage_vacuum_if_churned()
    return applied


def lineage_pending_count() -> int:
    return outbox.pending(outbox.Kind.LINEAGE)


@dataclass(frozen=True)
class ClosureSize:
    """The closure's table and indexes on disk (bytes, main fork), and what a fresh build of its pairs takes."""

    pairs: int
    heap: int
    indexes: int
    fresh_heap: int
    fresh_indexes: int

    @property
    def total(self) -> int:
        return self.heap + self.indexes

    @property
    def fresh_total(self) -> int:
        return self.fresh_heap + self.fresh_indexes


def _fresh_bytes(pairs: int, bytes_per_pair: int, min_pages: int) -> int:
    return max(min_pages, math.ceil(pairs * bytes_per_pair / PAGE_BYTES)) * PAGE_BYTES


def lineage_closure_size() -> ClosureSize | None:
    """The closure's size against a fresh build of its pairs (PostgreSQL; None elsewhere).

    The pairs are PostgreSQL's estimate (pg_class.reltuples, exact after a VACUUM or ANALYZE; a
    count if the table was never visited): cheap enough for a sweep every 30 seconds."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples, pg_relation_size(oid) FROM pg_class WHERE oid = %s::regclass", [EDGE])
        pairs, heap = cursor.fetchone()
        if pairs < 0:  # never vacuumed nor analysed
            cursor.execute(f"SELECT COUNT(*) FROM {EDGE}")
            pairs = cursor.fetchone()[0]
        cursor.execute(
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass",
            [EDGE],
        )
        indexes = cursor.fetchall()
    pairs = int(pairs)
    widest = max(FRESH_INDEX_BYTES_PER_PAIR.values())
    return ClosureSize(
        pairs=pairs,
        heap=int(heap),
        indexes=sum(int(size) for _, size in indexes),
        fresh_heap=_fresh_bytes(pairs, FRESH_HEAP_BYTES_PER_PAIR, 1),
        # A btree holds at least its meta page and a root page.
        fresh_indexes=sum(_fresh_bytes(pairs, FRESH_INDEX_BYTES_PER_PAIR.get(name, widest), 2) for name, _ in indexes),
    )


def _over(size: int, fresh: int, at_percent: int) -> bool:
    return size * 100 > fresh * at_percent


def lineage_compact_if_bloated(at_percent: int | None = None, min_bytes: int | None = None) -> dict | None:
    """Compact the closure when its table + indexes exceed ``at_percent`` % of a fresh build of its
    pairs (default settings.LINEAGE_COMPACT_AT_PERCENT) and its indexes alone do too; returns the
    sizes before and after, or None when nothing was done.

    VACUUM makes the space of removed pairs reusable and truncates empty pages at the table's end,
    but an index keeps every page it grew to: after a burst that was live all at once (new sources
    above a hub, then their removal) the closure stays at the burst's size. So: VACUUM (which also
    counts the live pairs exactly), then, if the indexes are still over, rebuild them with REINDEX
    CONCURRENTLY (readers and writers go on; the old indexes serve until the new ones are ready).
    The table's own free pages stay (reused by later inserts): returning them needs VACUUM FULL or
    pg_repack, which lock readers out, so that is left to an operator.

    PostgreSQL only, outside a transaction; a session advisory lock keeps two sweeps from
    compacting at once (the second returns None). Closures under ``min_bytes`` are left alone."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    at_percent = settings.LINEAGE_COMPACT_AT_PERCENT if at_percent is None else at_percent
    min_bytes = settings.LINEAGE_COMPACT_MIN_BYTES if min_bytes is None else min_bytes
    before = lineage_closure_size()
    if (
        before.total < min_bytes
        or not _over(before.total, before.fresh_total, at_percent)
        or not _over(before.indexes, before.fresh_indexes, at_percent)
    ):
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [COMPACT_LOCK])
        if not cursor.fetchone()[0]:
            return None  # another process is compacting it
    try:
        return _compact(before, at_percent)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [COMPACT_LOCK])


def _compact(before: ClosureSize, at_percent: int) -> dict:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (SKIP_LOCKED) {EDGE}")
    vacuumed = lineage_closure_size()  # the live pairs counted by the VACUUM, not estimated
    reindexed = _over(vacuumed.indexes, vacuumed.fresh_indexes, at_percent)
    if reindexed:
        lineage_compact_indexes()
    after = lineage_closure_size()
    mb = 2**20
    logger.info(
        "lineage closure compacted in %.1f s: %.0f -> %.0f MB (table %.0f -> %.0f, indexes %.0f -> %.0f%s); "
        "a fresh build of its %s pairs takes about %.0f MB",
        time.perf_counter() - started,
        before.total / mb,
        after.total / mb,
        before.heap / mb,
        after.heap / mb,
        before.indexes / mb,
        after.indexes / mb,
        ", rebuilt" if reindexed else ", vacuumed only",
        after.pairs,
        after.fresh_total / mb,
    )
    return {
        "before": before.total,
        "after": after.total,
        "fresh": after.fresh_total,
        "heap_after": after.heap,
        "indexes_after": after.indexes,
        "reindexed": reindexed,
    }
