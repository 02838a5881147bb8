"""Settings come from the environment, with safe refusals."""

import os
import subprocess
import sys

from django.conf import settings


def _settings_in_subprocess(env_changes: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY")}
    env.update(env_changes)
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup();"
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.PROVCAT_BASE_URI)"
    )
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR)


def test_no_settings_gives_sqlite_and_eager_celery(tmp_path):
    out = _settings_in_subprocess({"PROVCAT_VAR_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    engine, eager, base = out.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert eager == "True"
    assert base == "http://127.0.0.1:8000"


def test_database_url_and_broker_give_postgres_and_real_workers():
    out = _settings_in_subprocess(
        {
            "DATABASE_URL": "postgres://u@127.0.0.1:5432/x",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
            "PROVCAT_BASE_URI": "https://data.example.gov/",
        }
    )
    assert out.returncode == 0, out.stderr
    engine, eager, base = out.stdout.split()
    assert engine == "django.db.backends.postgresql"
    assert eager == "False"
    assert base == "https://data.example.gov"


def test_production_mode_refuses_the_default_secret_key():
    out = _settings_in_subprocess({"DEBUG": "false", "ALLOWED_HOSTS": "data.example.gov"})
    assert out.returncode != 0
    assert "SECRET_KEY" in out.stderr


def test_production_mode_starts_with_a_real_secret_key():
    out = _settings_in_subprocess({"DEBUG": "false", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "data.example.gov"})
    assert out.returncode == 0, out.stderr


def test_bad_boolean_is_refused_with_its_name():
    out = _settings_in_subprocess({"DEBUG": "maybe"})
    assert out.returncode != 0
    assert "DEBUG must be a boolean" in out.stderr


def test_healthz_reports_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


# The production settings README documents (its Production section); `check --deploy` must
# find nothing to warn about with exactly these.
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k7Qm2v9Zr4Tx8Ly1Wb6Np3Hs5Jd0Fc7Gu2Ke9Ra4Vt8Mz1Xq6Yw3",
    "ALLOWED_HOSTS": "data.example.gov",
    "CSRF_TRUSTED_ORIGINS": "https://data.example.gov",
    "PROVCAT_BASE_URI": "https://data.example.gov",
    "DATABASE_URL": "postgres://provcat@127.0.0.1:5432/provcat",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "PAGE_CACHE_URL": "redis://127.0.0.1:6379/2",
    "THROTTLE_CACHE_URL": "redis://127.0.0.1:6379/3",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https",
    "PROVCAT_PROXY_COUNT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
}


def _manage_in_subprocess(env_changes: dict, *args: str) -> subprocess.CompletedProcess:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment must not.
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, "manage.py", *args], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR
    )


def test_check_deploy_is_clean_with_the_documented_production_settings():
    out = _manage_in_subprocess(PRODUCTION_ENV, "check", "--deploy", "--fail-level", "WARNING")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "System check identified no issues" in out.stdout


def test_production_defaults_redirect_to_https_and_send_hsts():
    env = {k: PRODUCTION_ENV[k] for k in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")}
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**{k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}, **env},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "31536000", "('HTTP_X_FORWARDED_PROTO',", "'https')", "True"]


def test_bad_https_settings_are_refused_with_their_names():
    for name, value, message in [
        ("SECURE_HSTS_SECONDS", "a year", "SECURE_HSTS_SECONDS must be an integer"),
        ("SECURE_HSTS_SECONDS", "-1", "SECURE_HSTS_SECONDS must be 0 or more"),
        ("SECURE_SSL_REDIRECT", "perhaps", "SECURE_SSL_REDIRECT must be a boolean"),
        ("SECURE_PROXY_SSL_HEADER", "https", "SECURE_PROXY_SSL_HEADER must look like"),
        ("PROVCAT_PROXY_COUNT", "-2", "PROVCAT_PROXY_COUNT must be 0 or more"),
    ]:
        out = _settings_in_subprocess({name: value})
        assert out.returncode != 0, name
        assert message in out.stderr


def test_behind_the_proxy_http_is_redirected_and_https_gets_hsts(db, settings):
    from django.test import Client

    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31_536_000
    client = Client()
    plain = client.get("/about/api/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/about/api/"
    secure = client.get("/about/api/", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
    # The container's health check speaks plain HTTP from inside.
    assert client.get("/healthz").status_code == 200
