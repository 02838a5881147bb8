"""The public register: its page, one page per agreement, and the exports (CSV, JSON, RDF)."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404("Not built yet.")


register = register_csv = register_json = detail = detail_rdf = _todo
