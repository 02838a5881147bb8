"""How the REST API knows who calls it: `Authorization: Token <key>`.

A key is either one a person made on their account page (stored as a digest, see
models.ApiToken) or the single token an administrator issued before that existed (DRF's
own, kept so existing pipelines keep working). Both answer the same 401 when unknown.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from catalogue.accounts.services import TOKEN_PREFIX, token_user_for_key


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        if key.startswith(TOKEN_PREFIX):
            found = token_user_for_key(key)
            if found is None:
                raise exceptions.AuthenticationFailed("Invalid token: it is unknown or was revoked.")
            return found
        return super().authenticate_credentials(key)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes ApiTokenAuthentication (and the guide points to it)."""

    target_class = "catalogue.accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A token you make on your account page (/account/), sent as `Token <token>`.",
        }
