"""The REST API /api/v1/: reads, writes through the services, concurrency, workflow, permissions."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalogue import services
from catalogue.actors import system_actor
from catalogue.models import Dataset, Distribution, Field, Membership, QualityMeasurement, ValidationCheck
from tests.conftest import client_as


@pytest.fixture
def dft_editor(dft):
    user = get_user_model().objects.create_user("dora", "dora@example.gov", "correct-horse-battery")
    Membership.objects.create(user=user, organisation=dft, role=Membership.Role.EDITOR)
    return user


@pytest.fixture
def draft(make_dataset):
    dataset = make_dataset("Bed occupancy", status=Dataset.Status.DRAFT)
    distribution, field = add_parts(dataset, access_url="https://data.example.gov/beds", field="beds", value=0.9)
    dataset.refresh_from_db()
    return dataset, distribution, field


def add_parts(dataset, *, access_url="https://data.example.gov/x", field="a", value=1.0):
    """A distribution, a field, a check and a measurement, each added through its service."""
    actor = system_actor("tests")
    distribution = services.distribution_save(dataset=dataset, user=actor, data={"access_url": access_url})
    made = services.field_save(dataset=dataset, user=actor, data={"name": field, "definition": "Beds in use"})
    services.validation_check_record(dataset=dataset, user=actor, data={"name": "No gaps", "outcome": "pass"})
    services.quality_measurement_record(
        dataset=dataset, user=actor, data={"dimension": "completeness", "metric": "rows", "value": value}
    )
    return distribution, made


def test_anonymous_writes_are_refused(db, ohs):
    response = client_as(None).post("/api/v1/datasets/", {"title": "x", "publisher": "ohs"}, format="json")
    assert response.status_code in (401, 403)
    assert not Dataset.objects.filter(title="x").exists()


def test_dataset_list_has_quality_and_honours_page_size(db, make_dataset):
    for n in range(7):
        make_dataset(f"Dataset {n}")
    body = client_as(None).get("/api/v1/datasets/?page_size=5").json()
    assert body["count"] == 7 and len(body["results"]) == 5
    first = body["results"][0]
    assert {"quality_score", "quality_band"} <= set(first)
    assert first["quality_score"] is not None


def test_drafts_are_listed_only_for_members(db, draft, vera, charlie):
    slug = draft[0].slug
    assert slug not in [d["slug"] for d in client_as(charlie).get("/api/v1/datasets/").json()["results"]]
    assert slug in [d["slug"] for d in client_as(vera).get("/api/v1/datasets/").json()["results"]]
    assert client_as(charlie).get(f"/api/v1/datasets/{slug}/").status_code == 404
    assert client_as(charlie).get(f"/api/v1/distributions/{draft[1].pk}/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/datasets/",
        "/api/v1/distributions/",
        "/api/v1/fields/",
        "/api/v1/checks/",
        "/api/v1/measurements/",
        "/api/v1/organisations/",
    ],
)
def test_list_query_count_does_not_grow_with_rows(db, make_dataset, django_assert_max_num_queries, path):
    def add(n):
        for i in range(n):
            add_parts(make_dataset(f"Set {Dataset.objects.count()} {i}"))

    client = client_as(None)
    add(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(path).status_code == 200
    add(10)
    with django_assert_max_num_queries(len(small)):
        assert client.get(path).status_code == 200
    # Pinned: datasets are counted and paged, then keywords and themes prefetched; organisations
    # counted and paged; the parts are cursor-paged (one query, no count).
    assert len(small) == {"/api/v1/datasets/": 4, "/api/v1/organisations/": 2}.get(path, 1)


def test_part_lists_are_cursor_paged(db, make_dataset):
    dataset = make_dataset("Wide table")
    for i in range(7):
        services.field_save(dataset=dataset, user=system_actor("tests"), data={"name": f"column_{i}"})
    client = client_as(None)
    first = client.get("/api/v1/fields/?page_size=5").json()
    assert [f["name"] for f in first["results"]] == [f"column_{i}" for i in range(5)]
    second = client.get(first["next"]).json()
    assert [f["name"] for f in second["results"]] == ["column_5", "column_6"] and second["next"] is None


def test_token_authentication_for_scripts(db, bob, ohs):
    token = Token.objects.create(user=bob)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(
        "/api/v1/datasets/", {"title": "From a script", "publisher": "ohs", "keywords": ["beds"]}, format="json"
    )
    assert response.status_code == 201
    dataset = Dataset.objects.get(title="From a script")
    assert (dataset.status, dataset.created_by, list(dataset.keywords.values_list("name", flat=True))) == (
        "draft",
        bob,
        ["beds"],
    )
    assert dataset.history.first().history_user == bob


def test_session_writes_need_csrf(db, bob, ohs):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(bob)
    response = client.post("/api/v1/datasets/", {"title": "No token", "publisher": "ohs"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_stale_update_is_refused_with_412(db, draft, bob):
    dataset = draft[0]
    client = client_as(bob)
    etag = client.get(f"/api/v1/datasets/{dataset.slug}/")["ETag"]
    assert client.patch(f"/api/v1/datasets/{dataset.slug}/", {"title": "No tag"}, format="json").status_code == 428
    first = client.patch(f"/api/v1/datasets/{dataset.slug}/", {"title": "First"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200 and first["ETag"] != etag
    second = client.patch(f"/api/v1/datasets/{dataset.slug}/", {"title": "Second"}, format="json", HTTP_IF_MATCH=etag)
    assert second.status_code == 412
    dataset.refresh_from_db()
    assert dataset.title == "First"


def test_changing_a_part_changes_the_etag(db, draft, bob):
    dataset, distribution, _ = draft
    client = client_as(bob)
    etag = client.get(f"/api/v1/datasets/{dataset.slug}/")["ETag"]
    response = client.patch(f"/api/v1/distributions/{distribution.pk}/", {"title": "Beds CSV"}, format="json")
    assert response.status_code == 200
    assert client.get(f"/api/v1/datasets/{dataset.slug}/")["ETag"] != etag
    stale = client.patch(f"/api/v1/datasets/{dataset.slug}/", {"title": "X"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412


def test_publish_says_what_is_missing(db, ohs, bob):
    dataset = services.dataset_create(user=bob, organisation=ohs, data={"title": "Empty"})
    response = client_as(bob).post(f"/api/v1/datasets/{dataset.slug}/publish/")
    assert response.status_code == 400
    assert "a description" in str(response.json())
    dataset.refresh_from_db()
    assert dataset.status == "draft"


def test_publish_and_withdraw(db, draft, bob, anon):
    dataset = draft[0]
    client = client_as(bob)
    response = client.post(f"/api/v1/datasets/{dataset.slug}/publish/")
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert client_as(None).get(f"/api/v1/datasets/{dataset.slug}/").status_code == 200
    assert client.post(f"/api/v1/datasets/{dataset.slug}/withdraw/", {}, format="json").status_code == 400
    response = client.post(f"/api/v1/datasets/{dataset.slug}/withdraw/", {"reason": "Superseded"}, format="json")
    assert response.json()["status"] == "withdrawn"
    # Withdrawn datasets stay readable, with their notice.
    assert client_as(None).get(f"/api/v1/datasets/{dataset.slug}/").json()["withdrawn_reason"] == "Superseded"


def test_review_needs_a_second_editor(db, draft, ohs, alice, bob):
    services.organisation_set_review(organisation=ohs, user=alice, requires_review=True)
    dataset = draft[0]
    asked = client_as(bob).post(f"/api/v1/datasets/{dataset.slug}/publish/").json()
    assert (asked["status"], asked["awaiting_review"]) == ("draft", True)
    assert client_as(bob).post(f"/api/v1/datasets/{dataset.slug}/publish/").status_code == 403
    approved = client_as(alice).post(f"/api/v1/datasets/{dataset.slug}/publish/").json()
    assert (approved["status"], approved["awaiting_review"]) == ("published", False)


def test_history_and_restore(db, draft, bob, charlie):
    dataset = draft[0]
    client = client_as(bob)
    etag = client.get(f"/api/v1/datasets/{dataset.slug}/")["ETag"]
    client.patch(f"/api/v1/datasets/{dataset.slug}/", {"title": "Renamed"}, format="json", HTTP_IF_MATCH=etag)
    history = client.get(f"/api/v1/datasets/{dataset.slug}/history/").json()["results"]
    assert history[0]["title"] == "Renamed" and history[0]["history_user"] == "bob"
    original = next(h for h in history if h["title"] == "Bed occupancy")
    restored = client.post(
        f"/api/v1/datasets/{dataset.slug}/restore/", {"history_id": original["history_id"]}, format="json"
    )
    assert restored.status_code == 200 and restored.json()["title"] == "Bed occupancy"
    assert client_as(charlie).get(f"/api/v1/datasets/{dataset.slug}/history/").status_code in (403, 404)


def test_memberships_are_managed_by_organisation_admins(db, ohs, alice, bob, charlie):
    assert (
        client_as(bob)
        .post("/api/v1/memberships/", {"organisation": "ohs", "user": "charlie", "role": "editor"}, format="json")
        .status_code
        == 403
    )
    response = client_as(alice).post(
        "/api/v1/memberships/", {"organisation": "ohs", "user": "charlie", "role": "viewer"}, format="json"
    )
    assert response.status_code == 201
    assert Membership.objects.get(user=charlie).role == "viewer"
    own = Membership.objects.get(user=alice)
    response = client_as(alice).patch(f"/api/v1/memberships/{own.pk}/", {"role": "editor"}, format="json")
    assert response.status_code == 400 and "at least one admin" in str(response.json())


# Every write route, tried by people who must not succeed on an ohs dataset.

WRITE_ROUTES = [
    ("patch", "/api/v1/datasets/{slug}/", {"title": "Hijacked"}),
    ("post", "/api/v1/datasets/{slug}/publish/", {}),
    ("post", "/api/v1/datasets/{slug}/withdraw/", {"reason": "Hijacked"}),
    ("post", "/api/v1/datasets/{slug}/restore/", {"history_id": 1}),
    ("post", "/api/v1/datasets/", {"title": "Hijacked", "publisher": "ohs"}),
    ("post", "/api/v1/distributions/", {"dataset": "{slug}", "access_url": "https://x.example/h"}),
    ("patch", "/api/v1/distributions/{distribution}/", {"title": "Hijacked"}),
    ("delete", "/api/v1/distributions/{distribution}/", None),
    ("post", "/api/v1/fields/", {"dataset": "{slug}", "name": "hijacked"}),
    ("patch", "/api/v1/fields/{field}/", {"definition": "Hijacked"}),
    ("delete", "/api/v1/fields/{field}/", None),
    ("post", "/api/v1/checks/", {"dataset": "{slug}", "name": "Hijacked", "outcome": "fail"}),
    ("post", "/api/v1/measurements/", {"dataset": "{slug}", "dimension": "accuracy", "metric": "h", "value": 0}),
    ("post", "/api/v1/collection-methods/", {"dataset": "{slug}", "method_type": "survey", "description": "h"}),
    ("post", "/api/v1/memberships/", {"organisation": "ohs", "user": "{username}", "role": "admin"}),
    ("post", "/api/v1/derivations/", {"derived": "{slug}", "source": "{other}"}),
    ("patch", "/api/v1/checks/{check}/", {"outcome": "fail"}),
    ("delete", "/api/v1/checks/{check}/", None),
    ("patch", "/api/v1/measurements/{measurement}/", {"value": 0}),
    ("delete", "/api/v1/measurements/{measurement}/", None),
    ("patch", "/api/v1/collection-methods/{method}/", {"description": "Hijacked"}),
    ("patch", "/api/v1/memberships/{membership}/", {"role": "viewer"}),
    ("delete", "/api/v1/memberships/{membership}/", None),
    ("delete", "/api/v1/derivations/{derivation}/", None),
]


@pytest.mark.parametrize("who", ["charlie", "vera", "dft_editor"])
@pytest.mark.parametrize(("method", "path", "body"), WRITE_ROUTES)
def test_outsiders_and_viewers_cannot_change_another_organisations_data(
    db, request, draft, who, method, path, body, make_dataset
):
    from catalogue.models import CollectionMethod
    from provenance import services as provenance_services
    from provenance.models import Derivation

    dataset, distribution, field = draft
    actor = system_actor("tests")
    dataset = services.dataset_publish(dataset=dataset, user=actor)
    user = request.getfixturevalue(who)

    other = make_dataset("Census counts")
    admin = get_user_model().objects.create_user("ada", "ada@example.gov", "correct-horse-battery")
    membership = services.membership_set(
        organisation=dataset.publisher, user=actor, member=admin, role=Membership.Role.ADMIN
    )
    source = make_dataset("Register extract")
    derivation = provenance_services.derivation_add(derived=dataset, source=source, user=actor)
    collection_method = services.collection_method_save(
        dataset=dataset, user=actor, data={"method_type": "survey", "description": "A survey"}
    )
    values = {
        "slug": dataset.slug,
        "distribution": distribution.pk,
        "field": field.pk,
        "username": user.username,
        "other": other.slug,
        "check": dataset.validation_checks.get().pk,
        "measurement": dataset.quality_measurements.get().pk,
        "method": collection_method.pk,
        "membership": membership.pk,
        "derivation": derivation.pk,
    }
    snapshot = (
        list(ValidationCheck.objects.values_list("outcome", flat=True)),
        list(QualityMeasurement.objects.values_list("value", flat=True)),
        list(CollectionMethod.objects.values_list("description", flat=True)),
        list(Membership.objects.order_by("pk").values_list("role", flat=True)),
        list(Derivation.objects.values_list("valid_to", flat=True)),
    )
    url = path.format(**values)
    payload = {k: (v.format(**values) if isinstance(v, str) else v) for k, v in (body or {}).items()}
    before = (Dataset.objects.count(), Distribution.objects.count(), Field.objects.count(), Membership.objects.count())
    revision = Dataset.objects.get(pk=dataset.pk).revision
    response = getattr(client_as(user), method)(url, payload, format="json", HTTP_IF_MATCH="*")
    assert response.status_code in (400, 403, 404), (response.status_code, response.content)
    if response.status_code == 400:
        assert "No such dataset" in str(response.content)
    after = (Dataset.objects.count(), Distribution.objects.count(), Field.objects.count(), Membership.objects.count())
    assert after == before
    assert Derivation.objects.count() == 1
    assert snapshot == (
        list(ValidationCheck.objects.values_list("outcome", flat=True)),
        list(QualityMeasurement.objects.values_list("value", flat=True)),
        list(CollectionMethod.objects.values_list("description", flat=True)),
        list(Membership.objects.order_by("pk").values_list("role", flat=True)),
        list(Derivation.objects.values_list("valid_to", flat=True)),
    )
    dataset.refresh_from_db()
    assert (dataset.title, dataset.status, dataset.revision) == ("Bed occupancy", "published", revision)


def test_anonymous_clients_are_throttled(db, settings):
    # The rates are read per request from the settings (config/throttling.py); each test
    # counts in a throttle cache of its own (tests/conftest.py).
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "3/minute", "user": "1000/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    client = client_as(None)
    codes = [client.get("/api/v1/organisations/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_derivations_through_the_api(db, make_dataset, dft, bob):
    from provenance.models import Derivation

    census = make_dataset("Census counts", publisher=dft)
    rates = make_dataset("Admission rates")
    client = client_as(bob)
    response = client.post(
        "/api/v1/derivations/", {"derived": rates.slug, "source": census.slug, "description": "Divided"}, format="json"
    )
    assert response.status_code == 201, response.content
    derivation = Derivation.objects.current().get(derived=rates)
    assert derivation.source == census and derivation.created_by == bob
    # A cycle is refused with the lineage service's message.
    dft_editor = get_user_model().objects.create_user("dee", "dee@example.gov", "correct-horse-battery")
    services.membership_set(organisation=dft, user=system_actor("tests"), member=dft_editor, role="editor")
    cycle = client_as(dft_editor).post(
        "/api/v1/derivations/", {"derived": census.slug, "source": rates.slug}, format="json"
    )
    assert cycle.status_code == 400 and "cycle" in str(cycle.json())
    listed = client_as(None).get(f"/api/v1/derivations/?derived={rates.slug}&current=true").json()["results"]
    assert [(d["derived"], d["source"]) for d in listed] == [(rates.slug, census.slug)]
    assert client.delete(f"/api/v1/derivations/{derivation.pk}/").status_code == 204
    derivation.refresh_from_db()
    assert derivation.valid_to is not None
