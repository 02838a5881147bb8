"""Harvesting in the REST API, under /api/v1/harvest/: sources, their jobs, job reports.

Thin DRF views over catalogue.harvest.queries and catalogue.harvest.services, sharing the
REST API's error documentation, pagination and refusal handling (catalogue.api.views).
Reads are public, like the pages; changes need an admin of the source's organisation,
signed in with a token as everywhere else in the API.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from catalogue.api.views import (
    CatalogueFilterSet,
    DocumentedErrorsSchema,
    FilterBackend,
    Pagination,
    TolerantCharFilter,
    run_service,
)
from catalogue.harvest import queries, services
from catalogue.harvest.models import HarvestJob, HarvestSource
from catalogue.models import Organisation

CONFLICT_BODY = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "job": {"type": "integer"}},
    "additionalProperties": True,
}
ID_PATTERN = "[0-9]{1,18}"


class HarvestSourceSerializer(serializers.Serializer):
    """A harvest source with its newest job and the number of datasets it keeps up to date."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    url = serializers.URLField(max_length=1000, help_text=HarvestSource._meta.get_field("url").help_text)
    kind = serializers.ChoiceField(choices=HarvestSource.Kind.choices, default=HarvestSource.Kind.DCAT)
    rdf_format = serializers.ChoiceField(
        choices=HarvestSource.RdfFormat.choices, default=HarvestSource.RdfFormat.AUTO, help_text="DCAT sources only."
    )
    organisation = serializers.SlugRelatedField(slug_field="slug", queryset=Organisation.objects.all())
    schedule = serializers.ChoiceField(choices=HarvestSource.Schedule.choices, default=HarvestSource.Schedule.DAILY)
    enabled = serializers.BooleanField(default=True, help_text="Scheduled runs happen only while it is enabled.")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    allow_private_addresses = serializers.BooleanField(
        required=False, help_text="Fetch from a loopback or private address (site administrators only)."
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    dataset_count = serializers.IntegerField(read_only=True)
    last_job_id = serializers.IntegerField(read_only=True, allow_null=True)
    last_job_status = serializers.ChoiceField(choices=HarvestJob.Status.choices, read_only=True, allow_null=True)
    last_job_at = serializers.DateTimeField(read_only=True, allow_null=True)


class HarvestProgressSerializer(serializers.Serializer):
    pages_done = serializers.IntegerField()
    pages_total = serializers.IntegerField(allow_null=True)
    records_done = serializers.IntegerField()
    records_total = serializers.IntegerField(allow_null=True)
    percent = serializers.IntegerField(source="percent_done", allow_null=True)
    bytes_read = serializers.IntegerField()


class HarvestCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    withdrawn = serializers.IntegerField()
    failed = serializers.IntegerField()


class HarvestRecordErrorSerializer(serializers.Serializer):
    identifier = serializers.CharField()
    reason = serializers.CharField()


class HarvestJobSerializer(serializers.Serializer):
    """A job as listed: HarvestJob.report() without its record errors."""

    id = serializers.IntegerField()
    source = serializers.CharField(source="source.url", help_text="The source's URL.")
    source_name = serializers.CharField(source="source.name")
    organisation = serializers.CharField(source="source.organisation.slug")
    kind = serializers.ChoiceField(source="source.kind", choices=HarvestSource.Kind.choices)
    status = serializers.ChoiceField(choices=HarvestJob.Status.choices)
    trigger = serializers.CharField()
    incremental = serializers.BooleanField()
    started = serializers.DateTimeField(source="started_at", allow_null=True)
    finished = serializers.DateTimeField(source="finished_at", allow_null=True)
    progress = HarvestProgressSerializer(source="*")
    counts = HarvestCountsSerializer(source="*")
    error = serializers.CharField(help_text="Why the job failed or was cancelled.")


class HarvestJobReportSerializer(HarvestJobSerializer):
    """A job's report, exactly as HarvestJob.report() gives it to the job page and the harvest command."""

    started = serializers.CharField(allow_null=True, help_text="ISO 8601 date-time.")
    finished = serializers.CharField(allow_null=True, help_text="ISO 8601 date-time.")
    record_errors = HarvestRecordErrorSerializer(
        many=True, help_text="The records that could not be brought in (first 1,000)."
    )

    def to_representation(self, instance):
        return instance.report()


class HarvestJobStartSerializer(serializers.Serializer):
    incremental = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="CKAN sources: ask only for what changed since the last complete run (the default once there was "
        "one). Leave out for the default.",
    )


class HarvestSourceFilter(CatalogueFilterSet):
    organisation = TolerantCharFilter(field_name="organisation__slug", help_text="Organisation slug")

    class Meta:
        model = HarvestSource
        fields = ["organisation", "kind", "enabled"]


def _job_already_active(exc: services.JobAlreadyActive) -> Response:
    return Response({"detail": exc.message, "job": exc.job.pk}, status=status.HTTP_409_CONFLICT)


class HarvestSourceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Harvest sources. Anyone reads them; admins of the source's organisation change them,
    start and list its jobs. A source that brought datasets in cannot be deleted: disable it."""

    schema = DocumentedErrorsSchema()
    serializer_class = HarvestSourceSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    pagination_class = Pagination
    filter_backends = [FilterBackend]
    filterset_class = HarvestSourceFilter
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return queries.sources_with_latest_job()

    def _saved(self, source: HarvestSource) -> HarvestSource:
        return self.get_queryset().get(pk=source.pk)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        organisation = data.pop("organisation")
        source = run_service(services.source_save, user=self.request.user, organisation=organisation, data=data)
        serializer.instance = self._saved(source)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        source = HarvestSource.objects.select_related("organisation").get(pk=serializer.instance.pk)
        organisation = data.pop("organisation", source.organisation)
        source = run_service(
            services.source_save, user=self.request.user, organisation=organisation, data=data, source=source
        )
        serializer.instance = self._saved(source)

    def perform_destroy(self, instance):
        run_service(services.source_delete, user=self.request.user, source=instance)

    @extend_schema(methods=["GET"], responses=HarvestJobSerializer(many=True), request=None)
    @extend_schema(
        methods=["POST"],
        request=HarvestJobStartSerializer,
        responses={
            202: HarvestJobReportSerializer,
            409: OpenApiResponse(response=CONFLICT_BODY, description="A job of this source is queued or running."),
        },
    )
    @action(detail=True, methods=["get", "post"], pagination_class=Pagination)
    def jobs(self, request, pk=None):
        """GET: the source's jobs, newest first. POST: start a harvest now (202 with the job;
        409 when one is already queued or running)."""
        source = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(queries.source_jobs(source).select_related("source__organisation"))
            return self.get_paginated_response(HarvestJobSerializer(page, many=True).data)
        body = HarvestJobStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            job = services.job_start(user=request.user, source=source, incremental=body.validated_data["incremental"])
        except services.JobAlreadyActive as exc:
            return _job_already_active(exc)
        return Response(HarvestJobReportSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class HarvestJobViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A job's report, with its progress while it runs; its source's admins cancel it."""

    schema = DocumentedErrorsSchema()
    serializer_class = HarvestJobReportSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    queryset = HarvestJob.objects.select_related("source__organisation")
    lookup_value_regex = ID_PATTERN

    @extend_schema(
        request=None,
        responses={
            200: HarvestJobReportSerializer,
            409: OpenApiResponse(response=CONFLICT_BODY, description="The job has already ended."),
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Ask the job to stop: a queued job ends at once, a running one before its next page or
        record, keeping what it wrote and withdrawing nothing."""
        job = self.get_object()
        try:
            job = services.job_cancel(user=request.user, job=job)
        except DjangoValidationError as exc:
            return Response({"detail": " ".join(exc.messages), "job": job.pk}, status=status.HTTP_409_CONFLICT)
        return Response(HarvestJobReportSerializer(job).data)


router = SimpleRouter()
router.register("sources", HarvestSourceViewSet, basename="harvest-source")
router.register("jobs", HarvestJobViewSet, basename="harvest-job")
