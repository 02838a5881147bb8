"""The parties' pages: their agreements, proposing, changing, approving, suspending, resuming, ending."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404("Not built yet.")


agreements = propose = edit = approve = suspend = resume = end = _todo
