"""Writes the API fuzzing found answering 500: each now gets a 4xx or works."""

from rest_framework.test import APIClient

from catalogue import services
from catalogue.actors import system_actor
from catalogue.models import Dataset, Field, Membership


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_title_with_underscores_makes_a_slug_the_dataset_urls_accept(db, bob):
    response = api_as(bob).post("/api/v1/datasets/", {"title": "beds_by_ward", "publisher": "ohs"}, format="json")
    assert response.status_code == 201, response.content
    dataset = Dataset.objects.get(title="beds_by_ward")
    assert dataset.slug == "beds-by-ward"
    assert api_as(bob).get(response.json()["url"]).status_code == 200


def test_renaming_a_field_to_a_name_its_dataset_already_has_is_refused(db, bob, make_dataset):
    dataset = make_dataset("Hospital admissions")
    services.field_save(dataset=dataset, user=system_actor("tests"), data={"name": "region"})
    other = services.field_save(dataset=dataset, user=system_actor("tests"), data={"name": "month"})
    response = api_as(bob).patch(f"/api/v1/fields/{other.pk}/", {"name": "region"}, format="json")
    assert response.status_code == 400
    assert "name" in response.content.decode().lower()
    assert sorted(Field.objects.filter(dataset=dataset).values_list("name", flat=True)) == ["month", "region"]


def test_a_membership_without_a_role_is_refused_with_the_reason(db, alice, charlie):
    response = api_as(alice).post("/api/v1/memberships/", {"organisation": "ohs", "user": "charlie"}, format="json")
    assert response.status_code == 400
    assert "role" in response.json()
    assert not Membership.objects.filter(user=charlie).exists()
