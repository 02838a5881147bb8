"""The compatibility check's page: /compare/?datasets=<slug>,<slug>[,...]."""

from django.urls import path

from catalogue.glossary import compare_views

urlpatterns = [
    path("compare/", compare_views.compare_page, name="compare"),
]
