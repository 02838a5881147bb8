"""`make run`: the demo's files are previewed as the demo loads, before its server answers.

The demo's download links point at the site itself, which is not answering while `load_demo`
runs; a link on the site's own base URI is read in-process (catalogue.own_site), as the link
checks read it, so the previews are there when the server first answers, and no socket opens.
The serve command's first-answer hook still reads again any preview that failed before it
answered (a file linked on the site's address under another host name, say)."""

from urllib.parse import urlsplit

from django.core.management import call_command
from django.utils import timezone

from catalogue.access import is_catalogued
from catalogue.demo.loader import MOVED_FILES
from catalogue.management.commands.serve import Command
from catalogue.models import Dataset, Distribution
from catalogue.preview.models import DataPreview

TABULAR = ("CSV", "XLSX", "ODS", "JSON")


def _demo_files(base: str):
    files = Distribution.objects.filter(
        download_url__startswith=base + "/demo/files/", dataset__status=Dataset.Status.PUBLISHED
    ).select_related("dataset", "format")
    return [d for d in files if is_catalogued(d.dataset) and getattr(d.format, "code", "") in TABULAR]


def test_every_demo_file_is_previewed_in_process_while_the_demo_loads(db, settings, client, no_sockets):
    settings.PROVCAT_LINK_CHECKS = True  # as in `make run`
    settings.PROVCAT_PREVIEWS = True
    call_command("load_demo", stdout=open("/dev/null", "w"))

    previewed = moved = 0
    for distribution in _demo_files(settings.PROVCAT_BASE_URI):
        preview = DataPreview.objects.get(distribution=distribution)
        if (distribution.dataset.slug, distribution.format.code) in MOVED_FILES:
            assert (preview.failure, preview.failure_message) == ("http-error", "The link answered 404 Not Found")
            moved += 1
            continue
        assert preview.failure == "", (distribution.download_url, preview.failure_message)
        if f"/demo/files/{distribution.dataset.slug}." in distribution.download_url:
            # The dataset's own file (the harvested Welsh records point at other datasets' files).
            assert [c["name"] for c in preview.columns] == [f.name for f in distribution.dataset.fields.all()]
        previewed += 1
    assert previewed >= 20 and moved >= 3

    html = client.get("/datasets/road-traffic-counts/").content.decode()
    assert "Preview of the data" in html and "Every column of the file is in the data dictionary" in html
    html = client.get("/datasets/road-casualties/").content.decode()
    assert "The link answered 404 Not Found" in html


def test_the_serve_hook_reads_again_a_preview_that_failed_before_the_server_answered(live_server, settings):
    settings.PROVCAT_BASE_URI = live_server.url
    call_command("load_demo", stdout=open("/dev/null", "w"))  # link checks off: nothing fetched yet
    assert not DataPreview.objects.exists()
    tried_too_early = Distribution.objects.filter(download_url__endswith=".csv", dataset__slug="road-traffic-counts")
    DataPreview.objects.bulk_create(
        DataPreview(
            distribution=distribution,
            attempted_url=distribution.download_url,
            attempted_at=timezone.now(),
            failure=DataPreview.Failure.NO_ANSWER,
            failure_message="The link did not answer",
        )
        for distribution in tried_too_early
    )
    assert tried_too_early.exists()

    settings.PROVCAT_LINK_CHECKS = True
    settings.PROVCAT_PREVIEWS = True
    settings.PROVCAT_ALLOW_LOOPBACK_FETCH = True
    address = urlsplit(live_server.url)
    Command(stdout=open("/dev/null", "w")).once_serving(address.hostname, str(address.port))

    for distribution in tried_too_early:
        preview = DataPreview.objects.get(distribution=distribution)
        assert preview.failure == "" and preview.rows, preview.failure_message
