"""Search's own pages: the synonyms publishers extend (/publish/synonyms/). The search page
itself is `/` (catalogue.urls)."""

from django.urls import path

from catalogue.search import views

app_name = "search"

urlpatterns = [
    path("publish/synonyms/", views.synonym_list, name="synonyms"),
]
