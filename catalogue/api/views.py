"""REST API views: thin. Who may see what is catalogue.access; every change is a service."""

from datetime import UTC

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.db.models import Q
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from catalogue import access, services, workflow
from catalogue.api import serializers as s
from catalogue.api.pagination import KeysetPagination, Pagination
from catalogue.models import (
    CollectionMethod,
    Dataset,
    Distribution,
    Field,
    Membership,
    Organisation,
    QualityMeasurement,
    ValidationCheck,
    VocabularyTerm,
)
from provenance.models import Derivation
from provenance.services import derivation_add, derivation_remove


class DocumentedErrorsSchema(AutoSchema):
    """Document the error answers every endpoint can give, so clients (and schemathesis) know them."""

    ERRORS = {
        "400": "The request or a filter value is not valid (NUL characters never are); the body says which field.",
        "401": "Not signed in (send a token or a session cookie).",
        "403": "Signed in, but not allowed to do this.",
        "404": "No such object, or not one you may see; or a page past the last.",
        "412": "If-Match names an older version than the stored one.",
        "428": "If-Match is required for this change.",
        "429": "Too many requests; slow down.",
    }
    ERROR_BODY = {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "additionalProperties": True,
    }

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in self.ERRORS.items():
            if code in ("412", "428") and self.method not in ("PUT", "PATCH"):
                continue
            responses.setdefault(
                code, {"description": description, "content": {"application/json": {"schema": self.ERROR_BODY}}}
            )
        return responses


class PartsPagination(CursorPagination):
    """Parts (distributions, fields, checks, measurements) number in millions on a large
    catalogue: cursor pages cost the same at any depth and need no count of every row."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "pk"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The dataset changed since you read it: fetch it again and re-apply your change."
    default_code = "precondition_failed"


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = "Send If-Match with the ETag you read, so that no one else's change is overwritten."
    default_code = "precondition_required"


class ReviewRequired(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The organisation requires review of every change to a published dataset."
    default_code = "review_required"


def etag_for(dataset: Dataset) -> str:
    return f'"{dataset.uuid}-{dataset.revision}"'


def revision_from_if_match(request, dataset: Dataset) -> int:
    """The revision the client's change is based on; 428 without If-Match, 412 when stale."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired()
    tags = [tag.strip() for tag in header.split(",")]
    if "*" not in tags and etag_for(dataset) not in tags:
        raise PreconditionFailed()
    return dataset.revision


def run_service(function, **kwargs):
    """Call a service and turn its refusals into API answers."""
    try:
        return function(**kwargs)
    except services.StaleRevision as exc:
        raise PreconditionFailed(str(exc)) from None
    except services.ReviewRequired as exc:
        raise ReviewRequired(str(exc)) from None
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        raise serializers.ValidationError(detail) from None


class TolerantCharField(forms.CharField):
    """A filter value as text; NUL characters (which PostgreSQL cannot store or compare, and
    no stored value contains) are dropped instead of refused, so any string matches or not."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\x00", "") if isinstance(value, str) else value


class TolerantCharFilter(filters.CharFilter):
    field_class = TolerantCharField


class CatalogueFilterSet(filters.FilterSet):
    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        models.CharField: {"filter_class": TolerantCharFilter},
        models.SlugField: {"filter_class": TolerantCharFilter},
    }


class FilterBackend(filters.DjangoFilterBackend):
    filterset_base = CatalogueFilterSet


class UTCDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment, converted to UTC (PostgreSQL refuses offsets beyond +-15:59)."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None or moment.tzinfo is None:
            return moment
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("The date is out of range.", code="invalid") from None


class UTCDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


class DatasetFilter(CatalogueFilterSet):
    publisher = TolerantCharFilter(field_name="publisher__slug", help_text="Organisation slug")
    theme = TolerantCharFilter(
        field_name="themes__code", method="filter_theme", help_text="EU data theme code, e.g. HEAL"
    )
    keyword = TolerantCharFilter(field_name="keywords__name", lookup_expr="iexact")
    modified_since = UTCDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    min_quality_score = filters.NumberFilter(field_name="quality_score", lookup_expr="gte")

    class Meta:
        model = Dataset
        fields = ["publisher", "status", "access_rights", "quality_band", "theme", "keyword", "modified_since"]

    def filter_theme(self, queryset, name, value):
        """The datasets with a theme of this code, the terms read first: given the code, the
        planner cannot tell how many datasets have the theme, and joins every one of them
        (16,000 for HEAL at 100,000 datasets) before sorting; given the term's id it knows,
        and walks the list's order until a page is full (68 ms -> 3 ms for a deep page)."""
        return queryset.filter(themes__in=list(VocabularyTerm.objects.filter(code=value).values_list("pk", flat=True)))


class StableOrderingFilter(OrderingFilter):
    """The ``ordering`` parameter's terms, then the id in the direction of the last term:
    among datasets that tie (the same score, the same title) numbered pages would otherwise
    come in whatever order the database picks for each page, so a walk could skip or repeat
    them; the id fixes one order, the one cursor pages walk."""

    def get_ordering(self, request, queryset, view):
        terms = super().get_ordering(request, queryset, view)
        if not terms or any(term.lstrip("-") in ("pk", "id") for term in terms):
            return terms
        return [*terms, "-pk" if terms[-1].startswith("-") else "pk"]


class CanChangeDataset(permissions.BasePermission):
    """Object permission from the one access helper: editors and admins of the publisher."""

    HARVEST_LOCKED = (
        "This dataset is harvested from another catalogue: changes are made at the source (the next harvest "
        "would overwrite them here). An admin of its organisation can detach it to edit it here."
    )

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        dataset = obj if isinstance(obj, Dataset) else obj.dataset
        if access.can_edit_dataset(request.user, dataset):
            return True
        if access.is_harvest_locked(dataset) and access.can_edit_for_organisation(request.user, dataset.publisher_id):
            # Say why to those who could edit it if it were not harvested (DRF reads .message).
            self.message = self.HARVEST_LOCKED
        return False


@extend_schema_view(
    update=extend_schema(parameters=[OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, True)]),
    partial_update=extend_schema(
        parameters=[OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, True)]
    ),
)
class DatasetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Datasets the caller may see. Updates need If-Match with the ETag of the version read.

    PUT and PATCH write the live record, as machine writers expect, except on a published
    dataset whose organisation requires review: there they are refused with 409, since an API
    write must not bypass the review; such a change is saved as a draft in the web form and
    published through review (``POST .../publish/`` asks for it and, by another editor,
    approves it). A working draft saved in the web form is not changed by an API write.
    """

    schema = DocumentedErrorsSchema()

    serializer_class = s.DatasetSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, CanChangeDataset]
    # ?page=N as ever; ?cursor= pages cost the same at any depth (catalogue/api/pagination.py).
    pagination_class = KeysetPagination
    filterset_class = DatasetFilter
    lookup_field = "slug"
    lookup_value_regex = "[a-z0-9-]+"
    filter_backends = [FilterBackend, StableOrderingFilter]
    # Newest change first by default: the index on (updated_at, id) serves it on a large catalogue.
    ordering_fields = ["updated_at", "title", "quality_score"]
    default_ordering = ["-updated_at", "-pk"]

    def get_queryset(self):
        queryset = Dataset.objects.select_related("publisher", "licence", "frequency", "language").order_by(
            *self.default_ordering
        )
        if self.action != "list":
            # The list's serializer reads a whole page's keywords and themes in one query each
            # (s.DatasetListSerializer), cheaper than the prefetch's manager per dataset.
            queryset = queryset.prefetch_related("keywords", "themes")
        return access.visible_datasets(self.request.user, queryset)

    def cursor_ordering(self, queryset) -> list[str]:
        """The order of the list: the terms the ordering filter applies, else the default."""
        return StableOrderingFilter().get_ordering(self.request, queryset, self) or self.default_ordering

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = etag_for(self.get_object())
        return response

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        organisation = data.pop("publisher")
        keywords = data.pop("keywords", [])
        themes = data.pop("themes", [])
        serializer.instance = run_service(
            services.dataset_create,
            user=self.request.user,
            organisation=organisation,
            data=data,
            keywords=keywords,
            themes=themes,
        )

    def update(self, request, *args, **kwargs):
        dataset = self.get_object()
        revision = revision_from_if_match(request, dataset)
        serializer = self.get_serializer(dataset, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("publisher", None)
        keywords = data.pop("keywords", None)
        themes = data.pop("themes", None)
        updated = run_service(
            services.dataset_update,
            dataset=dataset,
            user=request.user,
            data=data,
            expected_revision=revision,
            keywords=keywords,
            themes=themes,
        )
        return self._answer(updated)

    def _answer(self, dataset, code=status.HTTP_200_OK):
        dataset = self.get_queryset().get(pk=dataset.pk)
        response = Response(self.get_serializer(dataset).data, status=code)
        response["ETag"] = etag_for(dataset)
        return response

    @extend_schema(request=None, responses=s.DatasetSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, slug=None):
        """Publish the dataset, or its working draft (saved in the web form); where the
        organisation requires review, ask for it, or (another editor) approve it."""
        dataset = self.get_object()
        published, _ = run_service(workflow.dataset_publish, dataset=dataset, user=request.user)
        return self._answer(published)

    @extend_schema(request=s.WithdrawSerializer, responses=s.DatasetSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, slug=None):
        dataset = self.get_object()
        body = s.WithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(
            run_service(
                services.dataset_withdraw, dataset=dataset, user=request.user, reason=body.validated_data["reason"]
            )
        )

    @extend_schema(responses=s.HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, slug=None):
        """Every recorded version of the dataset, newest first (members of the publisher only)."""
        dataset = self.get_object()
        if not access.can_view_history(request.user, dataset):
            raise PermissionDenied("Only members of the publishing organisation see the history.")
        entries = dataset.history.select_related("history_user").order_by("-history_date", "-history_id")
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(s.HistoryEntrySerializer(page, many=True).data)

    @extend_schema(request=s.RestoreSerializer, responses=s.DatasetSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, slug=None):
        dataset = self.get_object()
        body = s.RestoreSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        restored = run_service(
            services.dataset_restore_version,
            dataset=dataset,
            user=request.user,
            history_id=body.validated_data["history_id"],
        )
        return self._answer(restored)


class DatasetPartViewSet(viewsets.ModelViewSet):
    """Shared by the parts of a dataset: visible when the dataset is, changed through a service."""

    schema = DocumentedErrorsSchema()
    filter_backends = [FilterBackend]

    permission_classes = [permissions.IsAuthenticatedOrReadOnly, CanChangeDataset]
    pagination_class = PartsPagination
    model = None
    related = ("dataset",)
    save_service = None
    delete_service = None
    instance_kwarg = None
    filterset_fields = ["dataset__slug"]

    def get_queryset(self):
        condition = access.visible_datasets_q(self.request.user, prefix="dataset__")
        queryset = self.model.objects.select_related(*self.related).order_by("pk")
        return queryset if condition is None else queryset.filter(condition)

    def _check_dataset(self, dataset):
        # The serializer's dataset field finds only datasets the user may see.
        if not access.can_edit_dataset(self.request.user, dataset):
            raise PermissionDenied("You may not change this dataset.")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        dataset = data.pop("dataset")
        self._check_dataset(dataset)
        serializer.instance = run_service(type(self).save_service, dataset=dataset, user=self.request.user, data=data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("dataset", None)
        instance = serializer.instance
        serializer.instance = run_service(
            type(self).save_service,
            dataset=instance.dataset,
            user=self.request.user,
            data=data,
            **{self.instance_kwarg: instance},
        )

    def perform_destroy(self, instance):
        run_service(type(self).delete_service, user=self.request.user, **{self.instance_kwarg: instance})


class DistributionViewSet(DatasetPartViewSet):
    model = Distribution
    serializer_class = s.DistributionSerializer
    related = ("dataset", "format", "media_type", "licence")
    save_service = services.distribution_save
    delete_service = services.distribution_delete
    instance_kwarg = "distribution"


class FieldViewSet(DatasetPartViewSet):
    model = Field
    serializer_class = s.FieldSerializer
    save_service = services.field_save
    delete_service = services.field_delete
    instance_kwarg = "field"


class ValidationCheckViewSet(DatasetPartViewSet):
    model = ValidationCheck
    serializer_class = s.ValidationCheckSerializer
    save_service = services.validation_check_record
    delete_service = services.validation_check_delete
    instance_kwarg = "check"


class QualityMeasurementViewSet(DatasetPartViewSet):
    model = QualityMeasurement
    serializer_class = s.QualityMeasurementSerializer
    save_service = services.quality_measurement_record
    delete_service = services.quality_measurement_delete
    instance_kwarg = "measurement"


class CollectionMethodViewSet(DatasetPartViewSet):
    model = CollectionMethod
    serializer_class = s.CollectionMethodSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        dataset = data.pop("dataset")
        self._check_dataset(dataset)
        serializer.instance = run_service(
            services.collection_method_save, dataset=dataset, user=self.request.user, data=data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("dataset", None)
        serializer.instance = run_service(
            services.collection_method_save, dataset=serializer.instance.dataset, user=self.request.user, data=data
        )


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    schema = DocumentedErrorsSchema()
    filter_backends = [FilterBackend]
    queryset = Organisation.objects.order_by("name", "pk")
    serializer_class = s.OrganisationSerializer
    pagination_class = Pagination
    lookup_field = "slug"
    lookup_value_regex = "[a-z0-9-]+"
    filterset_fields = ["kind", "requires_review"]


class CanManageMembership(permissions.BasePermission):
    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return access.can_manage_organisation(request.user, obj.organisation_id)


class MembershipViewSet(viewsets.ModelViewSet):
    """Members of the caller's organisations; admins of an organisation change them."""

    schema = DocumentedErrorsSchema()
    filter_backends = [FilterBackend]

    serializer_class = s.MembershipSerializer
    permission_classes = [permissions.IsAuthenticated, CanManageMembership]
    pagination_class = Pagination
    filterset_fields = ["organisation__slug", "role"]

    def get_queryset(self):
        queryset = Membership.objects.select_related("organisation", "user").order_by("organisation__name", "pk")
        user = self.request.user
        if user.is_superuser:
            return queryset
        return queryset.filter(Q(organisation_id__in=access.member_organisation_ids(user)))

    def create(self, request, *args, **kwargs):
        # Who may manage the organisation is decided before the user name is looked up, so
        # no one else learns from the answer whether an account exists.
        data = request.data if isinstance(request.data, dict) else {}
        organisation = Organisation.objects.filter(slug=str(data.get("organisation", ""))).first()
        if organisation is not None and not access.can_manage_organisation(request.user, organisation.pk):
            raise PermissionDenied("Only admins of this organisation may manage its members.")
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = run_service(
            services.membership_set,
            organisation=data["organisation"],
            user=self.request.user,
            member=data["user"],
            role=data["role"],
        )

    def perform_update(self, serializer):
        membership = serializer.instance
        if serializer.validated_data.get("organisation", membership.organisation) != membership.organisation or (
            serializer.validated_data.get("user", membership.user) != membership.user
        ):
            raise serializers.ValidationError("Change the role only; add a new membership for another person.")
        serializer.instance = run_service(
            services.membership_set,
            organisation=membership.organisation,
            user=self.request.user,
            member=membership.user,
            role=serializer.validated_data.get("role", membership.role),
        )

    def perform_destroy(self, instance):
        run_service(services.membership_remove, membership=instance, user=self.request.user)


class DerivationFilter(CatalogueFilterSet):
    derived = TolerantCharFilter(field_name="derived__slug", help_text="Slug of the derived dataset")
    source = TolerantCharFilter(field_name="source__slug", help_text="Slug of the source dataset")
    current = filters.BooleanFilter(field_name="valid_to", lookup_expr="isnull", help_text="Only derivations in force")


class DerivationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Derivations between datasets the caller may see. Creating one needs the right to change
    the derived dataset; DELETE ends it (the record stays, for "as of" questions)."""

    schema = DocumentedErrorsSchema()
    serializer_class = s.DerivationSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    pagination_class = PartsPagination
    filter_backends = [FilterBackend]
    filterset_class = DerivationFilter

    def get_queryset(self):
        queryset = Derivation.objects.select_related("derived", "source").order_by("pk")
        derived = access.visible_datasets_q(self.request.user, prefix="derived__")
        source = access.visible_datasets_q(self.request.user, prefix="source__")
        return queryset if derived is None else queryset.filter(derived).filter(source)

    def perform_create(self, serializer):
        data = serializer.validated_data  # both datasets were looked up among those the user may see
        if not access.can_edit_dataset(self.request.user, data["derived"]):
            raise PermissionDenied("You may not change the derived dataset.")
        serializer.instance = run_service(
            derivation_add,
            derived=data["derived"],
            source=data["source"],
            user=self.request.user,
            description=data.get("description", ""),
        )

    def perform_destroy(self, instance):
        if not access.can_edit_dataset(self.request.user, instance.derived):
            raise PermissionDenied("You may not change the derived dataset.")
        run_service(derivation_remove, derivation=instance, user=self.request.user)
