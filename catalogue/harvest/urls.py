from django.urls import path

from catalogue.harvest import views

app_name = "harvest"

urlpatterns = [
    path("harvest/sources/<int:pk>/", views.source_detail, name="source-detail"),
    path("harvest/jobs/<int:pk>/", views.job_detail, name="job-detail"),
]
