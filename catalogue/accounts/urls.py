"""The account page and its API tokens, under /account/ (Django's sign-in pages keep /accounts/)."""

from django.urls import path

from catalogue.accounts import views

app_name = "accounts"

urlpatterns = [
    path("account/", views.account, name="account"),
    path("account/tokens/", views.token_create, name="token-create"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("account/admin-issued-token/revoke/", views.admin_issued_token_revoke, name="admin-token-revoke"),
]
