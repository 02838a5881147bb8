"""The other catalogue pages, and the pages served as in production (DEBUG off, hashed static files)."""

import re

import pytest
from django.core.management import call_command

from catalogue.models import Dataset
from tests.writes import add_themes


@pytest.fixture
def mixed(make_dataset, dft):
    public = add_themes(make_dataset("Public admissions"), "HEAL")
    secret = add_themes(make_dataset("Secret admissions", access_rights=Dataset.AccessRights.RESTRICTED), "HEAL")
    add_themes(make_dataset("Draft admissions", status=Dataset.Status.DRAFT), "HEAL")
    return public, secret


def test_organisation_page_lists_and_counts_only_what_the_visitor_may_see(client_for, mixed, anon, vera):
    html = client_for(anon).get("/organisations/ohs/").content.decode()
    assert "Public admissions" in html and "Secret admissions" not in html and "Draft admissions" not in html
    assert re.search(r'<span class="stat-value">1</span> <span class="stat-label">dataset in search', html)
    member = client_for(vera).get("/organisations/ohs/").content.decode()
    assert "Secret admissions" in member and "Draft admissions" in member
    assert re.search(r'<span class="stat-value">3</span>', member)
    listing = client_for(anon).get("/organisations/").content.decode()
    assert re.search(
        r"Office for Health Statistics</a></h2>\s*<p[^>]*>[^<]*</p>\s*<p class=\"card-count\">1 dataset<", listing
    )
    member_listing = client_for(vera).get("/organisations/").content.decode()
    assert re.search(
        r"Office for Health Statistics</a></h2>\s*<p[^>]*>[^<]*</p>\s*<p class=\"card-count\">3 datasets<",
        member_listing,
    )


def test_themes_page_counts_only_visible_datasets_and_links_to_the_filtered_search(client_for, mixed, anon, vera):
    html = client_for(anon).get("/themes/").content.decode()
    health = re.search(r'<a href="(/\?theme=HEAL)">Health</a></h2>\s*<p class="card-count">(\d+) dataset', html)
    assert health and health.group(2) == "1"
    assert "Public admissions" in client_for(anon).get(health.group(1)).content.decode()
    member = client_for(vera).get("/themes/").content.decode()
    assert re.search(r'>Health</a></h2>\s*<p class="card-count">3 datasets', member)


def test_api_guide_tells_a_machine_where_every_endpoint_is(client, mixed):
    html = client.get("/about/api/").content.decode()
    for endpoint in (
        "/catalog",
        "/catalog.ttl",
        "modified_since",
        "/catalog/changes",
        "hydra:next",
        "/api/3/action/package_search",
        "/api/v1/datasets/",
        "/api/schema/",
        "/api/v1/lineage",
        "/datasets/public-admissions/provenance.ttl",
    ):
        assert endpoint in html, endpoint


def test_pages_work_with_debug_off_and_hashed_static_files(client, mixed, settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--no-input", verbosity=0)
    for url in (
        "/",
        "/?q=admissions",
        "/datasets/public-admissions/",
        "/organisations/ohs/",
        "/themes/",
        "/about/api/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        stylesheet = re.search(r'href="(/static/css/provcat\.[0-9a-f]{12}\.css)"', html)
        assert stylesheet, url
        assert (tmp_path / stylesheet.group(1).removeprefix("/static/")).exists()
        # Nothing on the page comes from another host.
        assert not re.search(r'(src|href)="(https?:)?//(?!127\.0\.0\.1|testserver)[^"]*\.(css|js)"', html), url
