"""A clean run says nothing it need not: no warning from the embedded mode's task sending."""

import os
import subprocess
import sys

from django.conf import settings


def test_sending_a_task_eagerly_logs_no_broker_warning(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env["PROVCAT_VAR_DIR"] = str(tmp_path)
    code = (
        "import django, os, warnings; warnings.simplefilter('default');"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup();"
        "from catalogue.tasks import worker_heartbeat; from config.celery import task_send_quietly;"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "print('sent', task_send_quietly(worker_heartbeat))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR)
    assert out.returncode == 0, out.stderr
    assert "sent True" in out.stdout
    assert "No hostname was supplied" not in out.stderr
    assert "Warning" not in out.stderr, out.stderr
