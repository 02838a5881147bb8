"""API tokens a person makes for their own programs.

Only a SHA-256 digest of each token is kept, so a database dump gives no one a working
token, and the token itself is shown once, when it is made. A revoked token stays as a row
(who made it, when, when last used, when revoked and by whom): that is the account's audit.
"""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, so you know which to revoke.")
    # sha256 hex of the whole token: the lookup key. The token is never stored.
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the token, safe to show, so a person can match a token to a program.
    prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Two live tokens with one name could not be told apart on the account page.
            models.UniqueConstraint(
                fields=["user", "name"], condition=models.Q(revoked_at__isnull=True), name="api_token_live_name_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
