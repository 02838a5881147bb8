"""Login throttling (django-axes): guessing a password stops working after a few tries, for
the site's sign-in, the admin's and DRF's session login alike."""

import pytest
from django.test import Client

PASSWORD = "correct-horse-battery"  # the personas' password (tests/conftest.py)


def _try(client: Client, path: str, username: str, password: str, **headers):
    return client.post(path, {"username": username, "password": password}, headers=headers)


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_forty_wrong_passwords_then_the_right_one_is_refused(path, alice, settings):
    alice.is_staff = True
    alice.save()
    client = Client()
    answers = [_try(client, path, "alice", f"guess-{n}").status_code for n in range(40)]
    # Wrong passwords re-show the form until the limit; from then on every try is refused.
    assert answers[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(answers[settings.AXES_FAILURE_LIMIT :]) == {429}

    right = _try(client, path, "alice", PASSWORD)
    assert right.status_code == 429
    assert "Sign-in paused" in right.content.decode()
    assert "_auth_user_id" not in client.session
    # Nor does a fresh browser (no session, no cookie) from the same address get in.
    assert _try(Client(), path, "alice", PASSWORD).status_code == 429


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(bob, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _try(Client(), "/accounts/login/", "bob", f"guess-{n}", **{"X-Forwarded-For": f"203.0.113.{n}"})
    forged = _try(Client(), "/accounts/login/", "bob", PASSWORD, **{"X-Forwarded-For": "198.51.100.7"})
    assert forged.status_code == 429


def test_the_lockout_is_per_username_and_address(alice, bob, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _try(Client(), "/accounts/login/", "alice", f"guess-{n}")
    # Another account from the same address still signs in.
    assert _try(Client(), "/accounts/login/", "bob", PASSWORD).status_code == 302


def test_a_right_password_before_the_limit_signs_in_and_resets_the_count(bob, settings):
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _try(client, "/accounts/login/", "bob", f"guess-{n}").status_code == 200
    assert _try(client, "/accounts/login/", "bob", PASSWORD).status_code == 302
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _try(Client(), "/accounts/login/", "bob", f"guess-again-{n}").status_code == 200
    assert _try(Client(), "/accounts/login/", "bob", PASSWORD).status_code == 302


def test_failures_are_counted_in_the_database_shared_by_every_process(bob, settings):
    from axes.models import AccessAttempt

    for n in range(3):
        _try(Client(), "/accounts/login/", "bob", f"guess-{n}")
    attempt = AccessAttempt.objects.get(username="bob", ip_address="127.0.0.1")
    assert attempt.failures_since_start == 3
