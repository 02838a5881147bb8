"""One dataset loaded from SQL compiled once (``load_for_record``, what scoring or publishing
one dataset reads) is what ``with_rdf_relations`` loads through the ORM: the same row values,
the same joined and listed relations in the same order, so the same record and score facts."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalogue.models import Dataset, Distribution, LinkCheck
from catalogue.prepared import MARKER, Prepared
from catalogue.publication import gate_records
from catalogue.quality.facts import _facts_of_loaded
from catalogue.rdf.record import _related_lists, load_for_record, record_triples, with_rdf_relations
from provenance.models import Derivation

pytestmark = pytest.mark.django_db


def snapshot(obj: Model, root: Model, depth: int = 0):
    """An instance as plain data: its field values, and what its relation caches hold (an
    instance that is the dataset itself is named as such, so cycles end)."""
    if obj is None:
        return None
    if obj is root and depth:
        return "<the dataset itself>"
    values = tuple((f.attname, getattr(obj, f.attname)) for f in obj._meta.concrete_fields)
    joined = {name: snapshot(value, root, depth + 1) for name, value in sorted(obj._state.fields_cache.items())}
    lists = {
        name: [snapshot(o, root, depth + 1) for o in cached._result_cache]
        for name, cached in sorted(getattr(obj, "_prefetched_objects_cache", {}).items())
    }
    if depth == 0:
        lists["current_derivations"] = [snapshot(d, root, 1) for d in obj.current_derivations]
    return (type(obj).__name__, values, joined, lists)


def assert_loaded_alike(ids) -> int:
    now = timezone.now()
    reference = {d.pk: d for d in with_rdf_relations(Dataset.objects.filter(pk__in=ids))}
    compared = 0
    for pk in ids:
        orm, prepared = reference[pk], load_for_record(pk)
        assert snapshot(prepared, prepared) == snapshot(orm, orm), f"dataset {pk} loads differently"
        # What the record and the score are made of, from each.
        assert record_triples(prepared, public_source_ids={1, 2, 3}) == record_triples(orm, public_source_ids={1, 2, 3})
        assert gate_records([prepared]) == gate_records([orm])
        assert _facts_of_loaded(prepared, {}, True, now) == _facts_of_loaded(orm, {}, True, now)
        compared += 1
    return compared


def test_the_demo_catalogue_loads_alike():
    call_command("load_demo")
    ids = list(Dataset.objects.order_by("pk").values_list("pk", flat=True))
    assert assert_loaded_alike(ids) == len(ids) > 10
    # The demo has every relation the record shows, so every list was compared with rows in it.
    loaded = [load_for_record(pk) for pk in ids]
    for name, _, attr in _related_lists():
        assert any(getattr(d, attr) if attr else d._prefetched_objects_cache[name]._result_cache for d in loaded), name


def test_generated_datasets_with_lineage_and_checks_load_alike():
    from bench.generate import generate

    generate(80, seed=4)
    ids = list(Dataset.objects.order_by("pk").values_list("pk", flat=True))
    assert Derivation.objects.current().filter(derived_id__in=ids).exists()
    assert assert_loaded_alike(ids) == 80


def test_an_ended_derivation_is_not_loaded_and_a_missing_dataset_is_none():
    from bench.generate import generate

    generate(30, seed=5)
    derivation = Derivation.objects.current().order_by("pk").first()
    derivation.valid_to = timezone.now()
    derivation.save(update_fields=["valid_to"])
    loaded = load_for_record(derivation.derived_id)
    assert derivation.pk not in [d.pk for d in loaded.current_derivations]
    assert_loaded_alike([derivation.derived_id])
    assert load_for_record(Dataset.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000) is None


def test_each_load_reads_the_rows_as_they_are_now():
    """The SQL is compiled once; the values are read each time (a cached compile must not
    keep the first dataset's rows or id)."""
    from bench.generate import generate

    generate(10, seed=6)
    first, second = Dataset.objects.order_by("pk").values_list("pk", flat=True)[:2]
    assert load_for_record(first).pk == first
    assert load_for_record(second).pk == second
    Distribution.objects.filter(dataset_id=first).delete()
    Dataset.objects.filter(pk=first).update(title="Renamed after the first load")
    again = load_for_record(first)
    assert again.title == "Renamed after the first load"
    assert list(again.distributions.all()) == []


def test_the_related_lists_are_real_querysets_when_asked_more_of():
    """A list loaded once still answers a further filter from the database, for this dataset."""
    from bench.generate import generate

    generate(10, seed=7)
    dataset = next(d for d in Dataset.objects.order_by("pk") if d.distributions.count() > 1)
    loaded = load_for_record(dataset.pk)
    first, count = loaded.distributions.all()[0], dataset.distributions.count()
    with CaptureQueriesContext(connection) as queries:
        assert len(loaded.distributions.all()) == count
    assert len(queries) == 0  # the loaded list, not a query
    assert list(loaded.distributions.filter(pk=first.pk)) == [first]
    assert first.dataset is loaded


def test_one_dataset_is_read_in_one_query_per_list():
    from bench.generate import generate

    generate(10, seed=8)
    pk = Dataset.objects.order_by("pk").values_list("pk", flat=True)[3]
    load_for_record(pk)  # compile
    with CaptureQueriesContext(connection) as queries:
        load_for_record(pk)
    assert len(queries) == 1 + len(_related_lists())
    assert all(str(pk) in q["sql"] for q in queries)


def test_a_prepared_queryset_needs_its_marker_exactly_once():
    with pytest.raises(ValueError, match="exactly one"):
        Prepared(lambda pk: LinkCheck.objects.all()).objects(1)
    with pytest.raises(ValueError, match="exactly one"):
        Prepared(lambda pk: LinkCheck.objects.filter(pk=pk, distribution_id=MARKER)).objects(1)
