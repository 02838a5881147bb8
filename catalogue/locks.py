"""PostgreSQL advisory locks, all in one place so their keys cannot collide: the lineage
closure's whole-graph locks, and per-dataset locks for the rebuilders that create one row
per dataset.

``SELECT ... FOR UPDATE`` locks only rows that exist. When two workers rebuild the same
dataset whose row is not there yet (two refresh requests written by two transactions,
handled by two worker processes), both see nothing, both insert, and the second either
fails on the unique key (stored RDF records), counts the dataset twice (search facet
totals) or keeps the same score twice in its history (quality assessments). A PostgreSQL
advisory lock per dataset, taken before reading and held until commit, makes them take
turns; the later one then reads the earlier one's row.
"""

from collections.abc import Iterable

from django.db import connection

# One namespace per kind of row, in the high bits of a 64-bit key: namespace * 2**40 + id,
# so dataset ids up to 2**40 fit, and no key meets the lineage closure's small fixed keys.
RDF_RECORDS = 1
SEARCH_ENTRIES = 2
QUALITY_ASSESSMENTS = 3


def advisory_lock(key: int) -> None:
    """Inside a transaction: take the PostgreSQL advisory lock ``key`` until it ends (the
    lineage closure's whole-graph locks). No-op off PostgreSQL."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def lock_datasets(namespace: int, dataset_ids: Iterable[int]) -> None:
    """Inside a transaction: lock these datasets for ``namespace`` until it ends. Taken in
    ascending order, so two callers with overlapping sets cannot deadlock. No-op off PostgreSQL
    (SQLite runs one writer at a time)."""
    ids = sorted({int(pk) for pk in dataset_ids})
    if connection.vendor != "postgresql" or not ids:
        return
    with connection.cursor() as cursor:
        # unnest yields in array order, and there is no ORDER BY to evaluate the locks before.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s * 1099511627776 + id) FROM unnest(%s::bigint[]) AS id", [namespace, ids]
        )
