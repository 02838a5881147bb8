"""The glossary's pages: the public glossary and its exports (/glossary/...), the
compatibility check (/compare/), and the owners' pages (/publish/glossary/...)."""

from django.urls import include, path

app_name = "glossary"

urlpatterns = [
    path("", include("catalogue.glossary.public_urls")),
    path("", include("catalogue.glossary.compare_urls")),
    path("", include("catalogue.glossary.workflow_urls")),
]
