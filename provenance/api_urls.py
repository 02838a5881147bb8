"""Lineage routes under /api/v1/ (no trailing slash: OpenLineage clients POST to api/v1/lineage).

Slugs are matched as any path segment (str), so a malformed one still gets the API's JSON 404.
"""

from django.urls import path

from provenance import api_views

urlpatterns = [
    path("lineage", api_views.OpenLineageIngestView.as_view(), name="openlineage-ingest"),
    path("lineage/batch", api_views.OpenLineageBatchView.as_view(), name="openlineage-batch"),
    path("lineage/path", api_views.LineagePathView.as_view(), name="lineage-path"),
    path("lineage/stubs/<str:slug>/claim", api_views.StubClaimView.as_view(), name="lineage-stub-claim"),
    path("datasets/<str:slug>/upstream", api_views.UpstreamView.as_view(), name="lineage-upstream"),
    path("datasets/<str:slug>/downstream", api_views.DownstreamView.as_view(), name="lineage-downstream"),
    path("datasets/<str:slug>/aliases", api_views.DatasetAliasView.as_view(), name="dataset-aliases"),
    path("fields/<int:pk>/upstream", api_views.FieldUpstreamView.as_view(), name="field-upstream"),
    path("fields/<int:pk>/downstream", api_views.FieldDownstreamView.as_view(), name="field-downstream"),
]
