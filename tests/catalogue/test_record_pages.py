"""Stored records are written page by page, on PostgreSQL by a second thread over the same
connection while the next page is built. What a batch leaves is what the reference writers
give, over many pages of new and changed records; a page or a build that fails leaves every
stored record as it was, and the connection is not left shared."""

import pytest
from django.db import DataError, connection, transaction

from catalogue.dcat import records
from catalogue.models import Dataset, RdfRecord
from catalogue.rdf import formats
from tests.catalogue.test_rdf_records_equal import assert_records_equal_the_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_pages(monkeypatch):
    """Chunks of 9 datasets written in pages of 4: a few dozen datasets make many pages."""
    monkeypatch.setattr(records, "LOAD_CHUNK", 9)
    monkeypatch.setattr(records, "WRITE_PAGE", 4)


def generated(n: int, seed: int) -> list[int]:
    from bench.generate import generate

    generate(n, seed=seed)
    return list(Dataset.objects.order_by("pk").values_list("pk", flat=True))


def stored() -> dict:
    return {
        r.dataset_pk: (r.etag, r.modified, r.turtle, r.ntriples, r.jsonld, r.rdfxml, r.in_catalogue)
        for r in RdfRecord.objects.all()
    }


def test_many_pages_of_new_then_changed_records_equal_the_reference_writers(small_pages):
    ids = generated(40, seed=21)
    assert records.rebuild_records(ids) == len(records.records_for(ids)) > 30  # every record new
    assert_records_equal_the_reference()
    # Every other record changed (a title), and every third marked stale: updates across pages.
    for dataset in Dataset.objects.filter(pk__in=ids[::2]):
        dataset.title = f"{dataset.title} (revised)"
        dataset.save(update_fields=["title"])
    RdfRecord.objects.filter(dataset_pk__in=ids[::3]).update(etag="stale")
    changed = records.rebuild_records(ids)
    assert changed == len(RdfRecord.objects.filter(dataset_pk__in=set(ids[::2]) | set(ids[::3]), in_catalogue=True))
    assert_records_equal_the_reference()
    assert RdfRecord.objects.filter(etag="stale").count() == 0
    assert connection.allow_thread_sharing is False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the second thread writes on PostgreSQL only")
def test_a_page_that_fails_in_the_writing_thread_leaves_every_record_as_it_was(small_pages, monkeypatch):
    ids = generated(30, seed=22)
    records.rebuild_records(ids)
    RdfRecord.objects.filter(dataset_pk__in=ids).update(etag="stale")
    before = stored()
    writes = []
    real_update = records._update

    def third_page_fails(db, rows):
        writes.append(len(rows))
        if len(writes) == 3:
            with db.cursor() as cursor:
                cursor.execute("SELECT 1 / 0")  # a real database error, raised in the writing thread
        real_update(db, rows)

    monkeypatch.setattr(records, "_update", third_page_fails)
    with pytest.raises(DataError):
        records.rebuild_records(ids)
    assert len(writes) == 3  # two pages had been written before the failure: both rolled back
    assert stored() == before
    assert connection.allow_thread_sharing is False
    # The connection is usable again, and the next rebuild writes everything.
    monkeypatch.setattr(records, "_update", real_update)
    assert records.rebuild_records(ids) == len(before)
    assert_records_equal_the_reference()


def test_a_build_that_fails_while_a_page_is_written_leaves_every_record_as_it_was(small_pages, monkeypatch):
    ids = generated(30, seed=23)
    records.rebuild_records(ids)
    RdfRecord.objects.filter(dataset_pk__in=ids).update(etag="stale")
    Dataset.objects.filter(pk__in=ids[:5]).update(title="Changed, not yet stored")
    before = stored()
    built = []
    real_writer = formats.RecordWriter

    def fails_on_the_twentieth(triples):
        built.append(1)
        if len(built) == 20:
            raise RuntimeError("the mapping failed")
        return real_writer(triples)

    monkeypatch.setattr(records, "RecordWriter", fails_on_the_twentieth)
    with pytest.raises(RuntimeError, match="the mapping failed"):
        with transaction.atomic():
            records.rebuild_records(ids)
    assert stored() == before
    assert connection.allow_thread_sharing is False
