"""API tokens people make and revoke on their account page, and what the API makes of them."""

import re

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token as AdminIssuedToken

from catalogue.accounts.models import ApiToken
from catalogue.accounts.services import MAX_LIVE_TOKENS

TOKEN = re.compile(r'value="(pct_[A-Za-z0-9_-]+)"')


def make_token(client, name="Nightly export") -> str:
    response = client.post("/account/tokens/", {"name": name})
    assert response.status_code == 201
    return TOKEN.search(response.content.decode()).group(1)


def api_write(key: str, slug: str):
    """A change only a signed-in editor may make, sent with the token alone (no session)."""
    etag = Client().get(f"/api/v1/datasets/{slug}/")["ETag"]
    return Client().patch(
        f"/api/v1/datasets/{slug}/",
        {"description": "Changed by a pipeline with its own token."},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
        HTTP_IF_MATCH=etag,
    )


def test_account_page_needs_sign_in(client):
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_token_is_shown_once_and_only_its_digest_is_stored(client_for, bob):
    client = client_for(bob)
    response = client.post("/account/tokens/", {"name": "Nightly export"})
    key = TOKEN.search(response.content.decode()).group(1)
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=bob)
    assert key not in (token.digest, token.prefix) and key.startswith(token.prefix)
    page = client.get("/account/").content.decode()
    assert "Nightly export" in page and token.prefix in page
    assert key not in page


def test_a_token_acts_as_its_owner_and_records_when_it_was_used(client_for, bob, make_dataset):
    dataset = make_dataset()
    key = make_token(client_for(bob))
    assert ApiToken.objects.get(user=bob).last_used_at is None
    response = api_write(key, dataset.slug)
    assert response.status_code == 200, response.content
    dataset.refresh_from_db()
    assert dataset.description == "Changed by a pipeline with its own token."
    assert ApiToken.objects.get(user=bob).last_used_at is not None


def test_a_revoked_token_is_refused_with_401(client_for, bob, make_dataset):
    dataset = make_dataset()
    client = client_for(bob)
    key = make_token(client)
    token = ApiToken.objects.get(user=bob)
    confirm = client.get(f"/account/tokens/{token.pk}/revoke/")
    assert confirm.status_code == 200 and "Revoke the token “Nightly export”?" in confirm.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None  # asking is not revoking
    response = client.post(f"/account/tokens/{token.pk}/revoke/", follow=True)
    assert "is revoked" in response.content.decode()
    refused = api_write(key, dataset.slug)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    page = client.get("/account/").content.decode()
    assert "Revoked" in page  # kept, with when, as the account's record


def test_a_bearer_token_posts_lineage_until_revoked(client_for, bob):
    client = client_for(bob)
    key = make_token(client)
    answer = Client().post("/api/v1/lineage", "{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert answer.status_code == 400  # known, allowed, and told the event is not valid
    client.post(f"/account/tokens/{ApiToken.objects.get(user=bob).pk}/revoke/")
    answer = Client().post("/api/v1/lineage", "{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert answer.status_code == 401


def test_other_peoples_tokens_cannot_be_seen_or_revoked(client_for, bob, charlie):
    make_token(client_for(bob))
    token = ApiToken.objects.get(user=bob)
    intruder = client_for(charlie)
    assert intruder.get(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert intruder.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert "Nightly export" not in intruder.get("/account/").content.decode()


def test_a_name_is_required_and_unique_among_live_tokens(client_for, bob):
    client = client_for(bob)
    blank = client.post("/account/tokens/", {"name": "   "})
    assert blank.status_code == 400 and "Give the token a name" in blank.content.decode()
    make_token(client, "Export")
    twice = client.post("/account/tokens/", {"name": "export"})
    assert twice.status_code == 400 and "already have a token named" in twice.content.decode()
    client.post(f"/account/tokens/{ApiToken.objects.get(user=bob).pk}/revoke/")
    make_token(client, "Export")  # a revoked token's name is free again
    assert ApiToken.objects.filter(user=bob, name="Export").count() == 2


def test_tokens_are_limited_per_person(client_for, bob):
    client = client_for(bob)
    for number in range(MAX_LIVE_TOKENS):
        make_token(client, f"Pipeline {number}")
    refused = client.post("/account/tokens/", {"name": "One too many"})
    assert refused.status_code == 400 and "Revoke one you no longer use" in refused.content.decode()


def test_changes_need_the_csrf_token(bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    assert client.post("/account/tokens/", {"name": "Forged"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_an_administrator_issued_token_keeps_working_until_its_owner_revokes_it(client_for, bob, make_dataset):
    dataset = make_dataset()
    key = AdminIssuedToken.objects.create(user=bob).key
    assert api_write(key, dataset.slug).status_code == 200
    client = client_for(bob)
    assert "Issued by an administrator" in client.get("/account/").content.decode()
    assert client.post("/account/admin-issued-token/revoke/").status_code == 302
    assert api_write(key, dataset.slug).status_code == 401


@pytest.mark.parametrize("header", ["Token pct_not-a-real-token", "Token ", "Bearer pct_x y"])
def test_unknown_tokens_are_refused_with_401_not_an_error(header, make_dataset):
    dataset = make_dataset()
    response = Client().patch(
        f"/api/v1/datasets/{dataset.slug}/", {}, content_type="application/json", HTTP_AUTHORIZATION=header
    )
    assert response.status_code == 401
