from django.urls import path
from django.views.generic import RedirectView

from catalogue import views
from catalogue.quality.views import quality_about

app_name = "catalogue"

urlpatterns = [
    path("", views.home, name="home"),
    path("datasets/<slug:slug>/", views.dataset_detail, name="dataset-detail"),
    # CKAN's address of a dataset page (ckanapi clients and harvesters link to it).
    path("dataset/<slug:slug>", RedirectView.as_view(pattern_name="catalogue:dataset-detail", permanent=True)),
    path("id/dataset/<uuid:uuid>", views.dataset_by_uri, name="dataset-uri"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation-detail"),
    path("themes/", views.theme_list, name="theme-list"),
    path("about/api/", views.api_guide, name="api-guide"),
    path("about/quality/", quality_about, name="quality"),
]
