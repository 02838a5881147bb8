"""The API's documentation: every operation grouped by resource with a readable name, Redoc
served from this server under the Content-Security-Policy, the guide linking every endpoint,
and the favicon."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from config.api_docs import REDOC_BUNDLE, REDOC_REWRITES


@pytest.fixture
def schema(client, db):
    return client.get("/api/schema/", HTTP_ACCEPT="application/json").json()


def operations(schema):
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def test_every_operation_has_a_resource_group_and_a_readable_name(schema):
    groups = [tag["name"] for tag in schema["tags"]]
    assert groups[:3] == ["Datasets", "Distributions", "Data dictionary"]
    for path, method, op in operations(schema):
        assert op["tags"] != ["v1"] and op["tags"][0] in groups, (method, path)
        assert op.get("summary") and "_" not in op["summary"], (method, path, op.get("summary"))
    summaries = {(m, p): op["summary"] for p, m, op in operations(schema)}
    assert summaries[("get", "/api/v1/datasets/")] == "List datasets"
    assert summaries[("post", "/api/v1/datasets/{slug}/publish/")] == "Publish a dataset"
    assert summaries[("patch", "/api/v1/harvest/sources/{id}/")] == "Change a harvest source"


def test_the_schema_documents_account_tokens(schema):
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"


def test_redoc_page_loads_its_code_from_here_under_a_policy_without_unsafe_inline(client, db):
    response = client.get("/api/redoc/")
    assert response.status_code == 200
    html = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    (nonce,) = re.findall(r"'nonce-([^']+)'", policy)
    assert f'nonce="{nonce}"' in html
    for address in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert address.startswith(("/", "#")), address
    assert "fonts.googleapis" not in html


def test_redoc_bundle_is_served_without_its_outside_logo(client, db):
    original = Path(finders.find(REDOC_BUNDLE)).read_text(encoding="utf-8")
    response = client.get("/api/redoc/redoc.standalone.js")
    served = response.content.decode()
    assert response["Content-Type"].startswith("text/javascript")
    for old, new in REDOC_REWRITES.items():
        # A Redoc upgrade that moves either string fails here, not silently in a browser.
        assert original.count(old) == 1, old
        assert old not in served and new in served
    assert "cdn.redoc.ly" not in served


def test_the_api_guide_links_every_endpoint(client, schema):
    html = client.get("/about/api/").content.decode()
    for path, method, op in operations(schema):
        assert f'href="/api/redoc/#operation/{op["operationId"]}"' in html, (method, path)
        if method == "get" and "{" not in path:
            assert f'href="{path}"' in html, path
    assert 'href="/account/"' in html


def test_favicon_is_served_at_the_root_and_linked_from_pages(client, db):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    html = client.get("/about/api/").content.decode()
    (svg,) = re.findall(r'<link rel="icon" href="([^"]+\.svg)"', html)
    # Static files are served by whitenoise once collected; here, the file is where it is looked for.
    assert finders.find(svg.removeprefix("/static/")), svg
