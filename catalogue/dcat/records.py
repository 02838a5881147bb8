"""Keeping each catalogued dataset's RDF ready (catalogue.RdfRecord).

A change that alters what a dataset's RDF shows calls ``request_refresh`` inside its
transaction: that writes an RdfRefreshRequest row with the change, and after commit
nudges a Celery task. The task (or the periodic sweep, if the nudge was lost because
Redis was down) rebuilds the records and deletes the requests it handled.
"""

import hashlib
from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.utils import timezone

from catalogue.models import Dataset, RdfRecord, RdfRefreshRequest
from catalogue.rdf.formats import FORMATS
from catalogue.rdf.record import records_for
from lib.rowlocks import RDF_RECORDS, lock_datasets

FRAGMENT_FIELDS = [f.name for f in FORMATS]


def request_refresh(dataset_ids: Iterable[int]) -> None:
    """Record that these datasets' stored RDF must be rebuilt, in the caller's transaction,
    and nudge the refresh task once that transaction commits."""
    ids = sorted({int(pk) for pk in dataset_ids if pk is not None})
    if not ids:
        return
    RdfRefreshRequest.objects.bulk_create([RdfRefreshRequest(dataset_pk=pk) for pk in ids])
    transaction.on_commit(partial(_nudge, ids))


def _nudge(ids: list[int]) -> None:
    from catalogue.dcat.tasks import rdf_refresh
    from config.celery import task_send_quietly

    task_send_quietly(rdf_refresh, ids)


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


def refresh_pending(dataset_ids: Iterable[int] | None = None, *, batch_size: int = 500) -> int:
    """Handle waiting refresh requests (only those for ``dataset_ids`` if given).

    Each batch locks its request rows (others skip them), rebuilds, and deletes exactly
    the rows it read, so a request written meanwhile is never lost.
    """
    handled = 0
    only = None if dataset_ids is None else sorted({int(pk) for pk in dataset_ids})
    while True:
        with transaction.atomic():
            requests = RdfRefreshRequest.objects.order_by("id")
            if only is not None:
                requests = requests.filter(dataset_pk__in=only)
            rows = list(requests.select_for_update(skip_locked=True).values_list("id", "dataset_pk")[:batch_size])
            if not rows:
                return handled
            rebuild_records({pk for _, pk in rows})
            RdfRefreshRequest.objects.filter(id__in=[row_id for row_id, _ in rows]).delete()
            handled += len({pk for _, pk in rows})
        if len(rows) < batch_size:
            return handled


def _rebuild_batches(batches: list[list[int]]) -> int:
    from django.db import connections

    connections.close_all()  # a forked worker must not share its parent's connection
    return sum(rebuild_records(batch) for batch in batches)


def rebuild_all(*, batch_size: int = 500, workers: int = 1, progress=None) -> int:
    """Rebuild every dataset's record (catalogued or with a record), in batches, in
    ``workers`` processes (for bulk loads that bypassed the signals)."""
    ids = set(Dataset.objects.values_list("pk", flat=True)) | set(
        RdfRecord.objects.values_list("dataset_pk", flat=True)
    )
    ordered = sorted(ids)
    batches = [ordered[start : start + batch_size] for start in range(0, len(ordered), batch_size)]
    if workers > 1 and len(batches) > 1:
        import multiprocessing

        from django.db import connections

        connections.close_all()
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            changed = 0
            for done, count in enumerate(pool.imap_unordered(_rebuild_batches, [[b] for b in batches]), start=1):
                changed += count
                if progress:
                    progress(min(done * batch_size, len(ordered)), len(ordered))
            return changed
    changed = 0
    for done, batch in enumerate(batches, start=1):
        changed += rebuild_records(batch)
        if progress:
            progress(min(done * batch_size, len(ordered)), len(ordered))
    return changed
