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
