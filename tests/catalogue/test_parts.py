"""Parts of a dataset change only through their dataset, and stay with it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalogue import services
from tests.writes import add_distribution, add_field


def test_a_measurement_cannot_point_at_another_datasets_distribution(make_dataset, bob):
    admissions, waiting = make_dataset("Admissions"), make_dataset("Waiting times")
    other = add_distribution(waiting, access_url="https://data.example.gov/w.csv")
    data = {"dimension": "completeness", "metric": "Rows with a region", "value": 99.0, "distribution": other}
    with pytest.raises(ValidationError) as caught:
        services.quality_measurement_record(dataset=admissions, user=bob, data=data)
    assert "Pick a distribution of this dataset" in str(caught.value)
    assert not admissions.quality_measurements.exists()


def test_a_part_of_one_dataset_cannot_be_saved_through_another(make_dataset, bob):
    admissions, waiting = make_dataset("Admissions"), make_dataset("Waiting times")
    field = add_field(waiting, name="trust_code")
    with pytest.raises(PermissionDenied, match="belongs to another dataset"):
        services.field_save(dataset=admissions, user=bob, data={"definition": "x"}, field=field)
    field.refresh_from_db()
    assert field.definition == ""


def test_saving_a_part_bumps_the_datasets_revision_and_names_the_editor(make_dataset, bob):
    dataset = make_dataset()
    before = dataset.revision
    field = services.field_save(dataset=dataset, user=bob, data={"name": "la_code", "definition": "GSS code."})
    dataset.refresh_from_db()
    assert dataset.revision == before + 1
    assert field.history.first().history_user == bob
    services.field_delete(field=field, user=bob)
    dataset.refresh_from_db()
    assert dataset.revision == before + 2
    assert not dataset.fields.exists()


def test_a_viewer_cannot_save_or_delete_parts(make_dataset, vera):
    dataset = make_dataset()
    with pytest.raises(PermissionDenied):
        services.distribution_save(dataset=dataset, user=vera, data={"access_url": "https://data.example.gov/a"})
    assert not dataset.distributions.exists()
