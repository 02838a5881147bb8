"""Where links and minted URIs point: PROVCAT_BASE_URI when set, else the address `make run`
serves on (HOST and PORT), else http://127.0.0.1:8000."""

import os
import subprocess
import sys

import pytest
from django.conf import settings


def settings_with(env_changes: dict) -> subprocess.CompletedProcess:
    drop = ("DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY", "HOST", "PORT", "PROVCAT_BASE_URI")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_changes)
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup();"
        "from django.conf import settings as s; print(s.PROVCAT_BASE_URI, ','.join(s.ALLOWED_HOSTS))"
    )
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR)


@pytest.mark.parametrize(
    ("env", "base"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8106"}, "http://127.0.0.1:8106"),
        ({"HOST": "localhost", "PORT": "8106"}, "http://localhost:8106"),
        ({"HOST": "0.0.0.0", "PORT": "9000"}, "http://127.0.0.1:9000"),
        ({"HOST": "::1", "PORT": "9000"}, "http://[::1]:9000"),
        # An explicit base wins over the address served on (a proxy's public name).
        ({"PROVCAT_BASE_URI": "https://data.example.gov/", "PORT": "8106"}, "https://data.example.gov"),
    ],
)
def test_base_uri_follows_the_served_address_unless_set(tmp_path, env, base):
    out = settings_with({"PROVCAT_VAR_DIR": str(tmp_path), **env})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == base


def test_a_host_name_served_on_is_an_allowed_host_in_development(tmp_path):
    out = settings_with({"PROVCAT_VAR_DIR": str(tmp_path), "HOST": "catalogue.local", "PORT": "8106"})
    assert "catalogue.local" in out.stdout.split()[1].split(",")


@pytest.mark.parametrize("port", ["eighty", "0", "70000"])
def test_a_bad_port_is_refused_with_its_name(tmp_path, port):
    out = settings_with({"PROVCAT_VAR_DIR": str(tmp_path), "PORT": port})
    assert out.returncode != 0
    assert "PORT must be a port number" in out.stderr
