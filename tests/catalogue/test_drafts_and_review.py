"""Drafts of published datasets and their review (issue 15, points 6 and 7), and history
entries that say what changed: through the pages, the API and the services, checking what the
public sees everywhere it reads."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from rest_framework.test import APIClient

from catalogue import services, workflow
from catalogue.actors import system_actor
from catalogue.changes import describe
from catalogue.models import Dataset, DatasetDraft, DatasetReview, Membership, RdfRecord, SearchEntry
from tests.catalogue.test_publish_pages import form_data
from tests.conftest import term

NEW_TITLE = "Zebrafish hatchery admissions"
NEW_URL = "https://data.example.gov/zebrafish.csv"


@pytest.fixture
def published(make_dataset):
    """A published dataset with a distribution and a data dictionary column."""
    dataset = make_dataset("Hospital admissions", description="Admissions by region and month.")
    loader = system_actor("tests")
    services.distribution_save(
        dataset=dataset,
        user=loader,
        data={"title": "Full table", "access_url": "https://data.example.gov/admissions.csv"},
    )
    services.field_save(dataset=dataset, user=loader, data={"name": "region", "definition": "The NHS region."})
    dataset.refresh_from_db()
    return dataset


def edit(client, dataset, action="save", **overrides):
    url = f"/publish/datasets/{dataset.slug}/edit/"
    page = client.get(url).content.decode()
    return client.post(url, form_data(page, action=action, **overrides), follow=True)


def draft_edit(client, dataset, action="save"):
    return edit(
        client,
        dataset,
        action=action,
        title=NEW_TITLE,
        distributions__0__access_url=NEW_URL,
        fields__1__name="zebra_count",
        fields__1__definition="Zebrafish counted.",
    )


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def public_reads(dataset) -> dict[str, str]:
    """Everything the public reads about the dataset, as text."""
    anon = APIClient()
    return {
        "page": body(anon.get(f"/datasets/{dataset.slug}/")),
        "search": body(anon.get("/?q=zebrafish")),
        "catalog": body(anon.get("/catalog.ttl")),
        "record": body(anon.get(f"/datasets/{dataset.slug}.ttl")),
        "rest": body(anon.get(f"/api/v1/datasets/{dataset.slug}/")),
        "distributions": body(anon.get(f"/api/v1/distributions/?dataset__slug={dataset.slug}")),
        "ckan": body(anon.get(f"/api/3/action/package_show?id={dataset.slug}")),
        "lineage": body(anon.get(f"/datasets/{dataset.slug}/provenance.ttl")),
    }


def stored(dataset) -> tuple[str, str]:
    """The derived state the public reads from: the search entry and the stored DCAT record."""
    entry = SearchEntry.objects.get(dataset=dataset)
    record = RdfRecord.objects.get(dataset=dataset)
    return entry.title, record.turtle


def test_a_draft_of_a_published_dataset_stays_invisible_everywhere_until_published(db, published, bob, client_for):
    client = client_for(bob)
    before = public_reads(published)
    assert "Hospital admissions" in before["page"] and NEW_TITLE not in before["page"]

    response = draft_edit(client, published)
    assert "Draft saved. The public still sees the published version." in response.content.decode()
    assert "Published. Everyone can now find" not in response.content.decode()
    published.refresh_from_db()
    assert (published.title, published.status) == ("Hospital admissions", "published")
    assert list(published.distributions.values_list("access_url", flat=True)) == [
        "https://data.example.gov/admissions.csv"
    ]
    assert list(published.fields.values_list("name", flat=True)) == ["region"]
    during = public_reads(published)
    for name, text in during.items():
        assert NEW_TITLE not in text, name
        assert NEW_URL not in text, name
        assert "zebra_count" not in text, name
    assert "Hospital admissions" in during["page"] and "Hospital admissions" in during["ckan"]
    assert "Hospital admissions" in during["rest"] and "Hospital admissions" in during["catalog"]
    assert "admissions.csv" in during["distributions"]
    title, turtle = stored(published)
    assert title == "Hospital admissions" and NEW_TITLE not in turtle

    response = draft_edit(client, published, action="publish")
    assert "Published. Everyone can now find this dataset." in response.content.decode()
    published.refresh_from_db()
    assert published.title == NEW_TITLE
    assert not DatasetDraft.objects.filter(dataset=published).exists()
    after = public_reads(published)
    for name in ("page", "search", "catalog", "record", "rest", "ckan", "lineage"):
        assert NEW_TITLE in after[name], name
    assert NEW_URL in after["distributions"] and NEW_URL in after["page"]
    assert "zebra_count" in after["page"]
    title, turtle = stored(published)
    assert title == NEW_TITLE and NEW_TITLE in turtle


def test_the_form_shows_the_draft_under_a_banner_and_discarding_keeps_the_live_version(db, published, bob, client_for):
    client = client_for(bob)
    draft_edit(client, published)
    page = client.get(f"/publish/datasets/{published.slug}/edit/").content.decode()
    assert re.search(
        r"You are editing a draft of a published dataset; the public still sees the version published on "
        r"\d{1,2} [A-Z][a-z]+ \d{4}\.",
        page,
    )
    assert f'value="{NEW_TITLE}"' in page and NEW_URL in page and "zebra_count" in page
    assert "Changed the title and a distribution; added a field." in page
    response = client.post(f"/publish/datasets/{published.slug}/draft/discard/", follow=True)
    assert "Draft discarded. The published version is unchanged." in response.content.decode()
    assert not DatasetDraft.objects.filter(dataset=published).exists()
    page = client.get(f"/publish/datasets/{published.slug}/edit/").content.decode()
    assert 'value="Hospital admissions"' in page and "You are editing a draft" not in page
    published.refresh_from_db()
    assert published.title == "Hospital admissions"


def test_history_has_draft_saves_and_the_publication_saying_what_changed(db, published, bob, client_for):
    client = client_for(bob)
    edit(client, published, description="Admissions by region, month and age.")
    draft_edit(client, published, action="publish")
    page = client.get(f"/publish/datasets/{published.slug}/history/").content.decode()
    assert "Draft saved: changed the description" in page
    assert "Draft saved: changed the title, the description and a distribution; added a field" in page
    assert "Published: changed the title, the description and a distribution; added a field" in page
    assert "Added a distribution" in page and "Added a field" in page  # the fixture's own parts
    published.refresh_from_db()
    assert published.history.first().history_change_reason.startswith("Published: changed the title")


def test_a_stale_draft_save_is_refused_when_the_live_version_changed(db, make_dataset, bob, client_for):
    dataset = make_dataset("Bed occupancy")
    client = client_for(bob)
    url = f"/publish/datasets/{dataset.slug}/edit/"
    page = client.get(url).content.decode()
    services.dataset_update(dataset=dataset, user=bob, data={"title": "Beds (API)"}, expected_revision=None)
    response = client.post(url, form_data(page, title="Beds (form)"))
    assert response.status_code == 400 and "Someone else changed this dataset" in response.content.decode()
    assert not DatasetDraft.objects.filter(dataset=dataset).exists()


# --- review --------------------------------------------------------------------------------


@pytest.fixture
def review_org(ohs, alice):
    services.organisation_set_review(organisation=ohs, user=alice, requires_review=True)
    return ohs


def test_review_returns_with_a_comment_then_approves_and_tells_the_requester(
    db, review_org, published, alice, bob, vera, client_for
):
    bobs, alices = client_for(bob), client_for(alice)
    response = draft_edit(bobs, published, action="publish")
    text = response.content.decode()
    assert "Saved and sent for review" in text and "Office for Health Statistics" in text
    published.refresh_from_db()
    assert (published.title, published.review_requested_by) == ("Hospital admissions", bob)
    assert [m.to for m in mail.outbox] == [["alice@example.gov"]]
    assert f"/publish/datasets/{published.slug}/review/" in mail.outbox[0].body
    assert "Hospital admissions" in public_reads(published)["page"]

    # The requester cannot approve his own request, and a viewer cannot review at all.
    assert bobs.post(f"/publish/datasets/{published.slug}/review/approve/").status_code == 403
    vera_client = client_for(vera)
    assert vera_client.get(f"/publish/datasets/{published.slug}/review/").status_code == 403
    assert vera_client.post(f"/publish/datasets/{published.slug}/review/return/", {"comment": "No"}).status_code == 403
    bobs_review = bobs.get(f"/publish/datasets/{published.slug}/review/").content.decode()
    assert "Approve and publish" not in bobs_review and "You asked for this review" in bobs_review

    # alice sees what changes, field by field and part by part.
    review = alices.get(f"/publish/datasets/{published.slug}/review/").content.decode()
    assert "<del>Hospital admissions</del>" in review and f"<ins>{NEW_TITLE}</ins>" in review
    assert "Added</ins>: zebra_count" in review
    assert f"<ins>{NEW_URL}</ins>" in review and "<del>https://data.example.gov/admissions.csv</del>" in review
    assert "Approve and publish" in review

    # Returning needs a comment.
    response = alices.post(f"/publish/datasets/{published.slug}/review/return/", {"comment": "  "})
    assert response.status_code == 400 and "Write a comment" in response.content.decode()
    published.refresh_from_db()
    assert published.review_requested_by == bob
    mail.outbox.clear()
    response = alices.post(
        f"/publish/datasets/{published.slug}/review/return/", {"comment": "Say where the zebrafish come from."}
    )
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.review_requested_by is None and published.title == "Hospital admissions"
    assert [m.to for m in mail.outbox] == [["bob@example.gov"]]
    assert "Say where the zebrafish come from." in mail.outbox[0].body

    dashboard = bobs.get("/publish/").content.decode()
    returned = dashboard.split("Returned to you with comments")[1].split("<h2>")[0]
    assert "Hospital admissions" in returned and "Say where the zebrafish come from." in returned
    form = bobs.get(f"/publish/datasets/{published.slug}/edit/").content.decode()
    assert "Returned with comments" in form and "Say where the zebrafish come from." in form

    # bob fixes the draft and asks again; alice approves, which publishes.
    edit(bobs, published, action="publish", description="Admissions of zebrafish, from the national hatchery.")
    published.refresh_from_db()
    assert published.review_requested_by == bob
    assert (
        "Returned to you" not in bobs.get("/publish/").content.decode().split("Returned to you with comments")[1][:80]
    )
    mail.outbox.clear()
    response = alices.post(f"/publish/datasets/{published.slug}/review/approve/")
    assert response.status_code == 302
    published.refresh_from_db()
    assert (published.title, published.status, published.review_requested_by) == (NEW_TITLE, "published", None)
    assert published.description == "Admissions of zebrafish, from the national hatchery."
    assert NEW_TITLE in public_reads(published)["page"]
    assert [m.to for m in mail.outbox] == [["bob@example.gov"]] and "Approved" in mail.outbox[0].subject
    states = list(DatasetReview.objects.filter(dataset=published).order_by("pk").values_list("state", flat=True))
    assert states == ["returned", "approved"]


def test_a_first_publication_is_reviewed_with_everything_it_says(db, review_org, make_dataset, alice, bob, client_for):
    dataset = make_dataset("Bed occupancy", status=Dataset.Status.DRAFT)
    dataset, outcome = workflow.dataset_publish(dataset=dataset, user=bob)
    assert outcome == workflow.Outcome.REVIEW_REQUESTED and dataset.status == "draft"
    review = client_for(alice).get(f"/publish/datasets/{dataset.slug}/review/").content.decode()
    assert "first publication" in review and "<ins>Bed occupancy</ins>" in review
    with pytest.raises(services.PermissionDenied):
        workflow.dataset_publish(dataset=dataset, user=bob)
    dataset, outcome = workflow.dataset_publish(dataset=dataset, user=alice)
    assert outcome == workflow.Outcome.PUBLISHED and dataset.status == "published"


def test_the_only_editor_is_told_who_can_approve_instead_of_a_dead_end(db, dft, client_for, make_dataset):
    dora = get_user_model().objects.create_user("dora", "dora@example.gov", "correct-horse-battery")
    Membership.objects.create(user=dora, organisation=dft, role=Membership.Role.ADMIN)
    dft.requires_review = True
    dft.save()
    dataset = make_dataset("Road counts", publisher=dft)
    client = client_for(dora)
    response = edit(client, dataset, action="publish", title="Road traffic counts")
    text = response.content.decode()
    assert "No one else at Department for Transport can approve this yet" in text
    assert "A site administrator can approve it" in text
    dashboard = client.get("/publish/").content.decode()
    assert "No one else at Department for Transport can approve this yet" in dashboard
    assert f'href="/publish/organisations/{dft.slug}/members/"' in dashboard
    assert not mail.outbox


def test_a_viewer_cannot_save_a_draft_or_discard_one(db, published, bob, vera, client_for):
    draft_edit(client_for(bob), published)
    client = client_for(vera)
    assert client.post(f"/publish/datasets/{published.slug}/draft/discard/").status_code == 403
    assert client.get(f"/publish/datasets/{published.slug}/edit/").status_code == 403
    assert DatasetDraft.objects.filter(dataset=published).exists()


# --- the REST API ----------------------------------------------------------------------------


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_patch_writes_the_live_record_where_no_review_is_required(db, published, bob):
    client = api_as(bob)
    etag = client.get(f"/api/v1/datasets/{published.slug}/")["ETag"]
    response = client.patch(f"/api/v1/datasets/{published.slug}/", {"title": "Admissions"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert APIClient().get(f"/api/v1/datasets/{published.slug}/").json()["title"] == "Admissions"


def test_api_writes_cannot_bypass_review_on_a_published_dataset(db, review_org, published, bob):
    client = api_as(bob)
    etag = client.get(f"/api/v1/datasets/{published.slug}/")["ETag"]
    response = client.patch(f"/api/v1/datasets/{published.slug}/", {"title": "Admissions"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 409
    assert "requires a second editor to review" in response.json()["detail"]
    response = client.post(
        "/api/v1/distributions/", {"dataset": published.slug, "access_url": "https://data.example.gov/b.csv"}
    )
    assert response.status_code == 409
    published.refresh_from_db()
    assert published.title == "Hospital admissions" and published.distributions.count() == 1
    # What happened to the data is recorded without review.
    response = client.post("/api/v1/checks/", {"dataset": published.slug, "name": "Totals", "outcome": "pass"})
    assert response.status_code == 201


def test_api_publish_publishes_a_draft_saved_in_the_form(db, published, bob, client_for):
    draft_edit(client_for(bob), published)
    response = api_as(bob).post(f"/api/v1/datasets/{published.slug}/publish/")
    assert response.status_code == 200 and response.json()["title"] == NEW_TITLE


def test_a_draft_that_breaks_the_publication_rule_is_not_published_and_stays(db, published, bob, client_for):
    response = edit(client_for(bob), published, action="publish", description="")
    assert response.status_code == 400
    assert "Not published yet" in response.content.decode()
    published.refresh_from_db()
    assert published.description == "Admissions by region and month."
    assert DatasetDraft.objects.get(dataset=published).content["data"]["description"] == ""


# --- history wording -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("properties", "parts", "expected"),
    [
        (["description"], {"fields": (0, 3, 0)}, "Changed the description and 3 fields"),
        ([], {"distributions": (1, 0, 0)}, "Added a distribution"),
        (["title"], {}, "Changed the title"),
        (
            ["title", "description", "licence", "keywords"],
            {"fields": (2, 0, 1)},
            "Changed the title, the description and 2 other properties; added 2 fields; removed a field",
        ),
        ([], {}, ""),
    ],
)
def test_a_change_is_described_in_words(properties, parts, expected):
    assert describe(properties, parts) == expected


def test_service_writes_record_what_changed_in_the_history(db, make_dataset, bob):
    dataset = make_dataset("Bed occupancy", status=Dataset.Status.DRAFT)
    services.distribution_save(dataset=dataset, user=bob, data={"access_url": "https://data.example.gov/b.csv"})
    assert dataset.history.first().history_change_reason == "Added a distribution"
    services.dataset_update(
        dataset=dataset,
        user=bob,
        data={"description": "Beds.", "licence": term("licence", "CC_BY_4_0")},
        expected_revision=None,
    )
    assert dataset.history.first().history_change_reason == "Changed the description and the licence"
    services.dataset_publish(dataset=dataset, user=bob)
    assert dataset.history.first().history_change_reason == "Published"
