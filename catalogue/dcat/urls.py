"""DCAT endpoints and the CKAN-compatible action API (owned by the DCAT part of Provcat)."""

from django.urls import path, re_path

from catalogue.api import ckan
from catalogue.dcat import views as dcat_views

app_name = "dcat"

SUFFIX = r"(?P<suffix>ttl|rdf|jsonld|nt)"

urlpatterns = [
    path("catalog", dcat_views.catalog, name="catalog"),
    re_path(rf"^catalog\.{SUFFIX}$", dcat_views.catalog, name="catalog-format"),
    re_path(rf"^catalog/dump\.{SUFFIX}$", dcat_views.catalog_dump, name="catalog-dump"),
    path("catalog/changes", dcat_views.catalog_changes, name="catalog-changes"),
    re_path(r"^catalog/changes\.(?P<suffix>json|atom)$", dcat_views.catalog_changes, name="catalog-changes-format"),
    re_path(rf"^datasets/(?P<slug>[-a-zA-Z0-9_]+)\.{SUFFIX}$", dcat_views.dataset_rdf, name="dataset-rdf"),
    path("api/3/action/<str:name>", ckan.action, name="ckan-action"),
    path("api/action/<str:name>", ckan.action, name="ckan-action-unversioned"),
]
