"""The one access helper: who may see and change which dataset."""

import pytest

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
