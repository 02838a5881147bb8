from django.contrib import admin
from django.urls import include, path

from catalogue.demo_views import demo_file
from config.health import healthz

# Each include is owned by one part of the app; see the module named.
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("demo/files/<slug:slug>.<str:extension>", demo_file, name="demo-file"),
    path("", include("catalogue.urls")),
]
