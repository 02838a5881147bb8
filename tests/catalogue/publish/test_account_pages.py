"""Signing in lands members on their dashboard; viewers are not offered what they may not do;
the 403 and 404 pages are the catalogue's own and say why."""

from catalogue.models import VocabularyTerm
from catalogue.publish.forms import DatasetForm
from catalogue.publish.hints import hints_merged

PASSWORD = "correct-horse-battery"


def sign_in(client, username, **extra):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD, **extra})


def test_members_land_on_their_dashboard_and_others_on_the_search_page(db, client, bob, charlie):
    response = sign_in(client, "bob")
    assert client.get(response.url, follow=False).url == "/publish/"
    client.logout()
    response = sign_in(client, "charlie")
    assert client.get(response.url).url == "/"
    client.logout()
    assert sign_in(client, "bob", next="/organisations/").url == "/organisations/"


def test_a_viewer_is_not_offered_to_describe_a_dataset_and_is_told_why_if_they_try(db, vera, bob, client_for):
    assert "Describe a new dataset" not in client_for(vera).get("/publish/").content.decode()
    assert "Describe a new dataset" in client_for(bob).get("/publish/").content.decode()
    response = client_for(vera).get("/publish/datasets/new/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>You cannot do this</h1>" in html and "Only editors and admins of an organisation" in html
    assert 'class="site-header"' in html


def test_the_403_page_names_the_organisation_whose_admins_may_act(db, ohs, bob, client_for):
    response = client_for(bob).get(f"/publish/organisations/{ohs.slug}/members/")
    assert response.status_code == 403
    assert "Only admins of Office for Health Statistics can manage its members." in response.content.decode()


def test_the_404_page_is_styled_and_the_same_for_missing_and_private_datasets(db, make_dataset, client_for, anon, dft):
    from catalogue.models import Dataset

    hidden = make_dataset("Unpublished register", publisher=dft, status=Dataset.Status.DRAFT)
    missing = client_for(anon).get("/datasets/no-such-dataset/")
    private = client_for(anon).get(f"/datasets/{hidden.slug}/")
    assert missing.status_code == private.status_code == 404
    for response, path in ((missing, "/datasets/no-such-dataset/"), (private, f"/datasets/{hidden.slug}/")):
        html = response.content.decode()
        assert "<h1>Page not found</h1>" in html and f"<code>{path}</code>" in html and "sign in" in html
        assert "Unpublished register" not in html


def test_frequency_offers_continuous_once(db):
    labels = [str(term) for term in DatasetForm().fields["frequency"].queryset]
    assert sum("ontinuous" in label for label in labels) == 1
    assert VocabularyTerm.objects.filter(scheme="frequency", code="UPDATE_CONT").exists()


def test_hints_saying_the_same_thing_are_merged_with_their_points_added():
    assert hints_merged(
        [
            "Add a distribution whose link answers: +50",
            "Add keywords: +30",
            "Add a distribution whose link answers: +30",
            "Say how the data was collected: +25",
            "Access URL: waiting for the link check (runs after saving): up to +20",
            "Say how the data was collected, and if it is derived, name its sources: +25",
        ]
    ) == [
        "Add a distribution whose link answers: +80",
        "Add keywords: +30",
        "Access URL: waiting for the link check (runs after saving): up to +20",
        "Say how the data was collected, and if it is derived, name its sources: +50",
    ]
