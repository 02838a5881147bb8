"""The glossary's addresses: the public glossary, its exports and the IRIs Provcat mints
(views.py); the compatibility check (compare_views.py); the owners' pages and the concept
suggestion the publisher's form asks for (workflow_views.py)."""

from django.urls import path

from catalogue.glossary import compare_views, views, workflow_views

app_name = "glossary"

SCHEME = "publish/glossary/schemes/<slug:slug>/"
CONCEPT = f"{SCHEME}concepts/<slug:concept>/"

urlpatterns = [
    # Before the scheme exports: "suggest.json" would read as scheme "suggest", suffix "json".
    path("glossary/suggest.json", workflow_views.suggest, name="suggest"),
    # The public glossary: schemes and search, a page per scheme and concept, exports by suffix.
    path("glossary/", views.index, name="index"),
    path("glossary/<slug:scheme>.<str:suffix>", views.scheme_export, name="scheme-export"),
    path("glossary/<slug:scheme>/", views.scheme, name="scheme"),
    path("glossary/<slug:scheme>/<slug:concept>/", views.concept, name="concept"),
    path("id/glossary/<slug:scheme>", views.scheme_by_uri, name="scheme-uri"),
    path("id/glossary/<slug:scheme>/<slug:concept>", views.concept_by_uri, name="concept-uri"),
    # The compatibility check between datasets.
    path("compare/", compare_views.compare_page, name="compare"),
    # The owners' pages.
    path("publish/glossary/", workflow_views.schemes, name="schemes"),
    path("publish/glossary/new/", workflow_views.scheme_create, name="scheme-create"),
    path(SCHEME, workflow_views.scheme_edit, name="scheme-edit"),
    path(f"{SCHEME}status/", workflow_views.scheme_status, name="scheme-status"),
    path(f"{SCHEME}delete/", workflow_views.scheme_delete, name="scheme-delete"),
    path(f"{SCHEME}import/", workflow_views.scheme_import, name="scheme-import"),
    path(f"{SCHEME}new-concept/", workflow_views.concept_create, name="concept-create"),
    path(CONCEPT, workflow_views.concept_edit, name="concept-edit"),
    path(f"{CONCEPT}delete/", workflow_views.concept_delete, name="concept-delete"),
    path(f"{CONCEPT}links/", workflow_views.link_add, name="link-add"),
    path(f"{CONCEPT}links/<int:pk>/remove/", workflow_views.link_remove, name="link-remove"),
]
