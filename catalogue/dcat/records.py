"""Keeping each catalogued dataset's RDF ready (catalogue.RdfRecord).

A change that alters what a dataset's RDF shows records RDF work in the outbox inside its
transaction (catalogue.outbox); the drain task, nudged after commit (or the outbox sweep,
if the nudge was lost because Redis was down), rebuilds the records here.
"""

import hashlib
import multiprocessing
from collections.abc import Iterable

from django.db import connection, connections, reset_queries, transaction
from django.utils import timezone
from psycopg2.extras import execute_values

from catalogue import outbox
from catalogue.locks import RDF_RECORDS, lock_datasets
from catalogue.models import Dataset, RdfRecord
from catalogue.rdf.formats import FORMATS, RecordWriter
from catalogue.rdf.record import records_for

FRAGMENT_FIELDS = [f.name for f in FORMATS]
LOAD_CHUNK = 100
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
    with transaction.atomic():
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
        to_create, to_update, to_withdraw = [], [], []
        built: dict[int, list] = {}
        for index, pk in enumerate(ids):
            if index % LOAD_CHUNK == 0:
                # The models and triples of LOAD_CHUNK datasets at a time: memory stays small.
                built = records_for(ids[index : index + LOAD_CHUNK])
            record = existing.get(pk)
            if pk in built:
                writer = RecordWriter(built.pop(pk))
                ntriples = writer.write("ntriples")
                etag = hashlib.sha256(ntriples.encode()).hexdigest()
                if record is not None and record[2] and record[1] == etag:
                    continue
                uri, slug, title = datasets[pk]
                fragments = {name: ntriples if name == "ntriples" else writer.write(name) for name in FRAGMENT_FIELDS}
                values = dict(
                    dataset_id=pk,
                    dataset_uri=uri,
                    slug=slug,
                    title=title[:300],
                    in_catalogue=True,
                    modified=now,
                    withdrawn_at=None,
                    etag=etag,
                    **fragments,
                )
                if record is None:
                    to_create.append(RdfRecord(dataset_pk=pk, created_at=now, **values))
                else:
                    to_update.append((record[0], values))
            elif record is not None and record[2]:
                to_withdraw.append(record[0])
        if to_create:
            RdfRecord.objects.bulk_create(to_create, batch_size=200)
        if to_update:
            _update(to_update)
        if to_withdraw:
            RdfRecord.objects.filter(pk__in=to_withdraw).update(
                in_catalogue=False, modified=now, withdrawn_at=now, etag="", **{name: "" for name in FRAGMENT_FIELDS}
            )
    return len(to_create) + len(to_update) + len(to_withdraw)


def _update(rows: list[tuple[int, dict]], page_size: int = 100) -> None:
    """Write changed records: one UPDATE ... FROM (VALUES ...) per ``page_size`` on
    PostgreSQL (Django's bulk_update builds a CASE per column and row, slow for big text)."""
    fields = _COLUMNS + FRAGMENT_FIELDS
    if connection.vendor != "postgresql":
        records = []
        for pk, values in rows:
            record = RdfRecord(pk=pk, **values)
            records.append(record)
        RdfRecord.objects.bulk_update(records, fields, batch_size=200)
        return
    meta = RdfRecord._meta
    columns = [meta.get_field(name).column for name in fields]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    assignments = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns)
    names = ", ".join(quote(c) for c in ["id", *columns])
    # The first row's casts give every column its type (VALUES would otherwise guess text for NULLs).
    casts = ["%s::bigint"] + [f"%s::{meta.get_field(name).db_type(connection)}" for name in fields]
    template = "(" + ", ".join(casts) + ")"
    sql = f"UPDATE {table} AS r SET {assignments} FROM (VALUES %s) AS v ({names}) WHERE r.id = v.id"
    with connection.cursor() as cursor:
        execute_values(
            cursor, sql, [(pk, *(values[name] for name in fields)) for pk, values in rows], template, page_size
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
