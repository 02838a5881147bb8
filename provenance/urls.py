"""Provenance web routes, included from config/urls.py before catalogue.urls.

/datasets/<slug>/provenance.ttl sits under the dataset's own path, so it cannot clash with
the DCAT helper's /datasets/<slug>.ttl.
"""

from django.urls import path, re_path

from provenance import views

app_name = "provenance"

urlpatterns = [
    re_path(
        r"^datasets/(?P<slug>[-a-z0-9]+)/provenance\.(?P<extension>ttl|jsonld)$",
        views.dataset_provenance,
        name="dataset-provenance",
    ),
    path("lineage/stubs/", views.stub_list, name="stub-list"),
    path("lineage/stubs/<slug:slug>/claim", views.stub_claim, name="stub-claim"),
]
