"""The public glossary's addresses: /glossary/ (schemes and search), a page per scheme and
per concept, the scheme's exports by suffix, and the IRIs Provcat mints for schemes and
concepts (/id/glossary/...), which lead to their pages."""

from django.urls import path

from catalogue.glossary import views

urlpatterns = [
    path("glossary/", views.index, name="index"),
    path("glossary/<slug:scheme>.<str:suffix>", views.scheme_export, name="scheme-export"),
    path("glossary/<slug:scheme>/", views.scheme, name="scheme"),
    path("glossary/<slug:scheme>/<slug:concept>/", views.concept, name="concept"),
    path("id/glossary/<slug:scheme>", views.scheme_by_uri, name="scheme-uri"),
    path("id/glossary/<slug:scheme>/<slug:concept>", views.concept_by_uri, name="concept-uri"),
]
