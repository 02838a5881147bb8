"""Harvesting's addresses: its pages under /harvest/ and its REST API under /api/v1/harvest/."""

from django.urls import include, path

from catalogue.harvest import api, views

app_name = "harvest"

urlpatterns = [
    path("harvest/", views.source_list, name="source-list"),
    path("harvest/sources/new/", views.source_create, name="source-create"),
    path("harvest/sources/<int:pk>/", views.source_detail, name="source-detail"),
    path("harvest/sources/<int:pk>/edit/", views.source_edit, name="source-edit"),
    path("harvest/sources/<int:pk>/delete/", views.source_delete, name="source-delete"),
    path("harvest/sources/<int:pk>/enable/", views.source_enable, name="source-enable"),
    path("harvest/sources/<int:pk>/harvest/", views.source_harvest, name="source-harvest"),
    path("harvest/sources/<int:pk>/quality/", views.source_quality, name="source-quality"),
    path("harvest/jobs/<int:pk>/", views.job_detail, name="job-detail"),
    path("harvest/jobs/<int:pk>/cancel/", views.job_cancel, name="job-cancel"),
    path("harvest/datasets/<slug:slug>/detach/", views.dataset_detach, name="dataset-detach"),
    path("api/v1/harvest/", include(api.router.urls)),
]
