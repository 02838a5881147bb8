"""Lineage routes under /api/v1/ (no trailing slash: OpenLineage clients POST to api/v1/lineage)."""

from django.urls import path

from provenance import api_views

urlpatterns = [
    path("lineage", api_views.OpenLineageIngestView.as_view(), name="openlineage-ingest"),
    path("lineage/batch", api_views.OpenLineageBatchView.as_view(), name="openlineage-batch"),
    path("lineage/path", api_views.LineagePathView.as_view(), name="lineage-path"),
    path("lineage/stubs/<slug:slug>/claim", api_views.StubClaimView.as_view(), name="lineage-stub-claim"),
    path("datasets/<slug:slug>/upstream", api_views.UpstreamView.as_view(), name="lineage-upstream"),
    path("datasets/<slug:slug>/downstream", api_views.DownstreamView.as_view(), name="lineage-downstream"),
    path("datasets/<slug:slug>/aliases", api_views.DatasetAliasView.as_view(), name="dataset-aliases"),
    path("fields/<int:pk>/upstream", api_views.FieldUpstreamView.as_view(), name="field-upstream"),
    path("fields/<int:pk>/downstream", api_views.FieldDownstreamView.as_view(), name="field-downstream"),
]
