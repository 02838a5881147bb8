from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """A signed-in person's own account: the API tokens their programs use, which they
    create, see and revoke themselves."""

    name = "catalogue.accounts"
    label = "accounts"
    verbose_name = "Accounts and API tokens"
