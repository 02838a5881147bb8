"""The bulk service keeps the services' rules: permission, validation, history, outbox."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from catalogue.actors import system_actor
from catalogue.bulk import BulkLoad
from catalogue.models import Dataset, DerivedWork, Distribution
from provenance.models import Derivation

pytestmark = pytest.mark.django_db


def dataset_row(pk, ohs, **extra):
    return {
        "id": pk,
        "uuid": uuid.uuid4(),
        "uri": f"http://example.gov/id/dataset/{pk}",
        "slug": f"bulk-{pk}",
        "title": f"Bulk {pk}",
        "description": "d",
        "publisher_id": ohs.pk,
        "status": "published",
        **extra,
    }


def test_a_bulk_load_records_history_and_the_derived_work_of_every_dataset_and_derivation(ohs):
    actor = system_actor("tests")
    with transaction.atomic():
        load = BulkLoad(user=actor)
        for pk in (9001, 9002):
            load.add(Dataset, dataset_row(pk, ohs))
        load.add(Derivation, {"id": 7001, "source_id": 9001, "derived_id": 9002, "valid_to": None})
        load.finish()
    assert set(Dataset.objects.values_list("slug", flat=True)) >= {"bulk-9001", "bulk-9002"}
    history = Dataset.history.filter(id__in=[9001, 9002])
    assert history.count() == 2 and {h.history_user_id for h in history} == {actor.pk}
    work = set(DerivedWork.objects.values_list("kind", "source_id", "target_id"))
    for pk in (9001, 9002):
        assert {("search", None, pk), ("rdf", None, pk), ("quality", None, pk)} <= work
    assert ("lineage", 9001, 9002) in work


def test_a_bad_row_stops_the_load_and_names_it_and_nothing_is_written(ohs):
    with pytest.raises(ValidationError, match=r"row 2: .*status"), transaction.atomic():
        load = BulkLoad(user=system_actor("tests"))
        load.add(Dataset, dataset_row(9101, ohs))
        load.add(Dataset, dataset_row(9102, ohs, status="sort-of-published"))
        load.finish()
    assert not Dataset.objects.filter(id__in=[9101, 9102]).exists()
    with pytest.raises(ValidationError, match="access_url"), transaction.atomic():
        load = BulkLoad(user=system_actor("tests"))
        load.add(Dataset, dataset_row(9103, ohs))
        load.add(Distribution, {"id": 9103, "uuid": uuid.uuid4(), "dataset_id": 9103, "access_url": "not a url"})
        load.finish()
    assert not Dataset.objects.filter(id=9103).exists()


def test_only_site_administrators_and_system_actors_load_in_bulk(bob, alice):
    for user in (bob, alice):
        with pytest.raises(PermissionDenied):
            BulkLoad(user=user)
