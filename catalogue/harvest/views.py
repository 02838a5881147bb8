"""Harvest pages (placeholder until the web interface lands)."""

from django.http import Http404


def source_detail(request, pk):
    raise Http404


def job_detail(request, pk):
    raise Http404
