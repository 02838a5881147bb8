"""Keeping each catalogued dataset's RDF ready (catalogue.RdfRecord).

A change that alters what a dataset's RDF shows records RDF work in the outbox inside its
transaction (catalogue.outbox); the drain task, nudged after commit (or the outbox sweep,
if the nudge was lost because Redis was down), rebuilds the records here.
"""

import hashlib
import multiprocessing
from collections.abc import Iterable

from django.db import connections, transaction
from django.utils import timezone

from catalogue import outbox
from catalogue.locks import RDF_RECORDS, lock_datasets
from catalogue.models import Dataset, RdfRecord
from catalogue.rdf.formats import FORMATS
from catalogue.rdf.record import records_for

FRAGMENT_FIELDS = [f.name for f in FORMATS]


def rebuild_records(dataset_ids: Iterable[int]) -> int:
    """Rebuild the stored RDF of these datasets now; returns how many records changed.

    A dataset that is catalogued gets its fragments (only rewritten when they differ,
    so ``modified`` means the RDF really changed); one that is not (draft, withdrawn,
    restricted, deleted) keeps a tombstone row without any RDF.
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
            r.dataset_pk: r
            for r in RdfRecord.objects.select_for_update()
            .filter(dataset_pk__in=ids)
            .only("id", "dataset_pk", "etag", "in_catalogue", "created_at", "withdrawn_at")
            .order_by("dataset_pk")
        }
        built = records_for(ids)
        datasets = {d.pk: d for d in Dataset.objects.filter(pk__in=list(built)).only("pk", "uri", "slug", "title")}
        to_create, to_update, to_withdraw = [], [], []
        for pk in ids:
            record = existing.get(pk)
            if pk in built:
                fragments = {f.name: f.fragment(built[pk]) for f in FORMATS}
                etag = hashlib.sha256(fragments["ntriples"].encode()).hexdigest()
                if record is not None and record.in_catalogue and record.etag == etag:
                    continue
                dataset = datasets[pk]
                values = dict(
                    dataset_id=pk,
                    dataset_uri=dataset.uri,
                    slug=dataset.slug,
                    title=dataset.title[:300],
                    in_catalogue=True,
                    modified=now,
                    withdrawn_at=None,
                    etag=etag,
                    **fragments,
                )
                if record is None:
                    to_create.append(RdfRecord(dataset_pk=pk, created_at=now, **values))
                else:
                    for name, value in values.items():
                        setattr(record, name, value)
                    to_update.append(record)
            elif record is not None and record.in_catalogue:
                to_withdraw.append(record.pk)
        if to_create:
            RdfRecord.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            fields = ["dataset_id", "dataset_uri", "slug", "title", "in_catalogue", "modified", "withdrawn_at", "etag"]
            RdfRecord.objects.bulk_update(to_update, fields + FRAGMENT_FIELDS, batch_size=200)
        if to_withdraw:
            RdfRecord.objects.filter(pk__in=to_withdraw).update(
                in_catalogue=False, modified=now, withdrawn_at=now, etag="", **{name: "" for name in FRAGMENT_FIELDS}
            )
    return len(to_create) + len(to_update) + len(to_withdraw)


def refresh_pending(*, batch_size: int = 500) -> int:
    """Rebuild the records the outbox asks for (the drain task and ``manage.py rdf_refresh``)."""
    return outbox.drain(outbox.Kind.RDF, lambda rows: rebuild_records(outbox.targets(rows)), batch_size=batch_size)


def _rebuild_batches(batches: list[list[int]]) -> int:
    connections.close_all()  # a forked worker must not share its parent's connection
    return sum(rebuild_records(batch) for batch in batches)


def rebuild_all(*, batch_size: int = 500, workers: int = 1, progress=None) -> int:
    """Rebuild every dataset's record (catalogued or with a record), in batches, in
    ``workers`` processes (for bulk loads that bypassed the services)."""
    requested_up_to = outbox.last_id(outbox.Kind.RDF)
    ids = set(Dataset.objects.values_list("pk", flat=True)) | set(
        RdfRecord.objects.values_list("dataset_pk", flat=True)
    )
    ordered = sorted(ids)
    batches = [ordered[start : start + batch_size] for start in range(0, len(ordered), batch_size)]
    if workers > 1 and len(batches) > 1:
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            changed = 0
            for done, count in enumerate(pool.imap_unordered(_rebuild_batches, [[b] for b in batches]), start=1):
                changed += count
                if progress:
                    progress(min(done * batch_size, len(ordered)), len(ordered))
            outbox.covered(outbox.Kind.RDF, requested_up_to)
            return changed
    changed = 0
    for done, batch in enumerate(batches, start=1):
        changed += rebuild_records(batch)
        if progress:
            progress(min(done * batch_size, len(ordered)), len(ordered))
    outbox.covered(outbox.Kind.RDF, requested_up_to)
    return changed
