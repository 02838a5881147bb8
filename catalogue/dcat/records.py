"""Keeping each catalogued dataset's RDF ready (catalogue.RdfRecord).

A change that alters what a dataset's RDF shows records RDF work in the outbox inside its
transaction (catalogue.outbox); the drain task, nudged after commit (or the outbox sweep,
if the nudge was lost because Redis was down), rebuilds the records here.
"""

import hashlib
import multiprocessing
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from django.db import connections, reset_queries, transaction
from django.utils import timezone
from psycopg2.extras import execute_values

from catalogue import outbox
from catalogue.locks import RDF_RECORDS, lock_datasets
from catalogue.models import Dataset, RdfRecord
from catalogue.rdf.formats import FORMATS, RecordWriter
from catalogue.rdf.record import records_for
from lib.collector import collector_paused

FRAGMENT_FIELDS = [f.name for f in FORMATS]
# Datasets loaded together (their models and triples are in memory at once) ...
LOAD_CHUNK = 500
# ... and records written by one statement, while the next page is built.
WRITE_PAGE = 100
# What a rebuild writes into a record that changed, besides the fragments.
_COLUMNS = ["dataset_id", "dataset_uri", "slug", "title", "in_catalogue", "modified", "withdrawn_at", "etag"]


def rebuild_records(dataset_ids: Iterable[int]) -> int:
    """Rebuild the stored RDF of these datasets now; returns how many records changed.

    A dataset that is catalogued gets its fragments (only rewritten when they differ,
    so ``modified`` means the RDF really changed); one that is not (draft, withdrawn,
    restricted, deleted) keeps a tombstone row without any RDF. An unchanged record
    costs its N-Triples only: the other three formats are written for changed ones.
    """
    ids = sorted({int(pk) for pk in dataset_ids})
    if not ids:
        return 0
    now = timezone.now()
    changed = 0
    with collector_paused(), transaction.atomic():
        # Two workers rebuilding one dataset take turns, even before its record exists, and
        # the later one reads the later data.
        lock_datasets(RDF_RECORDS, ids)
        existing = {
            pk: (record_id, etag, in_catalogue)
            for record_id, pk, etag, in_catalogue in RdfRecord.objects.select_for_update()
            .filter(dataset_pk__in=ids)
            .order_by("dataset_pk")
            .values_list("id", "dataset_pk", "etag", "in_catalogue")
        }
        datasets = {
            pk: (uri, slug, title)
            for pk, uri, slug, title in Dataset.objects.filter(pk__in=ids).values_list("pk", "uri", "slug", "title")
        }
        to_withdraw = []
        # This thread's connection itself (django.db.connection would give the other thread its own).
        with _PageWriter(connections[RdfRecord.objects.db]) as writer:
            for start in range(0, len(ids), LOAD_CHUNK):
                chunk = ids[start : start + LOAD_CHUNK]
                # The models and triples of LOAD_CHUNK datasets at a time: memory stays small.
                # Read once the page in flight is written (a failed page raises its own error here).
                writer.wait()
                built = records_for(chunk)
                for page_start in range(0, len(chunk), WRITE_PAGE):
                    to_create, to_update = [], []
                    for pk in chunk[page_start : page_start + WRITE_PAGE]:
                        record = existing.get(pk)
                        if pk in built:
                            writer_of = RecordWriter(built.pop(pk))
                            ntriples = writer_of.write("ntriples")
                            etag = hashlib.sha256(ntriples.encode()).hexdigest()
                            if record is not None and record[2] and record[1] == etag:
                                continue
                            uri, slug, title = datasets[pk]
                            values = dict(
                                dataset_id=pk,
                                dataset_uri=uri,
                                slug=slug,
                                title=title[:300],
                                in_catalogue=True,
                                modified=now,
                                withdrawn_at=None,
                                etag=etag,
                                **{n: ntriples if n == "ntriples" else writer_of.write(n) for n in FRAGMENT_FIELDS},
                            )
                            if record is None:
                                to_create.append(dict(values, dataset_pk=pk, created_at=now))
                            else:
                                to_update.append((record[0], values))
                        elif record is not None and record[2]:
                            to_withdraw.append(record[0])
                    writer.write(to_create, to_update)
                    changed += len(to_create) + len(to_update)
        if to_withdraw:
            RdfRecord.objects.filter(pk__in=to_withdraw).update(
                in_catalogue=False, modified=now, withdrawn_at=now, etag="", **{name: "" for name in FRAGMENT_FIELDS}
            )
    return changed + len(to_withdraw)


class _PageWriter:
    """Writes pages of new and changed records. On PostgreSQL a second thread sends each page
    over the same connection, in the same transaction, while this thread builds the next
    (and waits for it before its own next query):
    the server stores one page's fragments (about 14 MB of text to parse, compress and
    TOAST) while Python formats the next one. One page is in flight at most; a page that
    fails raises here, and a build that fails waits for the page in flight before the
    transaction rolls back. Elsewhere (SQLite) each page is written in this thread."""

    def __init__(self, db):
        self.db = db
        self.threaded = db.vendor == "postgresql"
        self.pool = self.in_flight = None

    def __enter__(self):
        if self.threaded:
            self.db.inc_thread_sharing()  # the second thread uses this connection (and transaction)
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rdf-records")
        return self

    def write(self, to_create: list[dict], to_update: list[tuple[int, dict]]) -> None:
        if not (to_create or to_update):
            return
        if not self.threaded:
            _write_page(self.db, to_create, to_update)
            return
        self.wait()
        self.in_flight = self.pool.submit(_write_page, self.db, to_create, to_update)

    def wait(self) -> None:
        """Until the page in flight is written: before this thread uses the connection."""
        in_flight, self.in_flight = self.in_flight, None
        if in_flight is not None:
            in_flight.result()  # the page's own error, raised in this thread

    def __exit__(self, exc_type, exc, traceback) -> None:
        try:
            if exc_type is None:
                self.wait()
        finally:
            if self.threaded:
                self.pool.shutdown(wait=True)
                self.db.dec_thread_sharing()


def _write_page(db, to_create: list[dict], to_update: list[tuple[int, dict]]) -> None:
    if db.vendor != "postgresql":
        # SQLite: Django's bulk writes, in the caller's thread.
        if to_create:
            RdfRecord.objects.bulk_create([RdfRecord(**values) for values in to_create], batch_size=200)
        if to_update:
            records = [RdfRecord(pk=pk, **values) for pk, values in to_update]
            RdfRecord.objects.bulk_update(records, _COLUMNS + FRAGMENT_FIELDS, batch_size=200)
        return
    if to_create:
        _insert(db, to_create)
    if to_update:
        _update(db, to_update)


def _casts(db, fields: list[str]) -> list[str]:
    meta = RdfRecord._meta
    return [f"%s::{meta.get_field(name).db_type(db)}" for name in fields]


def _insert(db, rows: list[dict]) -> None:
    """New records: one INSERT ... VALUES for the page (through ``db``, which may be another
    thread's connection: no ORM query, which would take this thread's own)."""
    fields = ["dataset_pk", "created_at", *_COLUMNS, *FRAGMENT_FIELDS]
    meta, quote = RdfRecord._meta, db.ops.quote_name
    names = ", ".join(quote(meta.get_field(name).column) for name in fields)
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES %s"
    template = "(" + ", ".join(_casts(db, fields)) + ")"
    with db.cursor() as cursor:
        execute_values(cursor, sql, [[values[name] for name in fields] for values in rows], template, WRITE_PAGE)


def _update(db, rows: list[tuple[int, dict]]) -> None:
    """Changed records: one UPDATE ... FROM (VALUES ...) for the page (Django's bulk_update
    builds a CASE per column and row, slow for big text)."""
    fields = _COLUMNS + FRAGMENT_FIELDS
    meta, quote = RdfRecord._meta, db.ops.quote_name
    columns = [meta.get_field(name).column for name in fields]
    assignments = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns)
    names = ", ".join(quote(c) for c in ["id", *columns])
    # The first row's casts give every column its type (VALUES would otherwise guess text for NULLs).
    template = "(" + ", ".join(["%s::bigint", *_casts(db, fields)]) + ")"
    sql = f"UPDATE {quote(meta.db_table)} AS r SET {assignments} FROM (VALUES %s) AS v ({names}) WHERE r.id = v.id"
    with db.cursor() as cursor:
        execute_values(
            cursor, sql, [(pk, *(values[name] for name in fields)) for pk, values in rows], template, WRITE_PAGE
        )


def refresh_pending(*, batch_size: int = 500) -> int:
    """Rebuild the records the outbox asks for (the drain task and ``manage.py rdf_refresh``)."""
    return outbox.drain(outbox.Kind.RDF, lambda rows: rebuild_records(outbox.targets(rows)), batch_size=batch_size)


def _rebuild_batch(batch: list[int]) -> int:
    changed = rebuild_records(batch)
    reset_queries()  # with DEBUG on, Django keeps every query's SQL (the fragments): drop it per batch
    return changed


def _worker_start() -> None:
    connections.close_all()  # a forked worker must not share its parent's connection


def rebuild_all(*, batch_size: int = 500, workers: int = 1, progress=None) -> int:
    """Rebuild every dataset's record (catalogued or with a record), in batches, in
    ``workers`` processes (for bulk loads that bypassed the services)."""
    requested_up_to = outbox.last_id(outbox.Kind.RDF)
    ids = sorted(
        set(Dataset.objects.values_list("pk", flat=True)) | set(RdfRecord.objects.values_list("dataset_pk", flat=True))
    )
    batches = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
    del ids
    total = sum(len(batch) for batch in batches)
    changed = done = 0
    if workers > 1 and len(batches) > 1:
        connections.close_all()
        # Each worker is replaced after 20 batches, so nothing it keeps can grow with the catalogue.
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, initializer=_worker_start, maxtasksperchild=20) as pool:
            for count, size in pool.imap_unordered(_counted, batches):
                changed += count
                done += size
                if progress:
                    progress(done, total)
    else:
        for batch in batches:
            changed += _rebuild_batch(batch)
            done += len(batch)
            if progress:
                progress(done, total)
    outbox.covered(outbox.Kind.RDF, requested_up_to)
    return changed


def _counted(batch: list[int]) -> tuple[int, int]:
    return _rebuild_batch(batch), len(batch)
