"""Every write to API tokens: make one, revoke one, note that one was used.

Tokens set off no derived work (nothing is indexed, scored or published from them), so no
outbox row goes with these writes.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token as AdminIssuedToken

from catalogue.accounts.models import ApiToken

logger = logging.getLogger("provcat.accounts")

# The visible start of every token, so a leaked one is recognisable (secret scanners, logs).
TOKEN_PREFIX = "pct_"
# More live tokens than this is a sign of scripts making tokens in a loop, not people.
MAX_LIVE_TOKENS = 20
# "Last used" is a hint for people, not an access log: writing it at most once a minute
# keeps a busy pipeline from turning every API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRefused(ValueError):
    """A token cannot be made or revoked; the message says why, in words for the person."""


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """Make a token for ``user`` named ``name``; return it with its key, which is never stored
    and so can be shown only now."""
    name = " ".join(name.split())
    if not name:
        raise TokenRefused("Give the token a name, such as the program that will use it.")
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise TokenRefused("Use a name of 100 characters or fewer.")
    with transaction.atomic():
        live = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
        names = {token.name.casefold() for token in live}
        if len(names) >= MAX_LIVE_TOKENS:
            raise TokenRefused(f"You already have {MAX_LIVE_TOKENS} tokens. Revoke one you no longer use first.")
        if name.casefold() in names:
            raise TokenRefused(f"You already have a token named “{name}”. Choose another name.")
        key = TOKEN_PREFIX + secrets.token_urlsafe(32)
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(user=user, name=name, digest=token_digest(key), prefix=key[:10])
        except IntegrityError:  # the same name made at the same moment from another tab
            raise TokenRefused(f"You already have a token named “{name}”. Choose another name.") from None
    logger.info("API token %s (%s) made by %s", token.pk, token.prefix, user)
    return token, key


def token_revoke(*, user: AbstractBaseUser, token: ApiToken) -> ApiToken:
    """Revoke one of ``user``'s own tokens: from now on it is refused (401)."""
    if token.user_id != user.pk:
        raise TokenRefused("You can revoke only your own tokens.")
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=user
    )
    token.refresh_from_db()
    if updated:
        logger.info("API token %s (%s) revoked by %s", token.pk, token.prefix, user)
    return token


def admin_issued_token_revoke(*, user: AbstractBaseUser) -> bool:
    """Revoke the single token an administrator issued to ``user`` (DRF's own token, from
    before people made their own); True when there was one."""
    deleted, _ = AdminIssuedToken.objects.filter(user=user).delete()
    if deleted:
        logger.info("Administrator-issued API token of %s revoked by its owner", user)
    return bool(deleted)


def token_user_for_key(key: str) -> tuple[AbstractBaseUser, ApiToken] | None:
    """The active user a live token belongs to, noting that it was used; None for an unknown,
    revoked or inactive-user token."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token
