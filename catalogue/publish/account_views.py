"""Where a person lands after signing in (settings.LOGIN_REDIRECT_URL points here).

Members of an organisation land on their publisher dashboard, where their drafts, reviews
and agreements wait; anyone else on the search page. A ``next`` address given to the sign-in
form still wins: Django's LoginView follows it before this.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from catalogue import access


@login_required
def after_sign_in(request):
    if access.member_organisation_ids(request.user) or request.user.is_superuser:
        return redirect("publish:dashboard")
    return redirect("catalogue:home")
