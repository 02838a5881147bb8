from django.urls import path

from catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.home, name="home"),
    path("datasets/<slug:slug>/", views.dataset_detail, name="dataset-detail"),
    path("id/dataset/<uuid:uuid>", views.dataset_by_uri, name="dataset-uri"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation-detail"),
    path("themes/", views.theme_list, name="theme-list"),
    path("about/api/", views.api_guide, name="api-guide"),
]
