"""The CKAN-compatible action API, read by the real ckanapi client against a live server."""

import datetime

import ckanapi
import pytest
import requests
from django.utils import timezone

from catalogue.models import Dataset
from tests.catalogue.dcat_data import full_dataset


@pytest.fixture
def catalogue(live_server, ohs, dft):
    """Catalogued datasets across two organisations and formats, plus every hidden kind."""
    public = [
        full_dataset(ohs, "Hospital admissions", keywords=("health", "hospitals")),
        full_dataset(ohs, "Bed occupancy", keywords=("health",)),
        full_dataset(dft, "Road casualties", keywords=("transport",), fmt="JSON"),
    ]
    hidden = [
        full_dataset(ohs, "Draft admissions", status=Dataset.Status.DRAFT),
        full_dataset(ohs, "Withdrawn admissions", status=Dataset.Status.WITHDRAWN),
        full_dataset(ohs, "Restricted admissions", access=Dataset.AccessRights.RESTRICTED),
        full_dataset(dft, "Secret roads", access=Dataset.AccessRights.NON_PUBLIC),
    ]
    return {"public": public, "hidden": hidden, "ckan": ckanapi.RemoteCKAN(live_server.url)}


def test_ckanapi_reads_package_search_with_facets(catalogue):
    ckan = catalogue["ckan"]
    result = ckan.action.package_search(
        q="", rows=2, **{"facet.field": '["organization","res_format","tags","license_id"]'}
    )
    assert result["count"] == 3
    assert len(result["results"]) == 2
    facets = result["search_facets"]
    organisations = {item["name"]: item["count"] for item in facets["organization"]["items"]}
    assert organisations == {"ohs": 2, "dft": 1}
    assert {item["name"]: item["count"] for item in facets["res_format"]["items"]} == {"CSV": 2, "JSON": 1}
    assert {item["name"]: item["count"] for item in facets["tags"]["items"]} == {
        "health": 2,
        "hospitals": 1,
        "transport": 1,
    }
    assert result["facets"]["license_id"] == {"OGL_3_0": 3}
    names = {p["name"] for p in ckan.action.package_search(rows=1000)["results"]}
    assert names == {d.slug for d in catalogue["public"]}


def test_package_search_filters_with_fq_sort_and_paging(catalogue):
    ckan = catalogue["ckan"]
    assert ckan.action.package_search(fq="organization:dft")["count"] == 1
    assert ckan.action.package_search(fq="tags:health")["count"] == 2
    assert ckan.action.package_search(fq="res_format:JSON")["results"][0]["name"] == "road-casualties"
    assert ckan.action.package_search(fq="license_id:OGL_3_0 -organization:dft")["count"] == 2
    assert ckan.action.package_search(fq='organization:ohs tags:"hospitals"')["count"] == 1
    future = (timezone.now() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ckan.action.package_search(fq=f"metadata_modified:[{future} TO *]")["count"] == 0
    assert ckan.action.package_search(fq="metadata_modified:[2000-01-01T00:00:00Z TO *]")["count"] == 3
    assert ckan.action.package_search(q="occupancy")["count"] == 1
    by_name = ckan.action.package_search(sort="name asc", rows=2, start=1)
    assert [p["name"] for p in by_name["results"]] == ["hospital-admissions", "road-casualties"]
    with pytest.raises(ckanapi.SearchQueryError):
        ckan.action.package_search(fq="colour:blue")
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.package_search(rows="many")


def test_ckanapi_reads_package_show_by_name_or_id(catalogue):
    ckan = catalogue["ckan"]
    dataset = catalogue["public"][0]
    package = ckan.action.package_show(id=dataset.slug)
    assert package["name"] == dataset.slug and package["title"] == dataset.title
    assert package["organization"]["name"] == "ohs"
    assert package["resources"][0]["format"] == "CSV"
    assert package["resources"][0]["url"].endswith(".csv")
    assert {t["name"] for t in package["tags"]} == {"health", "hospitals"}
    assert ckan.action.package_show(id=str(dataset.uuid))["name"] == dataset.slug
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="no-such-dataset")
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.package_show()


def test_hidden_datasets_are_in_no_ckan_answer(catalogue, live_server):
    ckan = catalogue["ckan"]
    for dataset in catalogue["hidden"]:
        with pytest.raises(ckanapi.NotFound):
            ckan.action.package_show(id=dataset.slug)
        with pytest.raises(ckanapi.NotFound):
            ckan.action.package_show(id=str(dataset.uuid))
    listed = set(ckan.action.package_list())
    searched = {p["name"] for p in ckan.action.package_search(rows=1000, fq="organization:ohs")["results"]}
    shown = ckan.action.organization_show(id="ohs", include_datasets=True)
    for dataset in catalogue["hidden"]:
        assert dataset.slug not in listed | searched | {p["name"] for p in shown["packages"]}
    assert shown["package_count"] == 2
    counts = {o["name"]: o["package_count"] for o in ckan.action.organization_list(all_fields=True)}
    assert counts == {"ohs": 2, "dft": 1}


def test_organizations_list_and_show(catalogue):
    ckan = catalogue["ckan"]
    assert ckan.action.organization_list() == ["dft", "ohs"]  # by title
    assert ckan.action.organization_list(sort="package_count desc", limit=1) == ["ohs"]
    assert ckan.action.organization_show(id="dft")["title"] == "Department for Transport"
    with pytest.raises(ckanapi.NotFound):
        ckan.action.organization_show(id="nobody")


def test_both_url_prefixes_answer_get_and_post_in_the_ckan_envelope(catalogue, live_server):
    for prefix in ("/api/3/action/", "/api/action/"):
        got = requests.get(f"{live_server.url}{prefix}package_list", timeout=10)
        assert got.status_code == 200
        body = got.json()
        assert body["success"] is True and "help" in body and len(body["result"]) == 3
        posted = requests.post(f"{live_server.url}{prefix}package_search", json={"fq": "organization:ohs"}, timeout=10)
        assert posted.json()["result"]["count"] == 2
    missing = requests.get(f"{live_server.url}/api/3/action/package_show?id=nope", timeout=10)
    assert missing.status_code == 404
    assert missing.json() == {
        "help": missing.json()["help"],
        "success": False,
        "error": {"__type": "Not Found Error", "message": "Not found: Dataset not found"},
    }
    unknown = requests.get(f"{live_server.url}/api/3/action/package_create", timeout=10)
    assert unknown.status_code == 400 and unknown.json()["success"] is False


def test_harvesters_list_ids_in_id_order_with_fl(catalogue):
    ckan = catalogue["ckan"]
    listed = ckan.action.package_search(fl="id,name", sort="id asc", rows=1000)
    assert listed["count"] == 3
    assert [p["id"] for p in listed["results"]] == sorted(str(d.uuid) for d in catalogue["public"])
    assert {tuple(sorted(p)) for p in listed["results"]} == {("id", "name")}
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.package_search(fl="id,secret_column")
    # CKAN's address of a dataset page leads to Provcat's.
    page = requests.get(f"{ckan.address}/dataset/{catalogue['public'][0].slug}", timeout=10)
    assert page.status_code == 200 and page.url.endswith(f"/datasets/{catalogue['public'][0].slug}/")
