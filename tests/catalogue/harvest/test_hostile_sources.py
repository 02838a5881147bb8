"""A harvest source is untrusted input: every hostile document or address ends the job with
a clear error, within seconds, reading nothing it should not and leaving every stored record
as it was. Refused addresses are refused before any socket connects."""

import json
import socket
import time

import pytest

from catalogue.actors import system_actor
from catalogue.harvest import services
from catalogue.harvest.runner import run_job
from catalogue.models import Dataset
from tests.catalogue.harvest.conftest import catalogue_page, dataset_turtle
from tests.writes import organisation_snapshot

pytestmark = pytest.mark.django_db

RDF_HEAD = '<?xml version="1.0"?>\n'
RDF_BODY = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/"'
    ' xmlns:dcat="http://www.w3.org/ns/dcat#">\n'
    '<dcat:Dataset rdf:about="https://evil.example/ds/1"><dct:title>{title}</dct:title></dcat:Dataset>\n'
    "</rdf:RDF>\n"
)
BILLION_LAUGHS = (
    RDF_HEAD
    + '<!DOCTYPE rdf:RDF [\n<!ENTITY lol "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n"
    + RDF_BODY.format(title="&lol9;")
)


@pytest.fixture
def existing(ohs, source_server):
    """A source already harvested once, so a failed job has stored records it must not touch."""
    actor = system_actor("tests")
    source = services.source_save(
        user=actor,
        organisation=ohs,
        data={"name": "Remote", "url": source_server.url("/catalog.ttl"), "allow_private_addresses": True},
    )
    source_server.serve("/catalog.ttl", catalogue_page([dataset_turtle(1), dataset_turtle(2)]))
    report = run_job(services.job_start(user=actor, source=source, send=False).pk)
    assert report["counts"]["created"] == 2
    return source


def harvest_from(source, url, **changes) -> dict:
    actor = system_actor("tests")
    services.source_save(user=actor, organisation=source.organisation, data={"url": url, **changes}, source=source)
    started = time.monotonic()
    report = run_job(services.job_start(user=actor, source=source, send=False).pk)
    report["seconds"] = time.monotonic() - started
    return report


def assert_failed_and_nothing_changed(report, before, source, *, words):
    assert report["status"] == "failed", report
    assert report["seconds"] < 10
    for word in words:
        assert word.lower() in report["error"].lower(), report["error"]
    assert "Traceback" not in report["error"]
    assert organisation_snapshot(source.organisation.slug) == before
    assert Dataset.objects.filter(harvest__source=source, status="published").count() == 2


def test_a_billion_laughs_document_fails_the_job_at_once(existing, source_server):
    assert len(BILLION_LAUGHS) < 1024
    before = organisation_snapshot(existing.organisation.slug)
    url = source_server.serve("/laughs.rdf", BILLION_LAUGHS, "application/rdf+xml")
    assert_failed_and_nothing_changed(harvest_from(existing, url), before, existing, words=["DTD"])


def test_an_xxe_document_reads_no_local_file(existing, source_server, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a9c")
    body = RDF_HEAD + f'<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM "file://{secret}">]>\n' + RDF_BODY.format(title="&xxe;")
    before = organisation_snapshot(existing.organisation.slug)
    url = source_server.serve("/xxe.rdf", body, "application/rdf+xml")
    report = harvest_from(existing, url)
    assert_failed_and_nothing_changed(report, before, existing, words=["DTD"])
    assert not Dataset.objects.filter(title__contains="TOP-SECRET").exists()
    assert "TOP-SECRET" not in str(report)


def test_an_external_dtd_is_never_fetched(existing, source_server):
    source_server.serve("/evil.dtd", '<!ENTITY boom "boom">', "application/xml-dtd")
    body = RDF_HEAD + f'<!DOCTYPE rdf:RDF SYSTEM "{source_server.url("/evil.dtd")}">\n' + RDF_BODY.format(title="x")
    before = organisation_snapshot(existing.organisation.slug)
    url = source_server.serve("/external.rdf", body, "application/rdf+xml")
    assert_failed_and_nothing_changed(harvest_from(existing, url), before, existing, words=["DTD"])
    assert "/evil.dtd" not in source_server.requests


@pytest.mark.parametrize("context", ["remote", "file"])
def test_a_json_ld_page_with_a_remote_or_file_context_is_refused_without_fetching_it(
    existing, source_server, tmp_path, context
):
    local = tmp_path / "context.jsonld"
    local.write_text('{"@context": {"title": "http://purl.org/dc/terms/title"}}')
    source_server.serve("/context.jsonld", local.read_text(), "application/ld+json")
    where = source_server.url("/context.jsonld") if context == "remote" else f"file://{local}"
    body = json.dumps(
        {
            "@context": where,
            "@id": "https://evil.example/ds/1",
            "@type": "http://www.w3.org/ns/dcat#Dataset",
            "title": "x",
        }
    )
    before = organisation_snapshot(existing.organisation.slug)
    url = source_server.serve("/page.jsonld", body, "application/ld+json")
    assert_failed_and_nothing_changed(harvest_from(existing, url), before, existing, words=["context"])
    assert "/context.jsonld" not in source_server.requests


def test_a_response_over_the_size_limit_fails_the_job(existing, source_server, settings):
    settings.HARVEST_MAX_RESPONSE_BYTES = 20_000
    body = catalogue_page([dataset_turtle(n) for n in range(1, 200)])
    assert len(body) > 20 * settings.HARVEST_MAX_RESPONSE_BYTES / 10
    before = organisation_snapshot(existing.organisation.slug)
    url = source_server.serve("/huge.ttl", body)
    assert_failed_and_nothing_changed(harvest_from(existing, url), before, existing, words=["more than", "limit"])


def test_a_broken_turtle_page_fails_the_job_with_where_it_broke(existing, source_server):
    before = organisation_snapshot(existing.organisation.slug)
    url = source_server.serve("/broken.ttl", "@prefix dct: <http://purl.org/dc/terms/> .\n<a> dct:title .\n")
    assert_failed_and_nothing_changed(harvest_from(existing, url), before, existing, words=["Turtle", "line"])


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.7/catalog.ttl",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.1.1/catalog.ttl",
        "http://100.64.0.1/catalog.ttl",
        "http://[fd00::1]/catalog.ttl",
        "http://[::ffff:10.0.0.1]/catalog.ttl",
    ],
)
def test_private_link_local_and_shared_addresses_are_refused_before_any_socket_connects(existing, url, monkeypatch):
    connects = []

    def no_connection(*args, **kwargs):
        connects.append(args)
        raise AssertionError("a socket connected")

    monkeypatch.setattr(socket, "create_connection", no_connection)
    monkeypatch.setattr(socket.socket, "connect", no_connection)
    before = organisation_snapshot(existing.organisation.slug)
    report = harvest_from(existing, url)
    assert connects == []
    assert_failed_and_nothing_changed(report, before, existing, words=["does not harvest from this address"])


def test_loopback_is_refused_unless_an_administrator_allowed_it(existing, source_server, monkeypatch):
    connects = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connects.append(a))
    before = organisation_snapshot(existing.organisation.slug)
    report = harvest_from(existing, source_server.url("/catalog.ttl"), allow_private_addresses=False)
    assert connects == []
    assert_failed_and_nothing_changed(report, before, existing, words=["loopback"])


def test_harvested_text_is_escaped_and_javascript_urls_neutralised_on_every_page(ohs, source_server, client):
    actor = system_actor("tests")
    source = services.source_save(
        user=actor,
        organisation=ohs,
        data={"name": "Remote <b>bold</b>", "url": source_server.url("/catalog.ttl"), "allow_private_addresses": True},
    )
    hostile = dataset_turtle(
        1,
        title='Roads <script>alert("t")</script>',
        description='Counts <img src=x onerror="alert(1)"> and "onmouseover=alert(2)',
        landing_page="javascript:alert(3)",
    ).replace("<https://files.example.gov/1.csv>", "<javascript:alert(4)>", 1)
    source_server.serve("/catalog.ttl", catalogue_page([hostile]))
    report = run_job(services.job_start(user=actor, source=source, send=False).pk)
    assert report["counts"]["created"] == 1, report
    dataset = Dataset.objects.get(harvest__source=source)
    assert dataset.landing_page == ""
    assert not dataset.distributions.filter(access_url__startswith="javascript").exists()
    assert not dataset.distributions.filter(download_url__startswith="javascript").exists()

    for path in (dataset.get_absolute_url(), "/?q=roads", f"/organisations/{ohs.slug}/"):
        html = client.get(path).content.decode()
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path
        assert 'href="javascript:' not in html.lower(), path
    assert "&lt;script&gt;" in client.get(dataset.get_absolute_url()).content.decode()


def test_a_redirect_to_a_private_address_is_refused_before_connecting_to_it(existing, source_server, monkeypatch):
    real_connect = socket.create_connection
    connected = []

    def record_connections(address, *args, **kwargs):
        connected.append(address[0])
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", record_connections)
    before = organisation_snapshot(existing.organisation.slug)
    url = source_server.redirect("/moved.ttl", "http://10.0.0.7/catalog.ttl")
    report = harvest_from(existing, url)
    assert connected == ["127.0.0.1"]  # the first hop only
    assert_failed_and_nothing_changed(
        report, before, existing, words=["does not harvest from this address", "10.0.0.7"]
    )


def test_a_source_slower_than_the_job_time_limit_fails_the_job_at_the_limit(existing, source_server, settings):
    settings.HARVEST_JOB_TIMEOUT_SECONDS = 2
    source_server.delays["/slow.ttl"] = 6
    before = organisation_snapshot(existing.organisation.slug)
    url = source_server.serve("/slow.ttl", catalogue_page([dataset_turtle(1)]))
    report = harvest_from(existing, url)
    assert report["seconds"] < 5
    assert_failed_and_nothing_changed(report, before, existing, words=["too long"])


def test_a_source_over_the_job_byte_limit_fails_the_job_before_writing(existing, source_server, settings):
    page_two = source_server.serve("/big.ttl?page=2", catalogue_page([dataset_turtle(n) for n in range(3, 40)]))
    body = catalogue_page([dataset_turtle(n) for n in range(3, 40)], next_url=page_two)
    settings.HARVEST_MAX_RESPONSE_BYTES = len(body) + 1000
    settings.HARVEST_MAX_JOB_BYTES = int(len(body) * 1.5)
    before = organisation_snapshot(existing.organisation.slug)
    url = source_server.serve("/big.ttl", body)
    assert_failed_and_nothing_changed(harvest_from(existing, url), before, existing, words=["limit of one job"])


def test_the_harvest_command_prints_the_report_and_exits_non_zero_when_the_job_failed(existing, source_server, capsys):
    from django.core.management import call_command

    broken = source_server.serve("/broken-for-command.ttl", "<a> <b> .\n")
    with pytest.raises(SystemExit) as exit_info:
        call_command("harvest", broken, "--organisation", existing.organisation.slug, "--allow-loopback", "--quiet")
    assert exit_info.value.code == 1
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "failed" and "Turtle" in report["error"]

    call_command("harvest", source_server.url("/catalog.ttl"), "--organisation", existing.organisation.slug, "--quiet")
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "finished" and report["counts"]["unchanged"] == 2
