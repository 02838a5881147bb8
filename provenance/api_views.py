"""Lineage REST API: OpenLineage ingestion and lineage queries. Parsing here; rules in services/queries."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalogue import access
from catalogue.accounts.authentication import ApiTokenAuthentication
from catalogue.models import Field, Organisation
from lib.input_parsing import InvalidValue, moment_parse, whole_number_parse
from provenance import queries
from provenance.models import DatasetAlias
from provenance.openlineage import (
    BodyTooLarge,
    InvalidEvent,
    openlineage_events_store,
    openlineage_parse,
    openlineage_read_body,
)
from provenance.services import dataset_alias_add, dataset_stub_claim


class BearerTokenAuthentication(ApiTokenAuthentication):
    """`Authorization: Bearer <token>` (what OpenLineage clients send) as well as DRF's `Token <token>`."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.split(" ", 1)[0].lower() == "token":
            return ApiTokenAuthentication().authenticate(request)
        return super().authenticate(request)


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes BearerTokenAuthentication."""

    target_class = "provenance.api_views.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token: `Authorization: Bearer <token>` (or `Token <token>`).",
        }


# Every read answers a JSON object; 400 for a bad parameter, 404 for a dataset the reader cannot see.
READ_RESPONSES = {200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT}

LINEAGE_PARAMETERS = [
    OpenApiParameter("depth", int, description="How many derivation steps to follow (default 20)."),
    OpenApiParameter("as_of", str, description="A date or date-time: the lineage valid then (default now)."),
    OpenApiParameter("page", int, description="Page of the answer, nearest datasets first."),
    OpenApiParameter("limit", int, description="Datasets per page (default 100, at most 500)."),
]


class MayPostLineage(permissions.BasePermission):
    message = "Posting lineage needs a token of a site administrator or of an editor of some organisation."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.is_superuser or bool(access.member_organisation_ids(user, roles=access.EDIT_ROLES))


class OpenLineageIngestView(APIView):
    """POST one OpenLineage event (RunEvent, JobEvent or DatasetEvent). 201 once stored; applied by Celery."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [MayPostLineage]
    # Each event sets off graph work in the worker: a stricter rate of its own (config/throttling.py).
    throttle_scope = "openlineage"
    batch = False

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            201: OpenApiTypes.OBJECT,
            400: OpenApiTypes.OBJECT,
            401: OpenApiTypes.OBJECT,
            403: OpenApiTypes.OBJECT,
            413: OpenApiTypes.OBJECT,
        },
        description=(
            "An OpenLineage event of any spec version from 1-0-0 to 2-0-2 (JSON, optionally gzip-compressed), "
            "checked against the official JSON schema of its version; the batch route takes a list. "
            "400 names the JSON path of the first problem; 413 a body over OPENLINEAGE_MAX_BODY_BYTES."
        ),
    )
    def post(self, request):
        try:
            # Read here, not through request.body, whose own cap answers an HTML 400.
            raw = openlineage_read_body(request.stream, request.META.get("HTTP_CONTENT_ENCODING", ""))
            body = openlineage_parse(raw)
            if self.batch:
                events = body.get("events") if isinstance(body, dict) else body
                if not isinstance(events, list) or not events:
                    raise InvalidEvent('a batch is a JSON array of events (or {"events": [...]})')
            else:
                events = [body]
            stored = openlineage_events_store(events=events, user=request.user)
        except BodyTooLarge as exc:
            return Response({"error": str(exc)}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        except InvalidEvent as exc:
            return Response({"error": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        if self.batch:
            return Response({"accepted": len(stored), "ids": [e.pk for e in stored]}, status=status.HTTP_201_CREATED)
        return Response({"accepted": 1, "id": stored[0].pk}, status=status.HTTP_201_CREATED)


class OpenLineageBatchView(OpenLineageIngestView):
    batch = True


def _int_param(request, name: str, default: int | None) -> int | None:
    try:
        return whole_number_parse(request.query_params.get(name), name, default=default, minimum=1)
    except InvalidValue as exc:
        raise ParseError(str(exc)) from None


def _as_of(request) -> datetime | None:
    """``as_of`` as a date-time, or a date meaning the end of that day (UTC)."""
    raw = request.query_params.get("as_of")
    if not raw:
        return None
    try:
        return moment_parse(raw, "as_of", day_means_end=True)
    except InvalidValue as exc:
        raise ParseError(str(exc)) from None


class LineageQueryView(APIView):
    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [permissions.AllowAny]
    direction = "upstream"

    @extend_schema(parameters=LINEAGE_PARAMETERS, responses=READ_RESPONSES)
    def get(self, request, slug: str):
        dataset = access.dataset_for_user(request.user, slug=slug)
        query = queries.upstream if self.direction == "upstream" else queries.downstream
        answer = query(
            request.user,
            dataset,
            depth=_int_param(request, "depth", queries.DEFAULT_DEPTH),
            as_of=_as_of(request),
            page=_int_param(request, "page", 1),
            limit=_int_param(request, "limit", queries.DEFAULT_LIMIT),
        )
        return Response(answer.as_dict())


class UpstreamView(LineageQueryView):
    direction = "upstream"


class DownstreamView(LineageQueryView):
    direction = "downstream"


class LineagePathView(APIView):
    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", {"type": "string", "minLength": 1}, required=True, description="dataset slug"),
            OpenApiParameter("to", {"type": "string", "minLength": 1}, required=True, description="dataset slug"),
        ],
        responses=READ_RESPONSES,
    )
    def get(self, request):
        origin_slug, target_slug = request.query_params.get("from"), request.query_params.get("to")
        if not origin_slug or not target_slug:
            raise ParseError("give both from=<dataset slug> and to=<dataset slug>")
        origin = access.dataset_for_user(request.user, slug=origin_slug)
        target = access.dataset_for_user(request.user, slug=target_slug)
        answer = queries.lineage_path(request.user, origin, target)
        return Response({"from": origin.slug, "to": target.slug, **answer})


class FieldLineageView(APIView):
    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [permissions.AllowAny]
    direction = "upstream"

    @extend_schema(parameters=[LINEAGE_PARAMETERS[0]], responses=READ_RESPONSES)
    def get(self, request, pk: int):
        fields = Field.objects.select_related("dataset__publisher")
        condition = access.visible_datasets_q(request.user, prefix="dataset__")
        field = (fields if condition is None else fields.filter(condition)).filter(pk=pk).first()
        if field is None:  # missing and not visible answer alike
            return Response({"detail": "No such field."}, status=status.HTTP_404_NOT_FOUND)
        depth = _int_param(request, "depth", queries.DEFAULT_DEPTH)
        return Response(queries.field_lineage(request.user, field, self.direction, depth))


class FieldUpstreamView(FieldLineageView):
    direction = "upstream"


class FieldDownstreamView(FieldLineageView):
    direction = "downstream"


class StubClaimView(APIView):
    """POST {"organisation": "<slug>"}: a publisher takes over a lineage stub."""

    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            200: OpenApiTypes.OBJECT,
            400: OpenApiTypes.OBJECT,
            403: OpenApiTypes.OBJECT,
            404: OpenApiTypes.OBJECT,
        },
    )
    def post(self, request, slug: str):
        # The organisation is checked first and the stub looked up only among the ones this user
        # may claim for it, so a private dataset, a non-stub, another organisation's stub and a
        # missing slug all answer the same 404.
        organisation = get_object_or_404(Organisation, slug=request.data.get("organisation", ""))
        if not access.can_edit_for_organisation(request.user, organisation.pk):
            return Response(
                {"error": "You may only claim a stub for an organisation you edit for."},
                status=status.HTTP_403_FORBIDDEN,
            )
        dataset = queries.stub_for_claim(request.user, slug=slug, organisation=organisation)
        try:
            with transaction.atomic():
                dataset = dataset_stub_claim(dataset=dataset, organisation=organisation, user=request.user)
        except ValidationError as exc:
            return Response({"error": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
        except PermissionDenied as exc:
            return Response({"error": str(exc)}, status=status.HTTP_403_FORBIDDEN)
        return Response({"slug": dataset.slug, "publisher": organisation.slug, "status": dataset.status})


class DatasetAliasView(APIView):
    """GET the (namespace, name) pairs that OpenLineage events use for this dataset; POST one more."""

    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(responses=READ_RESPONSES)
    def get(self, request, slug: str):
        dataset = access.dataset_for_user(request.user, slug=slug)
        aliases = DatasetAlias.objects.filter(dataset=dataset).order_by("namespace", "name")
        return Response(
            {"dataset": dataset.slug, "aliases": [{"namespace": a.namespace, "name": a.name} for a in aliases]}
        )

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            201: OpenApiTypes.OBJECT,
            400: OpenApiTypes.OBJECT,
            403: OpenApiTypes.OBJECT,
            404: OpenApiTypes.OBJECT,
        },
    )
    def post(self, request, slug: str):
        dataset = access.dataset_for_user(request.user, slug=slug, for_edit=True)
        namespace, name = str(request.data.get("namespace", "")).strip(), str(request.data.get("name", "")).strip()
        if not namespace or not name:
            raise ParseError("give the OpenLineage namespace and name, e.g. postgres://db:5432 and public.admissions")
        try:
            alias = dataset_alias_add(dataset=dataset, namespace=namespace, name=name, user=request.user)
        except ValidationError as exc:
            return Response({"error": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"namespace": alias.namespace, "name": alias.name}, status=status.HTTP_201_CREATED)
