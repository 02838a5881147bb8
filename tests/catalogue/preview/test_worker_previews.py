"""Through Redis to a real Celery worker: the outbox's nudge reaches the worker, which fetches
the file from the local server and stores the preview in the shared PostgreSQL database."""

import time

import pytest

from catalogue import services
from catalogue.actors import system_actor
from catalogue.preview.models import DataPreview
from tests.conftest import term


@pytest.mark.worker
def test_a_real_worker_previews_a_new_distribution(celery_worker_process, files, make_dataset):
    dataset = make_dataset("Hospital admissions")
    url = files.base + "/admissions.csv"
    services.distribution_save(
        dataset=dataset,
        user=system_actor("tests"),
        data={"title": "Admissions", "access_url": url, "download_url": url, "format": term("file-type", "CSV")},
    )
    deadline = time.monotonic() + 60
    while not DataPreview.objects.filter(distribution__dataset=dataset).exists():
        assert time.monotonic() < deadline, "the worker made no preview within a minute"
        time.sleep(0.2)
    preview = DataPreview.objects.get(distribution__dataset=dataset)
    assert preview.failure == ""
    assert preview.rows[0][:2] == ["E06000001", "Hartlepool"]
    assert "/admissions.csv" in files.requests
