"""The one access helper: who may see and change which dataset."""

import pytest
from django.db.models import Q

from catalogue.access import can_edit_dataset, can_view_dataset, dataset_for_user, visible_datasets
from catalogue.models import Dataset

PUBLIC, RESTRICTED, NON_PUBLIC = (
    Dataset.AccessRights.PUBLIC,
    Dataset.AccessRights.RESTRICTED,
    Dataset.AccessRights.NON_PUBLIC,
)
DRAFT, PUBLISHED, WITHDRAWN = Dataset.Status.DRAFT, Dataset.Status.PUBLISHED, Dataset.Status.WITHDRAWN


@pytest.fixture
def catalogue(make_dataset, dft):
    return {
        "public": make_dataset("Public one"),
        "withdrawn": make_dataset("Withdrawn one", status=WITHDRAWN, withdrawn_reason="Replaced."),
        "draft": make_dataset("Draft one", status=DRAFT),
        "restricted": make_dataset("Restricted one", access_rights=RESTRICTED),
        "non_public": make_dataset("Non-public one", access_rights=NON_PUBLIC),
        "other_org_draft": make_dataset("Transport draft", publisher=dft, status=DRAFT),
    }


def slugs(user):
    return set(visible_datasets(user).values_list("slug", flat=True))


def test_strangers_see_only_public_published_and_withdrawn(catalogue, anon, charlie):
    for user in (anon, charlie):
        assert slugs(user) == {"public-one", "withdrawn-one"}
        assert not can_view_dataset(user, catalogue["restricted"])
        assert not can_edit_dataset(user, catalogue["public"])


@pytest.mark.parametrize("persona", ["alice", "bob", "vera"])
def test_members_see_all_of_their_organisations_datasets_but_no_other_drafts(request, catalogue, persona):
    user = request.getfixturevalue(persona)
    assert slugs(user) == {"public-one", "withdrawn-one", "draft-one", "restricted-one", "non-public-one"}


def test_editors_and_admins_may_edit_their_organisations_datasets_viewers_may_not(catalogue, alice, bob, vera, dft):
    assert can_edit_dataset(alice, catalogue["draft"])
    assert can_edit_dataset(bob, catalogue["restricted"])
    assert not can_edit_dataset(vera, catalogue["draft"])
    assert not can_edit_dataset(bob, catalogue["other_org_draft"])


def test_site_administrator_sees_and_edits_everything(catalogue, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.gov", "pw-long-enough-1")
    assert len(slugs(root)) == len(catalogue)
    assert can_edit_dataset(root, catalogue["other_org_draft"])


def test_dataset_for_user_answers_404_for_what_a_user_may_not_see(catalogue, charlie, vera):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    with pytest.raises(Http404):
        dataset_for_user(charlie, slug="draft-one")
    assert dataset_for_user(vera, slug="draft-one").slug == "draft-one"
    with pytest.raises(PermissionDenied):
        dataset_for_user(vera, slug="draft-one", for_edit=True)


def test_draft_page_is_not_found_for_strangers_but_shown_to_members(client_for, catalogue, charlie, vera):
    assert client_for(charlie).get("/datasets/draft-one/").status_code == 404
    assert client_for(vera).get("/datasets/draft-one/").status_code == 200


# -- one rule, every form of it ------------------------------------------------------------


def _demo_personas(django_user_model, anon, charlie):
    from catalogue.models import Membership

    root = django_user_model.objects.create_superuser("root", "root@example.gov", "pw-long-enough-1")
    demo_users = list(django_user_model.objects.filter(username__regex=r"^(admin|.+-(editor|viewer))$"))
    assert any(Membership.objects.filter(user=u).exists() for u in demo_users)
    return [anon, charlie, root, *demo_users]


def test_orm_filter_object_check_search_filter_and_api_fields_agree_over_the_demo_catalogue(
    db, django_user_model, anon, charlie, rf
):
    """For every persona and every demo dataset, each form of the access rule gives one answer."""
    from django.core.management import call_command
    from rest_framework.request import Request

    from catalogue.access import (
        can_edit_dataset,
        catalogued_datasets,
        editable_datasets_q,
        is_catalogued,
        visible_datasets_q,
    )
    from catalogue.api.serializers import DerivationSerializer, FieldSerializer, QualityMeasurementSerializer
    from catalogue.models import Distribution, SearchEntry

    call_command("load_demo")
    datasets = list(Dataset.objects.all())
    entries = list(SearchEntry.objects.all())
    assert len(entries) == len(datasets) > 10
    assert {d.status for d in datasets} == {DRAFT, PUBLISHED, WITHDRAWN}
    assert {d.access_rights for d in datasets} == {PUBLIC, RESTRICTED, NON_PUBLIC}
    everyone = {d.pk for d in datasets}

    assert set(catalogued_datasets().values_list("pk", flat=True)) == {d.pk for d in datasets if is_catalogued(d)}
    seen = {}
    for user in _demo_personas(django_user_model, anon, charlie):
        by_object = {d.pk for d in datasets if can_view_dataset(user, d)}
        assert set(visible_datasets(user).values_list("pk", flat=True)) == by_object, user
        condition = visible_datasets_q(user)
        searchable = SearchEntry.objects.all() if condition is None else SearchEntry.objects.filter(condition)
        assert set(searchable.values_list("dataset_id", flat=True)) == by_object, user
        assert {e.dataset_id for e in entries if can_view_dataset(user, e)} == by_object, user

        request = Request(rf.get("/"))
        request.user = user
        context = {"request": request}
        for serializer, name in ((DerivationSerializer, "source"), (FieldSerializer, "dataset")):
            field = serializer(context=context).fields[name]
            assert set(field.get_queryset().values_list("pk", flat=True)) == by_object, (user, name)
        field = QualityMeasurementSerializer(context=context).fields["distribution"]
        assert set(field.get_queryset().values_list("pk", flat=True)) == set(
            Distribution.objects.filter(dataset_id__in=by_object).values_list("pk", flat=True)
        )

        editable = editable_datasets_q(user)
        by_edit = {d.pk for d in datasets if can_edit_dataset(user, d)}
        assert set(Dataset.objects.filter(editable or Q()).values_list("pk", flat=True)) == by_edit, user
        assert by_edit <= by_object
        seen[user.username or "anon"] = by_object

    assert seen["root"] == everyone
    assert seen["anon"] == seen["charlie"] < everyone
    assert any(seen["anon"] < member_sees < everyone for member_sees in seen.values())


# -- a dataset the user may not see answers exactly as one that does not exist --------------

MISSING = "no-such-dataset"


@pytest.fixture
def secret(make_dataset, dft):
    """A draft of another organisation: bob (editor of OHS) may not see it."""
    return make_dataset("Transport secret", publisher=dft, status=DRAFT, access_rights=NON_PUBLIC)


READS = [
    "/datasets/{slug}/",
    "/datasets/{slug}.ttl",
    "/datasets/{slug}.jsonld",
    "/datasets/{slug}/provenance.ttl",
    "/api/v1/datasets/{slug}/",
    "/api/v1/datasets/{slug}/history/",
    "/api/v1/datasets/{slug}/upstream",
    "/api/v1/datasets/{slug}/downstream",
    "/api/v1/datasets/{slug}/aliases",
    "/api/v1/lineage/path?from={slug}&to={own}",
    "/api/v1/lineage/path?from={own}&to={slug}",
    "/api/v1/distributions/?dataset__slug={slug}",
    "/api/v1/derivations/?source={slug}",
    "/api/3/action/package_show?id={slug}",
]

WRITES = [
    ("/api/v1/derivations/", {"derived": "{own}", "source": "{slug}"}),
    ("/api/v1/derivations/", {"derived": "{slug}", "source": "{own}"}),
    ("/api/v1/distributions/", {"dataset": "{slug}", "title": "CSV", "access_url": "https://example.gov/x.csv"}),
    ("/api/v1/fields/", {"dataset": "{slug}", "name": "region", "datatype": "string"}),
    ("/api/v1/collection-methods/", {"dataset": "{slug}", "method_type": "survey", "description": "A survey."}),
    ("/api/v1/checks/", {"dataset": "{slug}", "name": "Totals", "outcome": "pass"}),
    ("/api/v1/measurements/", {"dataset": "{slug}", "dimension": "completeness", "metric": "m", "value": 1}),
    ("/api/v1/datasets/{slug}/aliases", {"namespace": "postgres://db", "name": "public.t"}),
    ("/api/v1/lineage/stubs/{slug}/claim", {"organisation": "ohs"}),
    ("/lineage/stubs/{slug}/claim", {"organisation": "ohs"}),
]


def _answer(response, slug: str) -> tuple[int, bytes]:
    return response.status_code, response.content.replace(slug.encode(), b"<slug>")


def _fill(template, slug, own):
    if isinstance(template, str):
        return template.format(slug=slug, own=own)
    return {key: _fill(value, slug, own) for key, value in template.items()} if isinstance(template, dict) else template


@pytest.mark.parametrize("persona", ["anon", "bob"])
@pytest.mark.parametrize("path", READS)
def test_reading_a_private_dataset_answers_exactly_as_a_missing_one(
    request, client_for, secret, make_dataset, persona, path
):
    own = make_dataset("Our own").slug
    client = client_for(request.getfixturevalue(persona))
    answers = [_answer(client.get(_fill(path, slug, own)), slug) for slug in (secret.slug, MISSING)]
    assert answers[0] == answers[1]
    assert answers[0][0] in (200, 400, 401, 403, 404)


@pytest.mark.parametrize(("path", "body"), WRITES)
def test_naming_a_private_dataset_in_a_write_answers_exactly_as_a_missing_one(
    client_for, bob, secret, make_dataset, path, body
):
    own = make_dataset("Our own").slug
    client = client_for(bob)
    answers = []
    for slug in (secret.slug, MISSING):
        data = _fill(body, slug, own)
        url = _fill(path, slug, own)
        if url.startswith("/api/"):
            response = client.post(url, data, content_type="application/json")
        else:
            response = client.post(url, data)
        answers.append(_answer(response, slug))
    assert answers[0] == answers[1]
    assert answers[0][0] in (400, 404)


def test_claiming_a_dataset_that_is_not_a_stub_answers_as_a_missing_one(client_for, bob, make_dataset):
    """Even a dataset bob may see and edit is not claimable unless it belongs to the stub organisation."""
    own = make_dataset("Our own draft", status=DRAFT)
    client = client_for(bob)
    for path in ("/api/v1/lineage/stubs/{slug}/claim", "/lineage/stubs/{slug}/claim"):
        answers = [
            _answer(client.post(path.format(slug=slug), {"organisation": "ohs"}), slug) for slug in (own.slug, MISSING)
        ]
        assert answers[0] == answers[1] and answers[0][0] == 404


def test_stub_list_shows_only_datasets_of_the_stub_organisation(client_for, bob, ohs, make_dataset, dft):
    from provenance.services import dataset_stub_create

    # Named by an event of bob's organisation: editors see only their organisations' stubs.
    stub = dataset_stub_create(namespace="postgres://db", name="public.unknown", named_by=[ohs.pk])
    other = make_dataset("Transport private", publisher=dft, status=DRAFT, access_rights=NON_PUBLIC)
    page = client_for(bob).get("/lineage/stubs/").content.decode()
    assert f"/lineage/stubs/{stub.slug}/claim" in page
    assert other.slug not in page
