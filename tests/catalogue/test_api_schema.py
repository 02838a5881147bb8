"""The OpenAPI 3 schema at /api/schema/ and schemathesis against its read endpoints."""

import json
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from catalogue import services
from catalogue.actors import system_actor
from config.wsgi import application


def test_schema_is_openapi_3_and_documents_the_quality_score(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3")
    assert "/api/v1/datasets/" in schema["paths"]
    assert "quality_score" in schema["components"]["schemas"]["Dataset"]["properties"]


def test_docs_are_served_from_our_own_static_files(client, db):
    # Redoc's bundle is the sidecar's, served by config.api_docs with its CDN logo taken out.
    for path, bundle in (("/api/docs/", "/static/drf_spectacular_sidecar/"), ("/api/redoc/", "/api/redoc/redoc.")):
        html = client.get(path, follow=True).content.decode()
        assert bundle in html
        # Nothing is loaded from another host: every script, style and image is our own.
        external = re.findall(r"""(?:src|href)\s*=\s*["']((?:https?:)?//[^"']+)""", html)
        assert external == []


@pytest.fixture
def api_schema(db, make_dataset, keep_test_connection):
    # Something to read: a published dataset with every kind of part.
    actor = system_actor("tests")
    dataset = make_dataset("Hospital admissions")
    distribution = services.distribution_save(
        dataset=dataset, user=actor, data={"access_url": "https://data.example.gov/a"}
    )
    services.field_save(dataset=dataset, user=actor, data={"name": "region", "definition": "ONS region code"})
    services.validation_check_record(dataset=dataset, user=actor, data={"name": "No gaps", "outcome": "pass"})
    services.quality_measurement_record(
        dataset=dataset,
        user=actor,
        data={"distribution": distribution, "dimension": "completeness", "metric": "rows", "value": 0.5},
    )
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    # Every request holding a NUL character is refused with a 400 before any view runs
    # (config/middleware.py: PostgreSQL cannot store one); strings in the schema cannot say so.
    schema.config.generation.update(allow_x00=False)
    return schema


CATALOGUE_API_PREFIXES = tuple(
    f"/api/v1/{name}/"
    for name in (
        "datasets",
        "distributions",
        "fields",
        "collection-methods",
        "checks",
        "measurements",
        "organisations",
        "derivations",
        "lineage",
        "glossary",
    )
)


def test_read_endpoints_conform_to_the_schema(api_schema):
    # schemathesis's pytest plugin does not run under pytest 9 yet, so drive each GET
    # operation's hypothesis strategy directly: bounded, derandomised examples.
    checked = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        # Every read route of the REST API: the catalogue's and the lineage queries.
        if operation.method.upper() != "GET" or not operation.path.startswith(CATALOGUE_API_PREFIXES):
            continue

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
        )
        def run(case):
            if case.operation.path == "/api/v1/datasets/" and "cursor" in (case.query or {}):
                # A dataset-list cursor is a token the catalogue gave out (start with an empty
                # one); any other is refused with 400, in tests/catalogue/test_api_cursor.py.
                case.query["cursor"] = ""
            case.call_and_validate()

        run()
        checked.append(operation.path)
    assert "/api/v1/datasets/" in checked and "/api/v1/datasets/{slug}/" in checked
    assert "/api/v1/datasets/{slug}/upstream" in checked and "/api/v1/lineage/path" in checked
