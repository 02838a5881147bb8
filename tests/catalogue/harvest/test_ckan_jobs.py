"""Harvest jobs from a CKAN action API (served on 127.0.0.1): packages in, unchanged runs
writing nothing, incremental runs asking only for what changed, deletions noticed from the
full id list."""

import pytest

from catalogue.actors import system_actor
from catalogue.harvest import services
from catalogue.harvest.runner import run_job
from catalogue.models import Dataset

pytestmark = pytest.mark.django_db


def package(n, *, title=None, modified="2026-01-10T09:00:00.000000"):
    return {
        "id": f"00000000-0000-0000-0000-{n:012d}",
        "name": f"package-{n}",
        "title": title or f"CKAN package {n}",
        "notes": f"Description of package {n}.",
        "state": "active",
        "private": False,
        "type": "dataset",
        "license_id": "uk-ogl",
        "maintainer": "Data team",
        "maintainer_email": "data@example.gov",
        "metadata_created": "2025-01-01T00:00:00.000000",
        "metadata_modified": modified,
        "organization": {"name": "dept", "title": "Department of Examples"},
        "tags": [{"name": "examples"}, {"name": "Health"}],
        "groups": [{"name": "health", "title": "Health"}],
        "extras": [{"key": "temporal_start", "value": "2020-01-01"}],
        "resources": [{"url": f"https://files.example.gov/{n}.csv", "format": "CSV", "name": "Data", "size": "2048"}],
    }


@pytest.fixture
def ckan_source(ohs, ckan, settings):
    settings.HARVEST_CKAN_PAGE_SIZE = 10
    ckan.packages = [package(n) for n in range(1, 26)]
    url = ckan.url + "/api/3/action/"
    return services.source_save(
        user=system_actor("tests"),
        organisation=ohs,
        data={"name": "CKAN portal", "url": url, "kind": "ckan", "allow_private_addresses": True},
    )


def harvest(source, **options) -> dict:
    return run_job(services.job_start(user=system_actor("tests"), source=source, send=False, **options).pk)


def test_a_ckan_source_is_paged_through_and_mapped(ckan_source, ckan):
    report = harvest(ckan_source)

    assert report["status"] == "finished", report
    assert report["counts"]["created"] == 25
    assert report["progress"]["pages_done"] == 3 and report["progress"]["records_total"] == 25
    dataset = Dataset.objects.get(harvest__identifier="00000000-0000-0000-0000-000000000007")
    assert dataset.title == "CKAN package 7" and dataset.description == "Description of package 7."
    assert dataset.licence.code == "OGL_3_0"
    assert list(dataset.themes.values_list("code", flat=True)) == ["HEAL"]
    assert sorted(k.lower() for k in dataset.keywords.values_list("name", flat=True)) == ["examples", "health"]
    [dist] = dataset.distributions.all()
    assert (dist.access_url, dist.format.code, dist.byte_size) == ("https://files.example.gov/7.csv", "CSV", 2048)
    assert dataset.harvest.source_page == ckan.url + "/dataset/package-7"


def test_an_incremental_run_asks_for_what_changed_and_notices_deletions(ckan_source, ckan):
    harvest(ckan_source)
    packages = [package(n) for n in range(1, 26) if n != 13]
    packages[0] = package(1, title="Renamed", modified="2099-01-01T00:00:00.000000")
    ckan.packages = packages
    ckan.requests.clear()

    report = harvest(ckan_source)

    assert report["incremental"] is True
    assert any(r.get("fq", "").startswith("metadata_modified:[") for r in ckan.requests)
    assert any(r.get("fl") == "id" for r in ckan.requests)
    assert report["counts"] == {"created": 0, "updated": 1, "unchanged": 0, "withdrawn": 1, "failed": 0}
    assert Dataset.objects.get(harvest__identifier=package(13)["id"]).status == Dataset.Status.WITHDRAWN
    assert Dataset.objects.get(harvest__identifier=package(1)["id"]).title == "Renamed"


def test_a_full_run_of_an_unchanged_ckan_source_writes_nothing(ckan_source):
    harvest(ckan_source)
    report = harvest(ckan_source, incremental=False)
    assert report["counts"] == {"created": 0, "updated": 0, "unchanged": 25, "withdrawn": 0, "failed": 0}
