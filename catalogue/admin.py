from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from catalogue.admin_writes import RecordsDerivedWork
from catalogue.models import (
    CollectionMethod,
    Dataset,
    DerivedWork,
    Distribution,
    Field,
    Keyword,
    Membership,
    Organisation,
    QualityMeasurement,
    ValidationCheck,
    VocabularyTerm,
)


@admin.register(VocabularyTerm)
class VocabularyTermAdmin(admin.ModelAdmin):
    list_display = ["label", "scheme", "code", "uri"]
    list_filter = ["scheme", "machine_readable", "non_proprietary", "is_open"]
    search_fields = ["label", "code", "uri"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(RecordsDerivedWork, SimpleHistoryAdmin):
    list_display = ["name", "abbreviation", "kind", "requires_review"]
    list_filter = ["kind", "requires_review"]
    search_fields = ["name", "abbreviation", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__username", "user__email", "organisation__name"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(Keyword)
class KeywordAdmin(RecordsDerivedWork, admin.ModelAdmin):
    search_fields = ["name"]


class DistributionInline(admin.StackedInline):
    model = Distribution
    extra = 0
    fields = [
        "title",
        "access_url",
        "download_url",
        ("format", "media_type"),
        ("byte_size", "checksum_algorithm", "checksum"),
        "licence",
        "rights",
        "conforms_to",
        "availability",
        ("issued", "modified"),
        "position",
    ]


class FieldInline(admin.TabularInline):
    model = Field
    extra = 0
    fields = ["position", "name", "title", "datatype", "unit", "required", "definition"]


class CollectionMethodInline(admin.StackedInline):
    model = CollectionMethod
    extra = 0


class ValidationCheckInline(admin.TabularInline):
    model = ValidationCheck
    extra = 0
    fields = ["name", "outcome", "run_at", "run_by", "records_checked", "records_failed"]


class QualityMeasurementInline(admin.TabularInline):
    model = QualityMeasurement
    extra = 0
    fields = ["dimension", "metric", "value", "unit", "measured_at"]


@admin.register(Dataset)
class DatasetAdmin(RecordsDerivedWork, SimpleHistoryAdmin):
    list_display = ["title", "publisher", "status", "access_rights", "quality_score", "updated_at"]
    list_filter = ["status", "access_rights", "publisher", "themes", "frequency", "licence"]
    search_fields = ["title", "slug", "uri", "description", "keywords__name"]
    list_select_related = ["publisher"]
    autocomplete_fields = ["keywords", "publisher"]
    filter_horizontal = ["themes"]
    readonly_fields = ["uuid", "quality_score", "quality_band", "created_at", "updated_at", "published_at"]
    date_hierarchy = "updated_at"
    inlines = [
        DistributionInline,
        FieldInline,
        CollectionMethodInline,
        ValidationCheckInline,
        QualityMeasurementInline,
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "uri", "uuid", "description", "publisher", "status"]}),
        ("Discovery", {"fields": ["keywords", "themes", "language", "landing_page"]}),
        ("Contact", {"fields": ["contact_name", "contact_email"]}),
        ("Use", {"fields": ["licence", "access_rights", "conforms_to"]}),
        (
            "Coverage",
            {"fields": [("temporal_start", "temporal_end"), ("spatial_uri", "spatial_label"), "frequency"]},
        ),
        ("Versions and dates", {"fields": ["version", "version_notes", "issued", "modified", "published_at"]}),
        ("Withdrawal", {"fields": ["withdrawn_at", "withdrawn_reason"], "classes": ["collapse"]}),
        ("Quality", {"fields": ["quality_score", "quality_band", "created_at", "updated_at"]}),
    ]


@admin.register(Distribution)
class DistributionAdmin(RecordsDerivedWork, SimpleHistoryAdmin):
    list_display = ["__str__", "dataset", "format", "byte_size"]
    list_filter = ["format", "media_type", "licence"]
    search_fields = ["title", "access_url", "download_url", "dataset__title"]
    list_select_related = ["dataset", "format"]
    autocomplete_fields = ["dataset"]


@admin.register(Field)
class FieldAdmin(RecordsDerivedWork, SimpleHistoryAdmin):
    list_display = ["name", "title", "datatype", "required", "dataset"]
    list_filter = ["datatype", "required"]
    search_fields = ["name", "title", "definition", "dataset__title"]
    list_select_related = ["dataset"]
    autocomplete_fields = ["dataset"]


@admin.register(CollectionMethod)
class CollectionMethodAdmin(RecordsDerivedWork, SimpleHistoryAdmin):
    list_display = ["dataset", "method_type", "period_start", "period_end"]
    list_filter = ["method_type"]
    search_fields = ["dataset__title", "description", "population"]
    list_select_related = ["dataset"]
    autocomplete_fields = ["dataset"]


@admin.register(ValidationCheck)
class ValidationCheckAdmin(RecordsDerivedWork, SimpleHistoryAdmin):
    list_display = ["name", "dataset", "outcome", "run_at", "run_by"]
    list_filter = ["outcome", "run_at"]
    search_fields = ["name", "rule", "dataset__title"]
    list_select_related = ["dataset"]
    autocomplete_fields = ["dataset"]


@admin.register(QualityMeasurement)
class QualityMeasurementAdmin(RecordsDerivedWork, SimpleHistoryAdmin):
    list_display = ["metric", "dimension", "value", "unit", "dataset", "measured_at"]
    list_filter = ["dimension"]
    search_fields = ["metric", "dataset__title"]
    list_select_related = ["dataset"]
    autocomplete_fields = ["dataset", "distribution"]


@admin.register(DerivedWork)
class DerivedWorkAdmin(admin.ModelAdmin):
    """The outbox, read-only: derived work recorded by changes and not yet drained."""

    list_display = ["id", "kind", "source_id", "target_id", "requested_at"]
    list_filter = ["kind"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
