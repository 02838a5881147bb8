"""The dataset list's JSON is what DRF's own serializer path gives, dataset for dataset.

GET /api/v1/datasets/ presents a page through catalogue.api.serializers.DatasetListSerializer,
which reads each field straight from the row and makes the links by substitution; every
dataset in it must be byte for byte what DatasetSerializer gives for that dataset alone
(the detail endpoint), and what DRF's generic ListSerializer gives for the same page."""

import datetime

import pytest
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from catalogue import services
from catalogue.actors import system_actor
from catalogue.api.serializers import DatasetSerializer
from catalogue.models import Dataset
from tests.conftest import client_as, term

LIST = "/api/v1/datasets/"


@pytest.fixture
def varied(ohs, dft, bob):
    """Datasets with every property given and with none, several keywords and themes (in an
    order other than the one they are listed in), withdrawn, restricted, awaiting review."""
    actor = system_actor("tests")
    full = {
        "title": "Admissions by ward",
        "description": "Counts — with “quotes”, <tags> & unicode: café.",
        "contact_name": "Data team",
        "contact_email": "data@example.gov",
        "licence": term("licence", "OGL_3_0"),
        "access_rights": Dataset.AccessRights.PUBLIC,
        "temporal_start": datetime.date(2020, 1, 1),
        "temporal_end": datetime.date(2024, 12, 31),
        "spatial_uri": "http://data.europa.eu/nuts/code/UKI",
        "spatial_label": "London",
        "frequency": term("frequency", "MONTHLY"),
        "language": term("language", "ENG"),
        "version": "2.1",
        "version_notes": "Ward boundaries of 2023.",
        "conforms_to": "https://www.w3.org/TR/vocab-dcat-3/",
        "landing_page": "https://example.gov/admissions",
        "issued": datetime.date(2021, 3, 4),
        "modified": datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.UTC),
        "status": Dataset.Status.PUBLISHED,
    }
    made = [
        services.dataset_import(
            user=actor,
            organisation=ohs,
            data=full,
            keywords=["zebra", "admissions", "Hospital", "beds"],
            themes=[term("theme", "TRAN"), term("theme", "HEAL"), term("theme", "ECON")],
        ),
        services.dataset_import(
            user=actor, organisation=dft, data={"title": "Bare", "status": Dataset.Status.PUBLISHED}
        ),
        services.dataset_import(
            user=actor,
            organisation=ohs,
            data={"title": "Gone", "status": Dataset.Status.WITHDRAWN, "withdrawn_reason": "Superseded by X"},
            keywords=["old"],
        ),
        services.dataset_import(
            user=actor,
            organisation=ohs,
            data={
                "title": "Inside only",
                "access_rights": Dataset.AccessRights.RESTRICTED,
                "status": Dataset.Status.PUBLISHED,
            },
        ),
        services.dataset_import(
            user=actor, organisation=ohs, data={"title": "Being written", "status": Dataset.Status.DRAFT}
        ),
    ]
    Dataset.objects.filter(pk=made[0].pk).update(quality_score=321, quality_band="good", review_requested_by=bob)
    Dataset.objects.filter(pk=made[1].pk).update(quality_score=0, quality_band="bad")
    return made


def _items(client, url):
    """Every dataset of the list at ``url``, following next."""
    items = []
    while url:
        body = client.get(url).json()
        items += body["results"]
        url = body["next"]
    return items


@pytest.mark.parametrize("persona", ["anon", "bob", "charlie"])
@pytest.mark.parametrize("paging", ["page_size=2", "page_size=2&cursor=", "ordering=title&page_size=3&cursor="])
def test_each_listed_dataset_is_what_its_own_endpoint_gives(request, varied, persona, paging):
    user = None if persona == "anon" else request.getfixturevalue(persona)
    client = client_as(user)
    items = _items(client, f"{LIST}?{paging}")
    assert len(items) == (5 if persona == "bob" else 3)
    for item in items:
        assert item == client.get(item["url"]).json()


def test_the_format_suffix_carries_into_the_links_as_before(varied):
    client = client_as(None)
    body = client.get("/api/v1/datasets.json?page_size=10").json()
    assert body["results"] and all(item["url"].endswith(".json") for item in body["results"])
    for item in body["results"]:
        assert item == client.get(item["url"]).json()


@pytest.mark.parametrize("path", ["/api/v1/datasets/", "/api/v1/datasets.json"])
def test_a_page_is_byte_for_byte_what_drfs_list_serializer_gives(varied, path):
    """The reference: DRF's generic ListSerializer over the page loaded with the prefetch."""
    http = APIRequestFactory().get(path, {"page_size": 10}, HTTP_HOST="testserver")
    rows = list(
        Dataset.objects.filter(
            status__in=[Dataset.Status.PUBLISHED, Dataset.Status.WITHDRAWN], access_rights=Dataset.AccessRights.PUBLIC
        )
        .select_related("publisher", "licence", "frequency", "language")
        .prefetch_related("keywords", "themes")
        .order_by("-updated_at", "-pk")
    )
    assert len(rows) == 3
    context = {"request": Request(http), "format": "json" if path.endswith(".json") else None}
    reference = serializers.ListSerializer(rows, child=DatasetSerializer(), context=context).data
    fast = DatasetSerializer(rows, many=True, context=context).data
    assert JSONRenderer().render(fast) == JSONRenderer().render(reference)
    assert JSONRenderer().render(client_as(None).get(f"{path}?page_size=10").json()["results"]) == (
        JSONRenderer().render(reference)
    )


def test_an_empty_page_is_an_empty_list(db):
    assert client_as(None).get(f"{LIST}?cursor=").json()["results"] == []
