"""Rate limits: counted in one cache every process shares (Redis when configured), on the
REST API, the CKAN action API, /catalog and OpenLineage ingestion, each answering 429 with
Retry-After once spent."""

import datetime as dt
import json
import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings as django_settings
from django.core.cache.backends.redis import RedisCache
from django.test import Client
from rest_framework.authtoken.models import Token

from config.throttling import ScopeRateThrottle

# The throttle cache the settings configure (Redis on PostgreSQL runs), read before the
# suite's per-test stand-in (tests/conftest.py) replaces it.
CONFIGURED_THROTTLE_CACHE = dict(django_settings.CACHES["throttle"])


@pytest.fixture(autouse=True)
def configured_throttle_cache(settings):
    """The limits here count in the configured cache, under a key prefix of this test's own."""
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {**CONFIGURED_THROTTLE_CACHE, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"},
    }


@pytest.fixture
def low_rates(settings):
    """Every scope at 3 requests a minute, for this test only."""

    def set_rates(**rates):
        merged = {scope: "3/minute" for scope in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}
        merged.update(rates)
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": merged}

    set_rates()
    return set_rates


def _spent(responses):
    """The answers before the limit, and the first one after it."""
    *allowed, refused = responses
    assert all(r.status_code != 429 for r in allowed), [r.status_code for r in allowed]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    return refused


def test_the_suite_counts_limits_in_the_configured_shared_cache(settings):
    if settings.CELERY_BROKER_URL:
        assert settings.CACHES["throttle"]["BACKEND"].endswith("RedisCache")


def test_rest_api_answers_429_with_retry_after_in_json(db, low_rates):
    client = Client()
    refused = _spent([client.get("/api/v1/datasets/") for _ in range(4)])
    assert refused["Content-Type"] == "application/json"
    assert "throttled" in refused.json()["detail"]


def test_ckan_action_api_is_limited(db, low_rates):
    client = Client()
    refused = _spent([client.get("/api/3/action/package_list") for _ in range(4)])
    body = json.loads(refused.content)  # CKAN's own envelope, which ckanapi reads
    assert body["success"] is False and "throttled" in body["error"]["message"]


def test_catalog_and_dataset_rdf_share_the_catalog_limit(db, low_rates, make_dataset):
    dataset = make_dataset()
    client = Client()
    paths = ["/catalog.ttl", f"/datasets/{dataset.slug}.ttl", "/catalog/changes.json", "/catalog"]
    refused = _spent([client.get(path) for path in paths])
    assert refused.content.decode().startswith("Request was throttled")


def test_openlineage_ingestion_has_its_own_stricter_limit(bob, low_rates):
    low_rates(openlineage="2/minute", user="100/minute")
    key = Token.objects.create(user=bob).key
    event = {
        "eventType": "START",
        "eventTime": dt.datetime.now(dt.UTC).isoformat(),
        "producer": "https://example.gov/pipelines",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "ns", "name": "job"},
    }
    client = Client()
    answers = [
        client.post(
            "/api/v1/lineage", json.dumps(event), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
        )
        for _ in range(3)
    ]
    assert [a.status_code for a in answers[:2]] == [201, 201]
    refused = _spent(answers)
    assert "throttled" in refused.json()["detail"]
    # Other API reads by the same user are under the (higher) user rate, not the lineage one.
    assert Client().get("/api/v1/datasets/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_a_limit_is_per_client_address(db, low_rates):
    _spent([Client().get("/api/3/action/package_list", REMOTE_ADDR="192.0.2.1") for _ in range(4)])
    assert Client().get("/api/3/action/package_list", REMOTE_ADDR="192.0.2.2").status_code == 200


def test_a_forged_forwarded_for_header_does_not_reset_the_count(db, low_rates):
    client = Client()
    _spent([client.get("/catalog.ttl", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}") for n in range(4)])


def _redis_throttle_location() -> str:
    location = CONFIGURED_THROTTLE_CACHE.get("LOCATION", "")
    if not location.startswith("redis://"):
        pytest.skip("needs Redis (CELERY_BROKER_URL=redis://..., as .ci/run sets)")
    return location


def test_two_processes_cache_clients_share_one_count(rf, settings):
    """Two independent Redis clients (as two web processes have) see each other's requests."""
    location = _redis_throttle_location()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "ckan": "3/minute"},
    }
    prefix = f"shared-{uuid.uuid4().hex}"
    process_a, process_b = (RedisCache(location, {"KEY_PREFIX": prefix}) for _ in range(2))

    def allowed(cache) -> bool:
        throttle = ScopeRateThrottle("ckan")
        throttle.cache = cache
        request = rf.get("/api/3/action/package_list", REMOTE_ADDR="192.0.2.9")
        request.user = None
        return throttle.allow_request(request, None)

    assert [allowed(process_a), allowed(process_b), allowed(process_a)] == [True, True, True]
    assert allowed(process_b) is False
    assert allowed(process_a) is False


def _cache_settings_in_subprocess(env_changes: dict) -> subprocess.CompletedProcess:
    names = ("DATABASE_URL", "CELERY_BROKER_URL", "PAGE_CACHE_URL", "THROTTLE_CACHE_URL")
    env = {k: v for k, v in os.environ.items() if k not in names}
    env.update(env_changes)
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "c = s.CACHES['throttle']; print(c['BACKEND'].rsplit('.', 1)[1], c.get('LOCATION'))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=django_settings.BASE_DIR
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "LocMemCache throttle"),
        ({"CELERY_BROKER_URL": "redis://redis:6379/0"}, "RedisCache redis://redis:6379/1"),
        # 15 is the last database a default Redis has (what .ci/run's broker uses): /16 does not exist.
        ({"CELERY_BROKER_URL": "redis://redis:6379/15"}, "RedisCache redis://redis:6379/14"),
        (
            {"CELERY_BROKER_URL": "redis://redis:6379/0", "PAGE_CACHE_URL": "redis://redis:6379/2"},
            "RedisCache redis://redis:6379/2",
        ),
        (
            {"CELERY_BROKER_URL": "redis://redis:6379/0", "THROTTLE_CACHE_URL": "redis://other:6379/5"},
            "RedisCache redis://other:6379/5",
        ),
    ],
)
def test_rate_limits_count_in_redis_whenever_there_is_more_than_one_process(env, expected, tmp_path):
    out = _cache_settings_in_subprocess({"PROVCAT_VAR_DIR": str(tmp_path), **env})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == expected


def test_a_bad_rate_is_refused_with_its_name(tmp_path):
    out = _cache_settings_in_subprocess({"PROVCAT_VAR_DIR": str(tmp_path), "API_THROTTLE_CKAN": "lots"})
    assert out.returncode != 0
    assert "API_THROTTLE_CKAN must be a rate" in out.stderr


def test_requests_go_through_when_the_throttle_cache_is_unreachable(db, settings, low_rates):
    # Nothing listens on port 9 of 127.0.0.1: the limit cannot be counted, the request is served.
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"},
    }
    answers = [Client().get("/api/3/action/package_list").status_code for _ in range(5)]
    assert answers == [200] * 5


def test_healthz_shows_whether_limits_can_be_counted(db, settings):
    if settings.CACHES["throttle"]["BACKEND"].endswith("RedisCache"):
        assert Client().get("/healthz").json()["checks"]["rate_limits"] == "ok"
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"},
    }
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["rate_limits"].startswith("error")
