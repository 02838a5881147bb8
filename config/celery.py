"""The Celery app. Tasks live in the tasks.py of each app and of each capability package
inside catalogue/ (listed for autodiscovery below)."""

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
logger = logging.getLogger("provcat.tasks")

app = Celery("provcat")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each capability keeps its tasks in its own tasks.py; the apps' own are found as usual.
app.autodiscover_tasks()
app.autodiscover_tasks(["catalogue.quality", "catalogue.search", "catalogue.dcat"])


def task_send_quietly(task, *args, **kwargs) -> bool:
    """Queue ``task`` without ever failing the caller: with the broker down, log and return False.

    Every caller has already recorded the work as a row in its own transaction, so a lost
    message loses nothing: the periodic sweep picks the row up. ``retry=False`` keeps a web
    request from waiting on a broker that is not there.
    """
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
    except Exception:  # any broker or connection error: the sweep will do the work
        logger.warning("Could not queue %s; the periodic sweep will do it", task.name, exc_info=True)
        return False
    return True
