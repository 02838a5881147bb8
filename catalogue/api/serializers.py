"""REST API serializers: parse and present; the changes themselves are catalogue.services."""

import copy
import re

from django.db import models
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

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


# Fields whose to_representation reads nothing but the value (no request, no parent).
PLAIN_FIELDS = (
    serializers.CharField,
    serializers.IntegerField,
    serializers.FloatField,
    serializers.BooleanField,
    serializers.ChoiceField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.UUIDField,
)


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


# A stand-in slug: a link made for it once per page gives every dataset's link by substitution.
STAND_IN_SLUG = "stand-in-slug-0"
SLUG = re.compile(r"[a-z0-9-]+")


def _m2m_values(rows: list, relation: str, value_field: str) -> dict[int, list]:
    """row pk -> the ``value_field`` of its ``relation`` (a many-to-many), in the order its
    prefetch gives (the related model's ordering), in one query read as plain values."""
    field = rows[0]._meta.get_field(relation)
    target = field.m2m_reverse_field_name()
    ordering = [
        ("-" if term.startswith("-") else "") + f"{target}__{term.lstrip('-')}"
        for term in field.related_model._meta.ordering
    ]
    values: dict[int, list] = {row.pk: [] for row in rows}
    pairs = (
        field.remote_field.through.objects.filter(**{f"{field.m2m_field_name()}__in": list(values)})
        .order_by(*ordering)
        .values_list(f"{field.m2m_field_name()}_id", f"{target}__{value_field}")
    )
    for pk, value in pairs:
        values[pk].append(value)
    return values


class DatasetListSerializer(serializers.ListSerializer):
    """The dataset list: each dataset exactly as ``DatasetSerializer`` presents it alone
    (tests/catalogue/test_api_list_json.py compares the two), at a fraction of the cost.

    DRF's generic path runs its field machinery for each of 35 fields of each of 50 datasets,
    a ``reverse()`` for each of two links of each, and the keywords' and themes' prefetch
    builds two managers per dataset: about 20 ms of CPU a page. Here each field's value is
    read from the row and given to the same field's ``to_representation``, the links are
    made from one ``reverse()`` each per page (a dataset's slug substituted into the link of
    a stand-in), and the keywords and themes come as plain values in one query each. A field
    of a kind not listed here goes through DRF's own path, so a new field is never wrong."""

    _plan = None  # [(name, kind, field)], the same for every request: made once per process

    @classmethod
    def _plan_of(cls, serializer_class) -> list:
        if cls._plan is None:
            plan = []
            for name, field in serializer_class().fields.items():
                if field.write_only:
                    continue
                if isinstance(field, serializers.HyperlinkedIdentityField) and field.lookup_field == "slug":
                    kind = "link"
                elif field.source == "get_absolute_url":
                    kind = "page"
                elif isinstance(field, KeywordsField):
                    kind = "keywords"
                elif isinstance(field, serializers.ManyRelatedField) and isinstance(
                    field.child_relation, serializers.SlugRelatedField
                ):
                    kind = "many_slugs"
                elif isinstance(field, serializers.SlugRelatedField) and "." not in field.source:
                    kind = "slug"
                elif isinstance(field, serializers.SerializerMethodField):
                    kind = "method"
                elif isinstance(field, PLAIN_FIELDS) and "." not in field.source and field.source != "*":
                    kind = "plain"
                else:
                    kind = "drf"
                plan.append((name, kind, field))
            cls._plan = plan
        return cls._plan

    def to_representation(self, data):
        rows = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        if not rows:
            return []
        getters = [
            (name, self._getter(name, kind, field, rows)) for name, kind, field in self._plan_of(type(self.child))
        ]
        return [{name: value for name, get in getters if (value := get(row)) is not SKIPPED} for row in rows]

    def _getter(self, name: str, kind: str, field: serializers.Field, rows: list):
        """How to read this field of a row of this page: a function of the row."""
        if kind == "plain":
            source, present = field.source, field.to_representation

            def plain(row):
                value = getattr(row, source)
                if callable(value):  # as DRF's get_attribute: a method named as the source is called
                    value = value()
                return None if value is None else present(value)

            return plain
        if kind == "slug":
            source, slug_field = field.source, field.slug_field

            def slug(row):
                related = getattr(row, source)
                return None if related is None else getattr(related, slug_field)

            return slug
        if kind in ("keywords", "many_slugs"):
            values = _m2m_values(rows, field.source, "name" if kind == "keywords" else field.child_relation.slug_field)
            return lambda row: values[row.pk]
        if kind == "method":
            return getattr(self.child, field.method_name)
        if kind == "link":
            bound = copy.deepcopy(field)
            bound.bind(name, self.child)
            halves = _halves(str(bound.to_representation(type(rows[0])(pk=rows[0].pk, slug=STAND_IN_SLUG))))
            return _substituted(halves, bound.to_representation)
        if kind == "page":
            halves = _halves(type(rows[0])(slug=STAND_IN_SLUG).get_absolute_url())
            return _substituted(halves, lambda row: row.get_absolute_url())
        bound = self.child.fields[name]
        return lambda row: _drf_field(bound, row)


def _halves(link: str) -> tuple[str, str] | None:
    """The text before and after the stand-in slug in a link made for it (None: not there once)."""
    before, found, after = link.partition(STAND_IN_SLUG)
    return (before, after) if found and STAND_IN_SLUG not in after else None


def _substituted(halves: tuple[str, str] | None, make):
    """A row's link: its slug between the halves of the stand-in's (``make`` it otherwise)."""
    if halves is None:
        return make
    before, after = halves

    def link(row):
        slug = row.slug
        return before + slug + after if SLUG.fullmatch(slug) else make(row)

    return link


SKIPPED = object()  # a field DRF leaves out of this row (SkipField)


def _drf_field(field: serializers.Field, row):
    """One field of one row as DRF's Serializer.to_representation gives it."""
    try:
        attribute = field.get_attribute(row)
    except SkipField:
        return SKIPPED
    check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    return None if check is None else field.to_representation(attribute)


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
        list_serializer_class = DatasetListSerializer

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
