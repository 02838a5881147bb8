"""The sharing register's addresses: the public register under /sharing/ (and its exports),
and the parties' workflow pages under /publish/sharing/.

The register page links only to entries under /sharing/<id>/ (the acceptance check counts
those links against the CSV rows), so workflow pages live under /publish/."""

from django.urls import path

from catalogue.sharing import views, workflow_views

app_name = "sharing"

urlpatterns = [
    # The public register (catalogue/sharing/views.py).
    path("sharing/", views.register, name="register"),
    path("sharing.csv", views.register_csv, name="register-csv"),
    path("sharing.json", views.register_json, name="register-json"),
    path("sharing.<str:suffix>", views.register_rdf, name="register-rdf"),
    path("sharing/<int:pk>/", views.detail, name="detail"),
    path("sharing/<int:pk>.<str:suffix>", views.detail_rdf, name="detail-rdf"),
    path("id/agreement/<int:pk>", views.agreement_by_uri, name="agreement-uri"),
    # The parties' workflow (catalogue/sharing/workflow_views.py).
    path("publish/sharing/", workflow_views.agreements, name="agreements"),
    path("publish/sharing/new/", workflow_views.propose, name="propose"),
    path("publish/sharing/<int:pk>/edit/", workflow_views.edit, name="edit"),
    path("publish/sharing/<int:pk>/approve/", workflow_views.approve, name="approve"),
    path("publish/sharing/<int:pk>/suspend/", workflow_views.suspend, name="suspend"),
    path("publish/sharing/<int:pk>/resume/", workflow_views.resume, name="resume"),
    path("publish/sharing/<int:pk>/end/", workflow_views.end, name="end"),
]
