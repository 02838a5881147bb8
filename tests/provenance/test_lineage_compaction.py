"""The periodic lineage sweep keeps the closure near its freshly built size after churn (PostgreSQL)."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from catalogue.actors import system_actor
from provenance import lineage
from provenance import services as provenance_services
from provenance.lineage import EDGE, lineage_process_pending, lineage_rebuild_all
from provenance.models import LineageEdge
from provenance.tasks import lineage_sweep

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="VACUUM, REINDEX CONCURRENTLY and sizes on disk are PostgreSQL's"
)


def closure_rows() -> set[tuple[int, int, int]]:
    return set(LineageEdge.objects.values_list("ancestor_id", "descendant_id", "depth"))


def closure_bytes() -> int:
    """Table + indexes as compared with a fresh build (main forks)."""
    size = lineage.lineage_closure_size()
    return size.heap + size.indexes


def index_files() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relfilenode FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass",
            [EDGE],
        )
        return dict(cursor.fetchall())


def vacuum_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = %s", [EDGE])
        return cursor.fetchone()[0]


def empty_closure() -> None:
    """Earlier tests' rolled-back rows may have left dead rows and pages: start from none."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {EDGE}")
        cursor.execute("SELECT pg_stat_force_next_flush()")  # the sweep reads the counts the TRUNCATE zeroed


@pytest.fixture
def compact_small_closures(settings):
    settings.LINEAGE_COMPACT_MIN_BYTES = 0  # the test closures are kilobytes, not the bench's hundreds of MB
    settings.LINEAGE_COMPACT_AT_PERCENT = 140


@pytest.fixture
def churned(transactional_db, make_dataset, compact_small_closures):
    """A hub with 20 derived datasets, 30 new sources above it (630 pairs live at once), then their
    removal: the burst's pages stay in the closure's indexes."""
    empty_closure()
    user = system_actor("tests")
    hub = make_dataset("Hub")
    below = [make_dataset(f"Below {i}") for i in range(20)]
    above = [make_dataset(f"Above {i}") for i in range(30)]
    for dataset in below:
        provenance_services.derivation_add(user=user, derived=dataset, source=hub)
    burst = [provenance_services.derivation_add(user=user, derived=hub, source=dataset) for dataset in above]
    lineage_process_pending()
    assert len(closure_rows()) == 20 + 30 * 21
    for derivation in burst:
        provenance_services.derivation_remove(user=user, derivation=derivation)
    lineage_process_pending()
    assert closure_rows() == {(hub.pk, dataset.pk, 1) for dataset in below}
    return hub, below


def fresh_build() -> tuple[set, int]:
    """The closure rebuilt from scratch into an empty table: its rows and its size."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {EDGE}")
    lineage_rebuild_all()
    return closure_rows(), closure_bytes()


def test_sweep_compacts_a_churned_closure_to_near_its_fresh_size_and_keeps_its_pairs(churned):
    rows = closure_rows()
    churned_bytes = closure_bytes()

    result = lineage_sweep()

    compacted = result["compacted"]
    assert compacted["reindexed"]
    assert compacted["before"] == churned_bytes
    assert compacted["after"] == closure_bytes() < churned_bytes
    assert closure_rows() == rows
    fresh_rows, fresh_bytes = fresh_build()
    assert fresh_rows == rows  # the compacted closure is what a fresh rebuild gives
    assert churned_bytes > 1.5 * fresh_bytes  # the churn did bloat it ...
    assert compacted["after"] <= 1.5 * fresh_bytes  # ... and the sweep brought it back within 1.5x
    with connection.cursor() as cursor:  # every index back and valid: reads stay index-only
        cursor.execute("SELECT COUNT(*) FROM pg_index WHERE indrelid = %s::regclass AND indisvalid", [EDGE])
        assert cursor.fetchone()[0] == 4


def test_next_sweep_leaves_a_compacted_closure_alone(churned):
    assert lineage_sweep()["compacted"]
    files, vacuums = index_files(), vacuum_count()
    assert lineage_sweep()["compacted"] is None
    assert index_files() == files
    assert vacuum_count() == vacuums


def test_sweep_leaves_a_closure_under_the_threshold_alone(transactional_db, make_dataset, compact_small_closures):
    empty_closure()
    user = system_actor("tests")
    a, b, c = (make_dataset(f"Dataset {i}") for i in range(3))
    provenance_services.derivation_add(user=user, derived=b, source=a)
    provenance_services.derivation_add(user=user, derived=c, source=b)
    lineage_process_pending()
    files, vacuums = index_files(), vacuum_count()

    assert lineage_sweep()["compacted"] is None

    assert index_files() == files  # no index rebuilt
    assert vacuum_count() == vacuums  # not even vacuumed
    assert closure_rows() == {(a.pk, b.pk, 1), (b.pk, c.pk, 1), (a.pk, c.pk, 2)}


def test_sweep_leaves_a_churned_closure_smaller_than_the_minimum_alone(churned, settings):
    settings.LINEAGE_COMPACT_MIN_BYTES = 2 * closure_bytes()
    files = index_files()
    assert lineage_sweep()["compacted"] is None
    assert index_files() == files


def test_two_sweeps_never_compact_at_once(churned):
    other = connections.create_connection("default")  # another worker's sweep, holding the compaction lock
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [lineage.COMPACT_LOCK])
        files = index_files()
        assert lineage_sweep()["compacted"] is None
        assert index_files() == files
    finally:
        other.close()
    assert lineage_sweep()["compacted"]  # once the other is done, the next sweep compacts


def reindex_waiting() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE query LIKE 'REINDEX TABLE CONCURRENTLY%%'")
        return cursor.fetchone()[0] > 0


def test_readers_query_the_closure_while_the_sweep_compacts_it(churned):
    hub, below = churned
    expected = sorted((dataset.pk, 1) for dataset in below)
    downstream = f"SELECT descendant_id, depth FROM {EDGE} WHERE ancestor_id = %s ORDER BY descendant_id"
    outcome: dict = {}

    def sweep() -> None:
        try:
            outcome["sweep"] = lineage_sweep()
        finally:
            connection.close()

    def read() -> None:
        # A new reader arriving mid-compaction: it would queue behind an exclusive lock (VACUUM FULL,
        # plain REINDEX) and hit the lock timeout; with the concurrent rebuild it is answered at once.
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
                outcome["reads"] = []
                for _ in range(5):
                    cursor.execute(downstream, [hub.pk])
                    outcome["reads"].append(cursor.fetchall())
        finally:
            connection.close()

    # An older reader's open transaction holds the rebuild at its wait for older snapshots, so the
    # new reader below runs while the compaction is certainly under way.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(downstream, [hub.pk])
            assert sorted(cursor.fetchall()) == expected
        sweeping = threading.Thread(target=sweep)
        sweeping.start()
        deadline = time.monotonic() + 30
        while not reindex_waiting() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert reindex_waiting()
        reading = threading.Thread(target=read)
        reading.start()
        reading.join(timeout=30)
        assert sweeping.is_alive()  # still compacting while the reader was answered
    sweeping.join(timeout=60)

    assert [sorted(rows) for rows in outcome["reads"]] == [expected] * 5
    assert outcome["sweep"]["compacted"]["reindexed"]
    assert sorted(closure_rows()) == sorted((hub.pk, pk, depth) for pk, depth in expected)


def test_compaction_drops_the_invalid_index_an_interrupted_rebuild_left(churned):
    """A REINDEX CONCURRENTLY that fails partway leaves its new copy as an invalid ``_ccnew``
    index, which every write keeps maintaining. A concurrent build that fails is the same state:
    a unique index on ancestor_id cannot be built (the hub has 20 pairs), so it stays invalid."""
    leftover = "lineageedge_down_idx_ccnew"
    with connection.cursor() as cursor, pytest.raises(Exception, match="could not create unique index"):
        cursor.execute(f"CREATE UNIQUE INDEX CONCURRENTLY {leftover} ON {EDGE} (ancestor_id)")
    assert leftover in index_files()
    rows = closure_rows()

    lineage.lineage_compact_indexes()

    assert leftover not in index_files()
    assert closure_rows() == rows
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_index WHERE indrelid = %s::regclass AND indisvalid", [EDGE])
        assert cursor.fetchone()[0] == 4 == len(index_files())
