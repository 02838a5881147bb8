"""The account page: who you are, your organisations, and the API tokens your programs use.

Thin: parsing and rendering here, the rules in services. Every page here is a plain form,
so it works without JavaScript; every change is a POST with a CSRF token.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.authtoken.models import Token as AdminIssuedToken

from catalogue.accounts import services
from catalogue.accounts.forms import TokenCreateForm
from catalogue.accounts.models import ApiToken


def _account_context(request, form: TokenCreateForm) -> dict:
    return {
        "form": form,
        "tokens": list(ApiToken.objects.filter(user=request.user)),
        "admin_issued": AdminIssuedToken.objects.filter(user=request.user).first(),
        "memberships": list(request.user.memberships.select_related("organisation")),
        "max_tokens": services.MAX_LIVE_TOKENS,
    }


@never_cache
@login_required
def account(request):
    return render(request, "catalogue/accounts/account.html", _account_context(request, TokenCreateForm()))


@never_cache
@login_required
@require_POST
def token_create(request):
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, key = services.token_create(user=request.user, name=form.cleaned_data["name"])
        except services.TokenRefused as refusal:
            form.add_error("name", str(refusal))
        else:
            # The key exists only in this response: never_cache keeps it out of every cache,
            # and the page is not linked anywhere, so it cannot be shown again.
            return render(request, "catalogue/accounts/token_created.html", {"token": token, "key": key}, status=201)
    return render(request, "catalogue/accounts/account.html", _account_context(request, form), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request, pk: int):
    # Only the owner's tokens are found at all: anyone else's answers 404, like a missing one.
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if request.method == "POST" and token.is_live:
        services.token_revoke(user=request.user, token=token)
        messages.success(request, f"The token “{token.name}” is revoked. Programs using it are now refused.")
        return redirect("accounts:account")
    if not token.is_live:
        messages.info(request, f"The token “{token.name}” was already revoked.")
        return redirect("accounts:account")
    return render(request, "catalogue/accounts/token_revoke.html", {"token": token})


@login_required
@require_http_methods(["GET", "POST"])
def admin_issued_token_revoke(request):
    token = get_object_or_404(AdminIssuedToken, user=request.user)
    if request.method == "POST":
        services.admin_issued_token_revoke(user=request.user)
        messages.success(
            request, "The token an administrator issued you is revoked. Programs using it are now refused."
        )
        return redirect("accounts:account")
    return render(request, "catalogue/accounts/admin_token_revoke.html", {"token": token})
