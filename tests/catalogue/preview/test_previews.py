"""Previews made by the worker from the outbox, fetched from a local server, and shown on the
dataset page: formats, failures stated as what they are, the earlier good preview kept, the
data dictionary compared, and nothing shown to a reader who may not see the dataset."""

import socket

import pytest
import time_machine
from django.db import transaction

from catalogue.models import DerivedWork, Distribution
from catalogue.preview.models import DataPreview
from catalogue.preview.tasks import preview_sweep


@pytest.fixture
def api(committing_api):
    return committing_api


def create(api, *, distributions, access_rights="PUBLIC", fields=()):
    """A published dataset with these fields and distributions, made through the REST API."""
    response = api.post(
        "/api/v1/datasets/",
        {
            "publisher": "ohs",
            "title": "Hospital admissions",
            "description": "Admissions to NHS hospitals by area and month.",
            "licence": "OGL_3_0",
            "access_rights": access_rights,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    slug = response.json()["slug"]
    for name, datatype in fields:
        answer = api.post("/api/v1/fields/", {"dataset": slug, "name": name, "datatype": datatype}, format="json")
        assert answer.status_code == 201, answer.content
    for distribution in distributions:
        answer = api.post("/api/v1/distributions/", {"dataset": slug, **distribution}, format="json")
        assert answer.status_code == 201, answer.content
    published = api.post(f"/api/v1/datasets/{slug}/publish/", format="json")
    assert published.status_code == 200, published.content
    return slug


def csv_distribution(url, **extra):
    return {"title": "Admissions CSV", "access_url": url, "download_url": url, "format": "CSV", **extra}


def preview_of(slug) -> DataPreview:
    return DataPreview.objects.get(distribution__dataset__slug=slug)


def page(slug, user=None):
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(f"/datasets/{slug}/")


@pytest.mark.parametrize(
    "path, file_format, label",
    [
        ("/admissions.csv", "CSV", "csv"),
        ("/admissions.xlsx", "XLSX", "xlsx"),
        ("/admissions.ods", "ODS", "ods"),
        ("/admissions.json", "JSON", "json"),
        ("/admissions.geojson", "GEOJSON", "geojson"),
    ],
)
def test_a_new_distribution_is_previewed_from_its_file(api, files, path, file_format, label):
    url = files.base + path
    slug = create(
        api, distributions=[{"title": "Admissions", "access_url": url, "download_url": url, "format": file_format}]
    )
    preview = preview_of(slug)
    assert preview.failure == ""
    assert preview.file_format == label
    assert [c["name"] for c in preview.columns] == ["area_code", "area_name", "admissions", "rate", "period_start"]
    assert [c["datatype"] for c in preview.columns] == ["string", "string", "integer", "decimal", "date"]
    assert preview.rows[0] == ["E06000001", "Hartlepool", "1234", "12.5", "2024-01-01"]
    assert preview.rows_read == 3 and preview.whole_file


def test_the_page_shows_rows_types_statistics_and_the_dictionary_comparison(api, files):
    slug = create(
        api,
        distributions=[csv_distribution(files.base + "/admissions.csv")],
        fields=[("area_code", "string"), ("admissions", "string"), ("rate", "integer"), ("patients", "integer")],
    )
    html = page(slug).content.decode()
    assert "Preview of the data" in html
    assert "First 3 rows of Admissions CSV" in html
    assert "<td>Hartlepool</td>" in html
    assert "Whole number" in html and "Decimal number" in html and "Date" in html
    assert '<td class="number">3</td>' in html  # values in the admissions column
    assert "<td>987</td>" in html and "<td>2345</td>" in html  # smallest and largest admissions
    assert "In the file but not in the data dictionary: <code>area_name</code>, <code>period_start</code>." in html
    assert "In the data dictionary but not in the file: <code>patients</code>." in html
    assert "<code>rate</code>: the dictionary says Whole number, the file holds Decimal number." in html


def test_a_file_matching_its_dictionary_says_so(api, files):
    slug = create(
        api,
        distributions=[csv_distribution(files.base + "/admissions.csv")],
        fields=[
            ("area_code", "string"),
            ("area_name", "string"),
            ("admissions", "integer"),
            ("rate", "decimal"),
            ("period_start", "date"),
        ],
    )
    assert "Every column of the file is in the data dictionary" in page(slug).content.decode()


def test_a_missing_file_is_a_dated_404(api, files):
    with time_machine.travel("2026-11-03 10:00:00+00:00", tick=False):
        slug = create(api, distributions=[csv_distribution(files.base + "/gone.csv")])
    preview = preview_of(slug)
    assert (preview.failure, preview.previewed_at) == ("http-error", None)
    assert "The link answered 404 Not Found on 3 Nov 2026." in page(slug).content.decode()


def test_a_link_that_does_not_answer_in_time_says_so(api, files):
    with time_machine.travel("2026-11-03 10:00:00+00:00", tick=True):
        slug = create(api, distributions=[csv_distribution(files.base + "/slow.csv")])
    assert preview_of(slug).failure == "no-answer"
    assert "The link did not answer on 3 Nov 2026." in page(slug).content.decode()


def test_an_html_page_behind_a_csv_link_is_named(api, files):
    slug = create(api, distributions=[csv_distribution(files.base + "/page.csv")])
    assert preview_of(slug).failure_message == "The file is not CSV (it is HTML)"
    assert "The file is not CSV (it is HTML) (tried on" in page(slug).content.decode()


def test_a_file_without_a_complete_row_in_the_byte_cap_is_too_large(api, files, settings):
    settings.PROVCAT_PREVIEW_MAX_BYTES = 1024
    slug = create(api, distributions=[csv_distribution(files.base + "/one-long-line.csv")])
    assert preview_of(slug).failure_message == "Too large to preview: the first 1 KB held no complete row"


def test_a_long_file_is_previewed_from_its_first_bytes(api, files, settings):
    settings.PROVCAT_PREVIEW_MAX_BYTES = 4096
    slug = create(api, distributions=[csv_distribution(files.base + "/many-rows.csv")])
    preview = preview_of(slug)
    assert not preview.whole_file
    assert len(preview.rows) == 50 and preview.rows[0] == ["1", "2"]
    assert 400 < preview.rows_read < 3000
    assert f"The first {preview.rows_read} rows of the CSV file" in page(slug).content.decode()


def test_a_private_address_is_refused_before_any_socket_connects(api, files, monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError("a connection was attempted")

    with time_machine.travel("2026-11-03 10:00:00+00:00", tick=True):
        url = "http://10.0.0.5/data.csv"
        slug = create(api, distributions=[])
        monkeypatch.setattr(socket, "create_connection", refuse)
        monkeypatch.setattr(socket.socket, "connect", refuse)
        response = api.post("/api/v1/distributions/", {"dataset": slug, **csv_distribution(url)}, format="json")
        assert response.status_code == 201
    assert attempts == []
    assert preview_of(slug).failure == "refused"
    monkeypatch.undo()
    assert (
        "The link points to a private or local address, so it was not fetched on 3 Nov 2026."
        in page(slug).content.decode()
    )


def test_a_failure_keeps_the_earlier_preview_and_says_it_is_from_then(api, files):
    with time_machine.travel("2026-11-01 09:00:00+00:00", tick=True):
        slug = create(api, distributions=[csv_distribution(files.base + "/admissions.csv")])
    files.routes["/admissions.csv"] = (500, "text/plain", b"Oops")
    with time_machine.travel("2026-11-03 09:00:00+00:00", tick=True):
        preview_sweep.delay()  # nothing is due yet: a day-old preview is fresh
        assert preview_of(slug).failure == ""
    with time_machine.travel("2026-11-09 09:00:00+00:00", tick=True):
        assert preview_sweep() == 1  # a week on, the sweep reads it again
    preview = preview_of(slug)
    assert preview.failure == "http-error"
    assert preview.rows[0][1] == "Hartlepool"
    html = page(slug).content.decode()
    assert "The link answered 500 Internal Server Error on 9 Nov 2026." in html
    assert "The preview below is from an earlier reading, on 1 Nov 2026." in html
    assert "<td>Hartlepool</td>" in html


def test_changing_the_download_url_records_preview_work_and_reads_the_new_file(api, files):
    slug = create(api, distributions=[csv_distribution(files.base + "/admissions.csv")])
    distribution = Distribution.objects.get(dataset__slug=slug)
    new = files.base + "/semicolons.csv"
    with transaction.atomic():
        from catalogue import outbox

        outbox.distribution_links_changed([distribution.pk])
        assert DerivedWork.objects.filter(kind="preview", target_id=distribution.pk).exists()
    assert not DerivedWork.objects.filter(kind="preview").exists()  # drained on commit
    response = api.patch(f"/api/v1/distributions/{distribution.pk}/", {"download_url": new}, format="json")
    assert response.status_code == 200, response.content
    assert preview_of(slug).url == new
    assert files.requests.count("/semicolons.csv") >= 1


def test_an_unchanged_save_does_not_fetch_again(api, files):
    slug = create(api, distributions=[csv_distribution(files.base + "/admissions.csv")])
    distribution = Distribution.objects.get(dataset__slug=slug)
    before = files.requests.count("/admissions.csv")
    response = api.patch(f"/api/v1/distributions/{distribution.pk}/", {"title": "Renamed"}, format="json")
    assert response.status_code == 200
    assert files.requests.count("/admissions.csv") == before


def test_a_distribution_that_is_not_tabular_gets_no_preview(api, files):
    url = files.base + "/guide.pdf"
    slug = create(api, distributions=[{"title": "Guide", "access_url": url, "download_url": url, "format": "PDF"}])
    assert not DataPreview.objects.filter(distribution__dataset__slug=slug).exists()
    assert "Preview of the data" not in page(slug).content.decode()


def test_no_previews_when_link_checks_are_off(api, files, settings):
    settings.PROVCAT_LINK_CHECKS = False
    slug = create(api, distributions=[csv_distribution(files.base + "/admissions.csv")])
    assert not DataPreview.objects.filter(distribution__dataset__slug=slug).exists()
    assert files.requests == []


def test_previews_of_a_restricted_dataset_are_shown_only_to_its_readers(api, files, vera, charlie):
    slug = create(api, distributions=[csv_distribution(files.base + "/admissions.csv")], access_rights="RESTRICTED")
    assert preview_of(slug).rows
    assert page(slug).status_code == 404
    outsider = page(slug, charlie)
    assert outsider.status_code == 404 and b"Hartlepool" not in outsider.content
    assert b"<td>Hartlepool</td>" in page(slug, vera).content


def test_the_anonymous_page_cache_follows_a_new_preview(api, files, settings):
    settings.PROVCAT_PAGE_CACHE_SECONDS = 300
    slug = create(api, distributions=[csv_distribution(files.base + "/gone.csv")])
    from catalogue.search.tasks import search_drain

    search_drain()
    assert b"404 Not Found" in page(slug).content
    files.routes["/gone.csv"] = files.routes["/admissions.csv"]
    from catalogue.preview.tasks import preview_distribution

    preview_distribution(Distribution.objects.get(dataset__slug=slug).pk)
    search_drain()
    assert b"<td>Hartlepool</td>" in page(slug).content


def test_a_dictionary_field_with_another_case_matches_its_column(api, files):
    slug = create(
        api, distributions=[csv_distribution(files.base + "/admissions.csv")], fields=[("Area_Code", "string")]
    )
    html = page(slug).content.decode()
    assert "<code>area_code</code>" in html
    assert "In the data dictionary but not in the file" not in html
    assert "Every column" not in html  # area_name and the rest are still undescribed


def test_a_failed_preview_is_tried_again_after_an_hour(api, files):
    with time_machine.travel("2026-11-03 10:00:00+00:00", tick=True):
        slug = create(api, distributions=[csv_distribution(files.base + "/gone.csv")])
    assert preview_of(slug).failure == "http-error"
    files.routes["/gone.csv"] = files.routes["/admissions.csv"]
    with time_machine.travel("2026-11-03 10:30:00+00:00", tick=True):
        assert preview_sweep() == 0
    with time_machine.travel("2026-11-03 11:05:00+00:00", tick=True):
        assert preview_sweep() == 1
    assert preview_of(slug).failure == ""


def test_a_new_link_that_fails_keeps_the_old_files_preview_and_names_it(api, files):
    slug = create(api, distributions=[csv_distribution(files.base + "/admissions.csv")])
    distribution = Distribution.objects.get(dataset__slug=slug)
    response = api.patch(
        f"/api/v1/distributions/{distribution.pk}/", {"download_url": files.base + "/moved.csv"}, format="json"
    )
    assert response.status_code == 200, response.content
    html = page(slug).content.decode()
    assert "The link answered 404 Not Found on" in html
    assert f"of the file then linked ({files.base}/admissions.csv)." in html
    assert "<td>Hartlepool</td>" in html
