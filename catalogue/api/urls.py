"""The REST API at /api/v1/ (publisher). Lineage routes live in provenance/api_urls.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from catalogue.api import glossary, views

app_name = "api"

router = DefaultRouter()
router.register("datasets", views.DatasetViewSet, basename="dataset")
router.register("distributions", views.DistributionViewSet, basename="distribution")
router.register("fields", views.FieldViewSet, basename="field")
router.register("collection-methods", views.CollectionMethodViewSet, basename="collection-method")
router.register("checks", views.ValidationCheckViewSet, basename="check")
router.register("measurements", views.QualityMeasurementViewSet, basename="measurement")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("derivations", views.DerivationViewSet, basename="derivation")
# The glossary and the compatibility check (catalogue/api/glossary.py).
router.register("glossary/schemes", glossary.SchemeViewSet, basename="glossary-scheme")
router.register("glossary/concepts", glossary.ConceptViewSet, basename="glossary-concept")
router.register("glossary/links", glossary.LinkViewSet, basename="glossary-link")

urlpatterns = [*router.urls, path("compare/", glossary.CompareView.as_view(), name="compare")]
