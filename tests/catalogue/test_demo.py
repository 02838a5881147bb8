"""The demo catalogue is realistic and loading it twice changes nothing."""

from collections import defaultdict

from django.apps import apps
from django.core.management import call_command

from catalogue.access import is_catalogued
from catalogue.demo.loader import MOVED_FILES
from catalogue.models import Dataset, Distribution, Organisation
from provenance.models import Derivation


def _row_counts():
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label in ("catalogue", "provenance", "auth", "sharing")
    }


def _depth(dataset_id, parents, seen=()):
    return max((1 + _depth(s, parents, (*seen, dataset_id)) for s in parents[dataset_id] if s not in seen), default=0)


def test_demo_is_idempotent_history_included(db):
    call_command("load_demo")
    first = _row_counts()
    call_command("load_demo")
    assert _row_counts() == first


def test_demo_has_departments_published_datasets_drafts_and_a_restricted_one(db):
    call_command("load_demo")
    assert Organisation.objects.count() >= 6
    published = Dataset.objects.filter(status="published", access_rights="PUBLIC")
    assert published.count() >= 40
    assert Dataset.objects.filter(status="draft").count() >= 2
    assert Dataset.objects.filter(access_rights="RESTRICTED").exists()
    for dataset in published.prefetch_related("distributions", "fields"):
        assert dataset.distributions.all(), dataset.slug
        assert len(dataset.fields.all()) >= 3, dataset.slug
        assert hasattr(dataset, "collection_method"), dataset.slug
    assert published.filter(validation_checks__isnull=False).distinct().count() >= 15
    assert published.filter(quality_measurements__isnull=False).exists()


def test_demo_has_a_public_derivation_chain_at_least_four_deep(db):
    call_command("load_demo")
    parents = defaultdict(set)
    for derived_id, source_id in Derivation.objects.current().values_list("derived_id", "source_id"):
        parents[derived_id].add(source_id)
    dashboard = Dataset.objects.get(slug="employment-dashboard-extract")
    assert _depth(dashboard.pk, parents) >= 4
    assert is_catalogued(dashboard)


def test_demo_download_links_are_served_by_the_app_itself(client, db, settings):
    call_command("load_demo")
    dataset = Dataset.objects.get(slug="road-traffic-counts")
    url = dataset.distributions.get(format__code="CSV").download_url
    assert url.startswith(settings.PROVCAT_BASE_URI + "/demo/files/")
    response = client.get(url.removeprefix(settings.PROVCAT_BASE_URI))
    assert response.status_code == 200
    header = response.content.decode().splitlines()[0].split(",")
    assert header == [f.name for f in dataset.fields.all()]


def test_every_demo_download_link_gives_a_file_its_format_can_open(client, db, settings):
    """No demo download is a 404 (but the few the demo breaks on purpose, MOVED_FILES): CSV, JSON,
    GeoJSON, and spreadsheets that open as spreadsheets, each exactly the size its distribution declares."""
    import io
    import xml.etree.ElementTree as ET
    import zipfile

    import openpyxl

    call_command("load_demo")
    base = settings.PROVCAT_BASE_URI
    links = Distribution.objects.filter(
        download_url__startswith=base + "/demo/files/", dataset__status=Dataset.Status.PUBLISHED
    ).select_related("dataset", "format")
    formats = set()
    for distribution in links:
        if not is_catalogued(distribution.dataset):
            continue
        response = client.get(distribution.download_url.removeprefix(base))
        if (distribution.dataset.slug, distribution.format.code) in MOVED_FILES:
            assert response.status_code == 404, distribution.download_url
            continue
        assert response.status_code == 200, distribution.download_url
        assert distribution.byte_size == len(response.content), distribution.download_url
        formats.add(distribution.format.code)
        names = [f.name for f in distribution.dataset.fields.all()]
        if distribution.format.code == "XLSX":
            sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
            rows = list(sheet.iter_rows(values_only=True))
            assert list(rows[0]) == names
            assert len(rows) == 6
        elif distribution.format.code == "ODS":
            archive = zipfile.ZipFile(io.BytesIO(response.content))
            first = archive.infolist()[0]
            assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
            assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
            ns = {
                "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
                "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
            }
            table = ET.fromstring(archive.read("content.xml")).find(".//table:table", ns)
            header = table.find("table:table-row", ns)
            assert [p.text for p in header.iterfind("table:table-cell/text:p", ns)] == names
    assert {"CSV", "JSON", "XLSX", "ODS"} <= formats


def test_the_demo_is_whole_before_any_worker_has_run(db, monkeypatch):
    """Loading queues work for the workers (in this test their nudges are never sent, as when
    the worker has not started yet); load_demo does that work itself, so the first request to
    a fresh `make run` finds the lineage graph, stored RDF, search entries and scores."""
    from catalogue import outbox
    from catalogue.access import catalogued_datasets
    from catalogue.models import DerivedWork, RdfRecord, SearchEntry
    from catalogue.queries import datasets_awaiting_score
    from provenance.models import LineageEdge

    sent = []
    monkeypatch.setattr(outbox, "task_send_quietly", lambda task, *a, **k: sent.append(task.name) or False)
    call_command("load_demo")
    assert sent  # the load did queue work, and no worker took it
    assert not DerivedWork.objects.exists()
    assert RdfRecord.objects.filter(in_catalogue=True).count() == catalogued_datasets().count() == 43
    assert LineageEdge.objects.filter(depth__gte=4).exists()
    assert SearchEntry.objects.count() == Dataset.objects.count()
    assert not datasets_awaiting_score().exists()


# -- the demo's sharing agreements -----------------------------------------------------------


def _agreements():
    from catalogue.sharing.models import SharingAgreement

    return SharingAgreement.objects.select_related("provider", "recipient")


def test_demo_has_agreements_in_every_state_made_through_the_workflow(db):
    from catalogue.sharing.models import SharingAgreement

    call_command("load_demo")
    by_status = defaultdict(list)
    for agreement in _agreements():
        by_status[agreement.status].append(agreement)
    assert {s: len(a) for s, a in by_status.items()} == {"active": 2, "expired": 1, "suspended": 1, "proposed": 1}
    fraud = SharingAgreement.objects.get(legal_gateway="dea-s56")
    assert (fraud.lawful_basis, fraud.status, fraud.published) == ("gdpr-6-1-e", "active", True)
    health = SharingAgreement.objects.get(special_category_condition="gdpr-9-2-i", status="active")
    assert health.lawful_basis == "gdpr-6-1-e"
    for agreement in _agreements():
        assert agreement.purpose and agreement.benefits and agreement.retention_period and agreement.contact_email
        # The data items are fields of the covered datasets' dictionaries.
        covered = {d.pk: {f.name for f in d.fields.all()} for d in agreement.datasets.prefetch_related("fields")}
        items = list(agreement.data_items.all())
        assert items and all(item.field_name in covered[item.dataset_id] for item in items)
        actions = list(agreement.events.values_list("action", flat=True))
        assert actions[0] == "proposed"
        if agreement.status != "proposed":
            # Both sides approved, each by an admin of its own organisation.
            approvals = agreement.events.filter(action="approved").values_list("organisation_id", "user__username")
            assert {(org, user.split("-admin")[0]) for org, user in approvals} == {
                (agreement.provider_id, agreement.provider.slug),
                (agreement.recipient_id, agreement.recipient.slug),
            }
            assert "activated" in actions
    assert by_status["suspended"][0].status_reason


def test_demo_shares_a_restricted_dataset_with_the_recipients_members_only(db, client):
    from django.contrib.auth import get_user_model

    from catalogue.access import can_view_dataset

    call_command("load_demo")
    User = get_user_model()
    active_restricted = [
        (agreement, dataset)
        for agreement in _agreements().filter(status="active")
        for dataset in agreement.datasets.filter(access_rights="RESTRICTED")
    ]
    assert active_restricted
    agreement, dataset = active_restricted[0]
    recipient_viewer = User.objects.get(username=f"{agreement.recipient.slug}-viewer")
    client.force_login(recipient_viewer)
    assert can_view_dataset(recipient_viewer, dataset)
    assert client.get(f"/datasets/{dataset.slug}/").status_code == 200
    stranger = User.objects.get(username="ea-viewer")
    assert not can_view_dataset(stranger, dataset)


def test_demo_expired_agreement_ran_in_the_past_and_shares_nothing(db):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from catalogue.access import can_view_dataset

    call_command("load_demo")
    (expired,) = _agreements().filter(status="expired")
    assert expired.end_date < timezone.localdate() and expired.activated_at is not None
    assert list(expired.events.values_list("action", flat=True))[-2:] == ["changed", "expired"]
    viewer = get_user_model().objects.get(username=f"{expired.recipient.slug}-viewer")
    restricted = expired.datasets.filter(access_rights="RESTRICTED")
    assert restricted.exists()  # it covered a restricted dataset, which the recipient no longer reads
    assert not any(can_view_dataset(viewer, dataset) for dataset in restricted)


def test_demo_lineage_crosses_an_agreement_and_its_prov_names_the_plan(db, client):
    from rdflib import Graph, URIRef
    from rdflib.namespace import PROV

    call_command("load_demo")
    health = _agreements().get(special_category_condition="gdpr-9-2-i", status="active")
    graph = Graph().parse(data=client.get("/datasets/public-health-outcomes/provenance.ttl").content, format="turtle")
    assert URIRef(health.uri) in set(graph.objects(None, PROV.hadPlan))
    html = client.get("/datasets/public-health-outcomes/").content.decode()
    assert f'<a href="/sharing/{health.pk}/">{health.name}</a>' in html
