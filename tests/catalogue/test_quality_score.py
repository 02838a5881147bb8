"""The metadata-quality score: MQA points on reference datasets, hints that lead to excellent,
score history, and link checks against a local server."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from catalogue import outbox
from catalogue.models import Dataset, DerivedWork, Distribution, LinkCheck, QualityAssessment


@pytest.fixture
def api(committing_api):
    return committing_api


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        code = 200 if self.path.startswith("/ok") else 404
        self.send_response(code)
        self.send_header("Content-Type", "text/csv")
        self.end_headers()
        self.wfile.write(b"a,b\n1,2\n")

    def log_message(self, *args):
        pass


@pytest.fixture
def local_links(settings):
    """An HTTP server on 127.0.0.1: /ok... answers 200, anything else 404. Link checks on."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.PROVCAT_LINK_CHECKS = True
    settings.PROVCAT_ALLOW_LOOPBACK_FETCH = True
    settings.PROVCAT_LINK_CHECK_TIMEOUT = 5
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def create(api, payload, distributions=()):
    response = api.post("/api/v1/datasets/", {"publisher": "ohs", **payload}, format="json")
    assert response.status_code == 201, response.content
    slug = response.json()["slug"]
    for distribution in distributions:
        answer = api.post("/api/v1/distributions/", {"dataset": slug, **distribution}, format="json")
        assert answer.status_code == 201, answer.content
    return slug


def stored(api, slug):
    body = api.get(f"/api/v1/datasets/{slug}/").json()
    return body["quality_score"], body["quality_band"]


def latest(slug) -> QualityAssessment:
    return QualityAssessment.objects.filter(dataset__slug=slug).order_by("-computed_at", "-pk").first()


TYPICAL = {
    "title": "Hospital admissions",
    "description": "Admissions to NHS hospitals by region and month.",
    "keywords": ["hospitals", "admissions"],
    "themes": ["HEAL"],
    "temporal_start": "2020-01-01",
    "contact_email": "stats@ohs.example.gov",
    "licence": "OGL_3_0",
    "issued": "2021-03-01",
}


def typical_distributions(base):
    return [
        {
            "title": "Admissions CSV",
            "access_url": f"{base}/ok/page",
            "download_url": f"{base}/ok/file.csv",
            "format": "CSV",
            "media_type": "text/csv",
            "byte_size": 1200,
            "rights": "Crown copyright.",
        },
        {"title": "Methodology", "access_url": f"{base}/ok/method", "format": "PDF"},
    ]


def test_minimal_draft_scores_only_what_is_always_there(api, db):
    slug = create(api, {"title": "Bare"})
    # Reusability: access rights 10 + from vocabulary 5 + publisher 10. Nothing else.
    assert stored(api, slug) == (25, "bad")
    assessment = latest(slug)
    assert assessment.mqa_score == 25
    assert assessment.provcat_score == 0


def test_typical_dataset_before_link_checks_matches_hand_computed_score(api, db):
    slug = create(api, TYPICAL, typical_distributions("http://links.invalid"))
    # Findability 30+30+0+20=80; accessibility: links not checked 0 + download URL 1/2 of 20 = 10
    # + 0; interoperability: best distribution (CSV) 20+10+10+20+20 + DCAT-AP 30 = 110;
    # reusability 20+10+10+5+20+10 = 75; contextuality: rights 1/2 of 5 = 3 (halves up),
    # byte size 3, issued 5, modified 0 = 11. Total 286.
    assert stored(api, slug) == (286, "good")
    by_key = {i["key"]: i for d in latest(slug).breakdown for i in d["indicators"]}
    assert by_key["rights"]["points"] == 3
    assert by_key["access_url_reachable"]["hint"].startswith("Access URL: waiting for the link check")


def test_typical_dataset_with_links_answering_is_excellent(api, local_links):
    slug = create(api, TYPICAL, typical_distributions(local_links))
    # As above, but both access URLs answer (50) and the one download URL answers (1/2 of 30 = 15):
    # accessibility 75, total 351: the first excellent score.
    assert stored(api, slug) == (351, "excellent")
    assert LinkCheck.objects.filter(distribution__dataset__slug=slug, reachable=True).count() == 3


def test_broken_links_lose_accessibility_points(api, local_links):
    distributions = typical_distributions(local_links)
    distributions[0]["access_url"] = f"{local_links}/gone"
    distributions[0]["download_url"] = f"{local_links}/gone.csv"
    slug = create(api, TYPICAL, distributions)
    # Accessibility: 1/2 access URLs answer (25) + download present 10 + download answers 0 = 35.
    assert stored(api, slug) == (286 + 25 + 0, "good")
    check = LinkCheck.objects.get(distribution__title="Admissions CSV", kind="access")
    assert (check.reachable, check.status_code) == (False, 404)


def test_complete_dataset_scores_full_marks(api, local_links, bob):
    slug = create(
        api,
        {
            **TYPICAL,
            "spatial_uri": "http://publications.europa.eu/resource/authority/country/GBR",
            "spatial_label": "United Kingdom",
            "modified": "2024-01-01T00:00:00Z",
        },
        [typical_distributions(local_links)[0]],
    )
    assert stored(api, slug) == (405, "excellent")
    assessment = latest(slug)
    assert all(not i["hint"] for d in assessment.breakdown[:5] for i in d["indicators"])


def test_hints_name_every_missing_point_and_following_them_reaches_excellent(api, local_links):
    slug = create(api, {"title": "Bare"})
    assessment = latest(slug)
    gains = [int(i["hint"].rsplit("+", 1)[1]) for d in assessment.breakdown[:5] for i in d["indicators"] if i["hint"]]
    assert sum(gains) == 405 - assessment.mqa_score
    hints = " | ".join(i["hint"] for d in assessment.breakdown for i in d["indicators"] if i["hint"])
    for expected in (
        "Add keywords: +30",
        "Pick a theme: +30",
        "Say which place it covers: +20",
        "Add a contact name or email: +20",
        "Give the date of first issue: +5",
    ):
        assert expected in hints

    # Follow the hints, one form of change at a time, through the API.
    etag = api.get(f"/api/v1/datasets/{slug}/")["ETag"]
    response = api.patch(
        f"/api/v1/datasets/{slug}/",
        {
            "description": "Beds in use per hospital trust.",
            "keywords": ["beds"],
            "themes": ["HEAL"],
            "spatial_uri": "http://publications.europa.eu/resource/authority/country/GBR",
            "temporal_start": "2023-01-01",
            "contact_email": "beds@ohs.example.gov",
            "licence": "OGL_3_0",
            "issued": "2023-02-01",
            "modified": "2024-02-01T00:00:00Z",
        },
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    api.post(
        "/api/v1/distributions/",
        {
            "dataset": slug,
            "access_url": f"{local_links}/ok/beds",
            "download_url": f"{local_links}/ok/beds.csv",
            "format": "CSV",
            "media_type": "text/csv",
            "byte_size": 10,
            "rights": "Crown copyright.",
        },
        format="json",
    )
    assert stored(api, slug) == (405, "excellent")
    # The score history kept each step.
    assert QualityAssessment.objects.filter(dataset__slug=slug).count() >= 3


def test_provcat_dimension_counts_definitions_method_checks_and_lineage(api, db):
    slug = create(api, TYPICAL)
    for name, definition in (("region", "ONS region code"), ("admissions", "")):
        api.post("/api/v1/fields/", {"dataset": slug, "name": name, "definition": definition}, format="json")
    assert latest(slug).provcat_score == 0 + 13  # 1 of 2 fields defined: 12.5 -> 13
    api.post(
        "/api/v1/collection-methods/",
        {"dataset": slug, "method_type": "administrative", "description": "Hospital episode records."},
        format="json",
    )
    # Collection method 25; lineage: not derived, so nothing to declare: 25.
    assert latest(slug).provcat_score == 13 + 25 + 25
    api.post(
        "/api/v1/checks/",
        {
            "dataset": slug,
            "name": "No missing regions",
            "outcome": "pass",
            "run_at": (timezone.now() - timedelta(days=400)).isoformat(),
        },
        format="json",
    )
    assert latest(slug).provcat_score == 63  # a check from over a year ago does not count
    api.post("/api/v1/checks/", {"dataset": slug, "name": "No missing regions", "outcome": "pass"}, format="json")
    assert latest(slug).provcat_score == 88
    hints = [i["hint"] for i in latest(slug).breakdown[5]["indicators"] if i["hint"]]
    assert hints == ["Write a definition for 1 more field: +12"]


def test_sweep_scores_datasets_whose_nudge_was_lost(db, make_dataset):
    dataset = make_dataset("Loaded in bulk")
    # As if loaded in bulk past the services: never scored, and no quality work recorded.
    Dataset.objects.filter(pk=dataset.pk).update(quality_score=None, quality_scored_at=None)
    DerivedWork.objects.filter(kind=DerivedWork.Kind.QUALITY, target_id=dataset.pk).delete()
    from catalogue.quality.tasks import quality_sweep

    assert quality_sweep() >= 1
    dataset.refresh_from_db()
    assert dataset.quality_score is not None and dataset.quality_scored_at is not None


def test_the_served_dcat_record_follows_a_score_change_that_no_edit_caused(
    api, local_links, settings, django_capture_on_commit_callbacks
):
    from rdflib import Graph, Literal, Namespace, URIRef

    from catalogue.quality.tasks import link_check_sweep

    dqv = Namespace("http://www.w3.org/ns/dqv#")
    settings.PROVCAT_LINK_CHECKS = False
    slug = create(api, TYPICAL, typical_distributions(local_links))
    assert api.post(f"/api/v1/datasets/{slug}/publish/").status_code == 200
    assert stored(api, slug) == (286, "good")
    # The periodic link check finds the links answering: the score rises without any edit.
    settings.PROVCAT_LINK_CHECKS = True
    with django_capture_on_commit_callbacks(execute=True):
        assert link_check_sweep() == 2
    assert stored(api, slug) == (351, "excellent")
    graph = Graph().parse(data=api.get(f"/datasets/{slug}.ttl").content, format="turtle")
    dataset = URIRef(Dataset.objects.get(slug=slug).uri)
    values = {graph.value(m, dqv.value) for m in graph.objects(dataset, dqv.hasQualityMeasurement)}
    assert Literal(351) in values


def test_a_record_that_fails_dcat_ap_shacl_loses_the_points_and_is_not_published(api, db):
    slug = create(api, TYPICAL, typical_distributions("http://links.invalid"))
    assert stored(api, slug) == (286, "good")
    # Data written around the forms (a bulk load) with a checksum that is not hexadecimal:
    # the record's spdx:checksumValue breaks the DCAT-AP range shapes.
    Distribution.objects.filter(dataset__slug=slug, title="Admissions CSV").update(
        checksum="not-hex!", checksum_algorithm="sha256"
    )
    # The score is asked for again (the bulk load recorded no work), as a change would.
    with transaction.atomic():
        outbox.record(outbox.Kind.QUALITY, [Dataset.objects.get(slug=slug).pk])
    assert stored(api, slug) == (286 - 30, "good")
    response = api.post(f"/api/v1/datasets/{slug}/publish/")
    assert response.status_code == 400
    assert "spdx:checksumValue" in str(response.json())
    assert Dataset.objects.get(slug=slug).status == "draft"


@pytest.mark.worker
def test_a_real_worker_scores_a_dataset_after_each_change(celery_worker_process, ohs, bob):
    from catalogue import services
    from tests.conftest import wait_for

    dataset = services.dataset_create(user=bob, organisation=ohs, data={"title": "Ambulance response times"})
    first = wait_for(lambda: Dataset.objects.filter(pk=dataset.pk, quality_score__isnull=False).first())
    assert first.quality_score == 25
    services.dataset_update(
        dataset=dataset,
        user=bob,
        data={
            "description": "Minutes from call to arrival, by ambulance service and month.",
            "contact_email": "ambulance.stats@ohs.example.gov",
        },
        expected_revision=None,
    )
    # Contact point +20; the record now conforms to DCAT-AP with a real description: +30.
    wait_for(lambda: Dataset.objects.get(pk=dataset.pk).quality_score == 25 + 20 + 30)
    assert QualityAssessment.objects.filter(dataset=dataset).count() == 2


def test_link_checks_refuse_private_addresses_without_connecting(api, settings, monkeypatch):
    import socket

    settings.PROVCAT_LINK_CHECKS = True
    settings.PROVCAT_ALLOW_LOOPBACK_FETCH = True

    def refuse(*args, **kwargs):
        raise AssertionError(f"a connection was attempted: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    slug = create(
        api,
        {"title": "Internal"},
        [{"access_url": "http://169.254.169.254/latest/meta-data/", "download_url": "http://192.168.1.20/x.csv"}],
    )
    checks = {c.kind: c for c in LinkCheck.objects.filter(distribution__dataset__slug=slug)}
    assert set(checks) == {"access", "download"}
    assert all(not c.reachable and c.error.startswith("Refused") for c in checks.values())


def test_a_change_commits_when_the_broker_is_down_and_the_sweep_scores_it(
    db, ohs, bob, settings, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from catalogue import services
    from catalogue.quality.tasks import quality_score_datasets

    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(quality_score_datasets, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        dataset = services.dataset_create(user=bob, organisation=ohs, data={"title": "Ambulance times"})
    assert "the periodic sweep will do it" in caplog.text
    dataset.refresh_from_db()
    assert dataset.quality_score is None
    assert DerivedWork.objects.filter(kind=DerivedWork.Kind.QUALITY, target_id=dataset.pk).exists()
    monkeypatch.undo()
    assert outbox.sweep(min_age_seconds=0)[outbox.Kind.QUALITY] == 1
    dataset.refresh_from_db()
    assert dataset.quality_score == 25
