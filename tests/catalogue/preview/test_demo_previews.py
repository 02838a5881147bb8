"""`make run`: the demo's files are previewed once its server answers.

The demo's download links point at the server itself, which is not answering while
`load_demo` runs; so loading records no preview work (link checks, and with them previews,
are off while it loads) and the serve command's first-answer hook previews every file, as it
checks every link, and reads again any preview that failed before it answered. Here the hook
runs against a live server that is the demo's base URI."""

from urllib.parse import urlsplit

from django.core.management import call_command
from django.utils import timezone

from catalogue.access import is_catalogued
from catalogue.management.commands.serve import Command
from catalogue.models import Dataset, Distribution
from catalogue.preview.models import DataPreview

TABULAR = ("CSV", "XLSX", "ODS", "JSON")


def test_every_demo_file_is_previewed_once_the_server_answers(live_server, settings, client):
    settings.PROVCAT_BASE_URI = live_server.url
    call_command("load_demo", stdout=open("/dev/null", "w"))
    assert not DataPreview.objects.exists()  # nothing was fetched while no server answered
    # Had a load fetched anyway (say, with link checks on), it would have found no server:
    tried_too_early = Distribution.objects.filter(download_url__endswith=".csv")[:5]
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

    settings.PROVCAT_LINK_CHECKS = True
    settings.PROVCAT_PREVIEWS = True
    settings.PROVCAT_ALLOW_LOOPBACK_FETCH = True
    address = urlsplit(live_server.url)
    Command(stdout=open("/dev/null", "w")).once_serving(address.hostname, str(address.port))

    files = Distribution.objects.filter(
        download_url__startswith=live_server.url + "/demo/files/", dataset__status=Dataset.Status.PUBLISHED
    ).select_related("dataset", "format")
    previewed = 0
    for distribution in files:
        if not is_catalogued(distribution.dataset) or getattr(distribution.format, "code", "") not in TABULAR:
            continue
        preview = DataPreview.objects.get(distribution=distribution)
        assert preview.failure == "", (distribution.download_url, preview.failure_message)
        if f"/demo/files/{distribution.dataset.slug}." in distribution.download_url:
            # The dataset's own file (the harvested Welsh records point at other datasets' files).
            assert [c["name"] for c in preview.columns] == [f.name for f in distribution.dataset.fields.all()]
        previewed += 1
    assert previewed >= 20

    road = Dataset.objects.get(slug="road-traffic-counts")
    html = client.get(f"/datasets/{road.slug}/").content.decode()
    assert "Preview of the data" in html and "Every column of the file is in the data dictionary" in html
