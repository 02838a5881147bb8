from django.contrib import admin
from django.urls import include, path

from config.health import healthz

# Each include is owned by one part of the app; see the module named.
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("catalogue.urls")),
]
