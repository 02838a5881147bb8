"""The owners' pages (/publish/glossary/...) and the concept suggestion the publisher's form
asks for (/glossary/suggest.json): catalogue/glossary/workflow_views.py."""

from django.urls import path

from catalogue.glossary import workflow_views as views

SCHEME = "publish/glossary/schemes/<slug:slug>/"
CONCEPT = f"{SCHEME}concepts/<slug:concept>/"

urlpatterns = [
    path("glossary/suggest.json", views.suggest, name="suggest"),
    path("publish/glossary/", views.schemes, name="schemes"),
    path("publish/glossary/new/", views.scheme_create, name="scheme-create"),
    path(SCHEME, views.scheme_edit, name="scheme-edit"),
    path(f"{SCHEME}status/", views.scheme_status, name="scheme-status"),
    path(f"{SCHEME}delete/", views.scheme_delete, name="scheme-delete"),
    path(f"{SCHEME}import/", views.scheme_import, name="scheme-import"),
    path(f"{SCHEME}new-concept/", views.concept_create, name="concept-create"),
    path(CONCEPT, views.concept_edit, name="concept-edit"),
    path(f"{CONCEPT}delete/", views.concept_delete, name="concept-delete"),
    path(f"{CONCEPT}links/", views.link_add, name="link-add"),
    path(f"{CONCEPT}links/<int:pk>/remove/", views.link_remove, name="link-remove"),
]
