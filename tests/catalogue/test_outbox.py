"""The outbox: every write records its derived work with the change, one nudge per kind per
transaction, nothing recorded for a change that failed, and no signal receivers."""

import json

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from catalogue import outbox, services
from catalogue.models import Dataset, DerivedWork

pytestmark = pytest.mark.django_db


@pytest.fixture
def nudges(monkeypatch):
    sent = []
    monkeypatch.setattr(outbox, "task_send_quietly", lambda task, *a, **k: sent.append(task.name))
    return sent


def test_one_transaction_of_many_changes_sends_one_nudge_per_kind(make_dataset, bob, nudges):
    dataset = make_dataset("Hospital admissions")
    nudges.clear()
    with transaction.atomic():
        rows = [{"name": f"col_{i}", "definition": "d", "datatype": "string"} for i in range(30)]
        services.fields_replace(dataset=dataset, user=bob, rows=rows)
        services.distribution_save(dataset=dataset, user=bob, data={"access_url": "https://example.gov/a.csv"})
        services.validation_check_record(dataset=dataset, user=bob, data={"name": "No blanks", "outcome": "pass"})
        assert nudges == []  # nothing is sent before the commit
    assert sorted(nudges) == sorted(set(nudges))
    assert set(nudges) == {"catalogue.search_drain", "catalogue.rdf_refresh", "catalogue.quality_score_datasets"}


def test_work_recorded_in_a_rolled_back_transaction_is_gone_and_the_next_one_is_nudged(make_dataset, bob, nudges):
    dataset = make_dataset("Hospital admissions")
    DerivedWork.objects.all().delete()
    nudges.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.dataset_update(dataset=dataset, user=bob, data={"title": "Rolled back"}, expected_revision=None)
        assert DerivedWork.objects.filter(target_id=dataset.pk).exists()
        raise RuntimeError("the change fails")
    assert not DerivedWork.objects.exists() and nudges == []
    dataset.refresh_from_db()
    services.dataset_update(dataset=dataset, user=bob, data={"title": "Kept"}, expected_revision=None)
    assert "catalogue.search_drain" in nudges


def test_a_refused_change_records_no_work(make_dataset, bob):
    dataset = make_dataset("Hospital admissions")
    DerivedWork.objects.all().delete()
    with pytest.raises(ValidationError):
        services.dataset_update(
            dataset=dataset,
            user=bob,
            data={"temporal_start": "2024-02-01", "temporal_end": "2023-01-01"},
            expected_revision=None,
        )
    assert not DerivedWork.objects.exists()


def test_with_the_broker_down_the_work_waits_and_the_sweep_does_it(make_dataset, bob, monkeypatch):
    dataset = make_dataset("Hospital admissions")
    monkeypatch.setattr(outbox, "task_send_quietly", lambda task, *a, **k: False)  # every nudge lost
    services.dataset_update(dataset=dataset, user=bob, data={"title": "Bed days"}, expected_revision=None)
    assert set(DerivedWork.objects.filter(target_id=dataset.pk).values_list("kind", flat=True)) == {
        "search",
        "rdf",
        "quality",
    }
    assert dataset.search_entry.title == "Hospital admissions"  # not yet
    outbox.sweep(min_age_seconds=0)
    assert not DerivedWork.objects.exists()
    dataset = Dataset.objects.select_related("search_entry", "rdf_record").get(pk=dataset.pk)
    assert dataset.search_entry.title == "Bed days" and "Bed days" in dataset.rdf_record.turtle


def test_no_signal_receiver_keeps_derived_state():
    """Only the history library listens to saves; every consequence is in a service."""
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in ("catalogue", "provenance", "demo"):
            continue
        for signal in (pre_save, post_save, pre_delete, post_delete, m2m_changed):
            for receiver in signal._live_receivers(model)[0]:
                receiver = getattr(receiver, "func", receiver)  # functools.partial
                module = getattr(receiver, "__module__", "") or type(receiver).__module__
                assert module.startswith("simple_history"), (model.__name__, signal, receiver)


def test_a_dictionary_row_cannot_name_another_dataset(make_dataset, dft, bob, client_for):
    """Rows are taken through an allowlist of keys: a row carrying dataset_id of another
    organisation's dataset is refused, and nothing is written anywhere."""
    mine = make_dataset("Hospital admissions")
    theirs = make_dataset("Road casualties", publisher=dft, access_rights="NON_PUBLIC")
    rows = [{"name": "injected", "dataset_id": theirs.pk}]
    with pytest.raises(ValidationError, match="dataset_id"):
        services.fields_replace(dataset=mine, user=bob, rows=rows)
    response = client_for(bob).post(
        f"/publish/datasets/{mine.slug}/fields/import/",
        {"confirm": "1", "rows": json.dumps(rows), "revision": mine.revision},
        follow=True,
    )
    assert response.status_code == 200 and "could not be saved" in response.content.decode()
    assert not theirs.fields.exists() and not mine.fields.exists()


def test_organisation_details_are_changed_by_its_admins_only_and_its_records_follow(make_dataset, ohs, alice, bob):
    from django.core.exceptions import PermissionDenied

    dataset = make_dataset("Hospital admissions")
    with pytest.raises(PermissionDenied):
        services.organisation_update(organisation=ohs, user=bob, data={"name": "Office for Hospital Statistics"})
    with pytest.raises(ValidationError, match="slug"):
        services.organisation_update(organisation=ohs, user=alice, data={"slug": "elsewhere"})
    services.organisation_update(organisation=ohs, user=alice, data={"name": "Office for Hospital Statistics"})
    assert "Office for Hospital Statistics" in Dataset.objects.get(pk=dataset.pk).rdf_record.turtle
