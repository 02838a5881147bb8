"""REST API serializers: parse and present; the changes themselves are catalogue.services."""

from django.db import models
from rest_framework import serializers

from catalogue.access import visible_datasets, visible_datasets_q
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
from catalogue.services import MEMBER_NOT_FOUND, addable_members
from provenance.models import Derivation


class OptionalURLField(serializers.URLField):
    """A URL that may be missing: shown as null rather than "" (which is not a URI), and
    accepted as null, "" or a URL."""

    def validate_empty_values(self, data):
        if data is None and self.allow_null:
            return True, ""
        return super().validate_empty_values(data)

    def to_representation(self, value):
        return value or None


class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.URLField: OptionalURLField,
    }

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, models.URLField) and model_field.blank:
            kwargs["allow_null"] = True
        return field_class, kwargs


class VocabularyField(serializers.SlugRelatedField):
    """A vocabulary term given by its code, e.g. "CSV" or "OGL_3_0"."""

    def __init__(self, scheme: str, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(slug_field="code", queryset=VocabularyTerm.objects.filter(scheme=scheme), **kwargs)


def _requesting_user(field: serializers.Field):
    request = field.context.get("request")
    return getattr(request, "user", None)


class VisibleDatasetField(serializers.SlugRelatedField):
    """A dataset named by its slug, looked up among those the requesting user may see, so a
    dataset they may not see answers exactly as a slug that does not exist."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", queryset=Dataset.objects.all(), **kwargs)

    def get_queryset(self):
        return visible_datasets(_requesting_user(self), super().get_queryset())


class VisibleDistributionField(serializers.PrimaryKeyRelatedField):
    """A distribution by id, among those of datasets the requesting user may see."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Distribution.objects.all(), **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        condition = visible_datasets_q(_requesting_user(self), prefix="dataset__")
        return queryset if condition is None else queryset.filter(condition)


class KeywordsField(serializers.ListField):
    child = serializers.CharField(max_length=100)

    def to_representation(self, data):
        return [keyword.name for keyword in data.all()]


class DatasetSerializer(ModelSerializer):
    publisher = serializers.SlugRelatedField(slug_field="slug", queryset=Organisation.objects.all())
    keywords = KeywordsField(required=False)
    themes = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        required=False,
        queryset=VocabularyTerm.objects.filter(scheme=VocabularyTerm.Scheme.THEME),
    )
    licence = VocabularyField(VocabularyTerm.Scheme.LICENCE)
    frequency = VocabularyField(VocabularyTerm.Scheme.FREQUENCY)
    language = VocabularyField(VocabularyTerm.Scheme.LANGUAGE)
    url = serializers.HyperlinkedIdentityField(view_name="api:dataset-detail", lookup_field="slug")
    page = serializers.CharField(source="get_absolute_url", read_only=True)
    awaiting_review = serializers.SerializerMethodField()
    quality_score = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Metadata-quality points out of 405 by the data.europa.eu MQA method (findability 100, "
        "accessibility 100, interoperability 110, reusability 75, contextuality 20); null until first scored. "
        "Provcat's own dimension (definitions, collection method, recent checks, lineage; out of 100) is kept "
        "apart, on the dataset page.",
    )
    quality_band = serializers.CharField(
        read_only=True, help_text="excellent (351+), good (221+), sufficient (121+) or bad; empty until scored."
    )

    class Meta:
        model = Dataset
        fields = [
            "url",
            "page",
            "slug",
            "uri",
            "publisher",
            "keywords",
            "themes",
            *Dataset.DESCRIPTION_FIELDS,
            "status",
            "awaiting_review",
            "published_at",
            "withdrawn_at",
            "withdrawn_reason",
            "quality_score",
            "quality_band",
            "revision",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "slug",
            "uri",
            "status",
            "published_at",
            "withdrawn_at",
            "withdrawn_reason",
            "quality_score",
            "quality_band",
            "revision",
            "created_at",
            "updated_at",
        ]

    def get_awaiting_review(self, dataset) -> bool:
        return dataset.review_requested_by_id is not None

    def validate(self, attrs):
        if self.instance is not None and "publisher" in attrs and attrs["publisher"] != self.instance.publisher:
            raise serializers.ValidationError({"publisher": "A dataset cannot move to another organisation."})
        return attrs


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the dataset is withdrawn; readers see this notice.")


class RestoreSerializer(serializers.Serializer):
    history_id = serializers.IntegerField(help_text="The version to restore, from the dataset's history.")


class HistoryEntrySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    history_type = serializers.CharField()
    history_user = serializers.CharField(allow_null=True, source="history_user.username", default=None)
    history_change_reason = serializers.CharField(allow_null=True)
    revision = serializers.IntegerField()
    status = serializers.CharField()
    title = serializers.CharField()


class DatasetPartSerializer(ModelSerializer):
    """Common to the parts of a dataset: the dataset is named by its slug and fixed once set."""

    dataset = VisibleDatasetField()

    def validate_dataset(self, dataset):
        if self.instance is not None and dataset.pk != self.instance.dataset_id:
            raise serializers.ValidationError("A part cannot move to another dataset.")
        return dataset


class DistributionSerializer(DatasetPartSerializer):
    format = VocabularyField(VocabularyTerm.Scheme.FILE_TYPE)
    media_type = VocabularyField(VocabularyTerm.Scheme.MEDIA_TYPE)
    licence = VocabularyField(VocabularyTerm.Scheme.LICENCE)

    class Meta:
        model = Distribution
        fields = [
            "id",
            "uri",
            "dataset",
            "title",
            "description",
            "access_url",
            "download_url",
            "format",
            "media_type",
            "byte_size",
            "checksum",
            "checksum_algorithm",
            "licence",
            "rights",
            "conforms_to",
            "availability",
            "issued",
            "modified",
            "position",
        ]
        read_only_fields = ["uri"]


class FieldSerializer(DatasetPartSerializer):
    class Meta:
        model = Field
        fields = [
            "id",
            "dataset",
            "position",
            "name",
            "title",
            "definition",
            "datatype",
            "unit",
            "required",
            "constraints",
            "concept_uri",
            "code_list_uri",
        ]
        # The (dataset, name) uniqueness is checked by the model's full_clean in the service.
        validators = []


class CollectionMethodSerializer(DatasetPartSerializer):
    class Meta:
        model = CollectionMethod
        fields = [
            "id",
            "dataset",
            "method_type",
            "description",
            "population",
            "sample_size",
            "period_start",
            "period_end",
            "source_systems",
        ]
        validators = []


class ValidationCheckSerializer(DatasetPartSerializer):
    class Meta:
        model = ValidationCheck
        fields = [
            "id",
            "dataset",
            "name",
            "rule",
            "run_at",
            "run_by",
            "outcome",
            "records_checked",
            "records_failed",
            "notes",
        ]


class QualityMeasurementSerializer(DatasetPartSerializer):
    distribution = VisibleDistributionField(required=False, allow_null=True)

    class Meta:
        model = QualityMeasurement
        fields = ["id", "dataset", "distribution", "dimension", "metric", "value", "unit", "measured_at", "notes"]


class OrganisationSerializer(ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:organisation-detail", lookup_field="slug")

    class Meta:
        model = Organisation
        fields = ["url", "slug", "uri", "name", "abbreviation", "kind", "description", "homepage", "requires_review"]
        read_only_fields = fields


class MemberField(serializers.SlugRelatedField):
    """A person by user name, among those who can be added (services.addable_members): an
    unknown name and an account that cannot be added get the same answer."""

    default_error_messages = {"does_not_exist": MEMBER_NOT_FOUND, "invalid": MEMBER_NOT_FOUND}

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", **kwargs)

    def get_queryset(self):
        return addable_members()


class MembershipSerializer(ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", queryset=Organisation.objects.all())
    user = MemberField()

    class Meta:
        model = Membership
        fields = ["id", "organisation", "user", "role", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"role": {"required": True}}
        validators = []


class DerivationSerializer(serializers.ModelSerializer):
    """The derived dataset is made from the source dataset (recorded by provenance.services)."""

    derived = VisibleDatasetField()
    source = VisibleDatasetField()

    class Meta:
        model = Derivation
        fields = ["id", "derived", "source", "description", "valid_from", "valid_to", "created_at"]
        read_only_fields = ["valid_from", "valid_to", "created_at"]
        validators = []
