from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from catalogue.admin_writes import RecordsDerivedWork
from provenance.models import (
    Activity,
    Agent,
    DatasetAlias,
    Derivation,
    FieldDerivation,
    OpenLineageEvent,
)
from provenance.openlineage import openlineage_event_apply


@admin.register(Agent)
class AgentAdmin(RecordsDerivedWork, admin.ModelAdmin):
    list_display = ["name", "kind", "organisation", "email"]
    list_filter = ["kind", "organisation"]
    search_fields = ["name", "email", "uri"]
    list_select_related = ["organisation"]


class DerivationInline(admin.TabularInline):
    model = Derivation
    extra = 0
    fk_name = "activity"
    autocomplete_fields = ["derived", "source"]
    fields = ["derived", "source", "valid_from", "valid_to"]


@admin.register(Activity)
class ActivityAdmin(RecordsDerivedWork, SimpleHistoryAdmin):
    list_display = ["name", "kind", "agent", "started_at", "ended_at"]
    list_filter = ["kind"]
    search_fields = ["name", "description", "code_reference"]
    list_select_related = ["agent"]
    autocomplete_fields = ["agent"]
    inlines = [DerivationInline]


@admin.register(Derivation)
class DerivationAdmin(RecordsDerivedWork, SimpleHistoryAdmin):
    list_display = ["derived", "source", "activity", "valid_from", "valid_to"]
    list_filter = ["valid_to"]
    search_fields = ["derived__title", "source__title", "activity__name"]
    list_select_related = ["derived", "source", "activity"]
    autocomplete_fields = ["derived", "source", "activity"]


@admin.register(FieldDerivation)
class FieldDerivationAdmin(SimpleHistoryAdmin):
    list_display = ["derived", "source", "kind", "valid_from", "valid_to"]
    list_filter = ["kind", "valid_to"]
    search_fields = ["derived__name", "source__name", "derived__dataset__title", "source__dataset__title"]
    list_select_related = ["derived__dataset", "source__dataset"]
    raw_id_fields = ["derived", "source", "activity"]


@admin.register(DatasetAlias)
class DatasetAliasAdmin(admin.ModelAdmin):
    list_display = ["namespace", "name", "dataset", "is_stub", "created_at"]
    list_filter = ["is_stub"]
    search_fields = ["namespace", "name", "dataset__title"]
    list_select_related = ["dataset"]
    autocomplete_fields = ["dataset"]


class FailedFilter(admin.SimpleListFilter):
    title = "failed"
    parameter_name = "failed"

    def lookups(self, request, model_admin):
        return [("yes", "Failed"), ("no", "Not failed")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(failed_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(failed_at__isnull=True)
        return queryset


@admin.register(OpenLineageEvent)
class OpenLineageEventAdmin(admin.ModelAdmin):
    """Raw events as received; read-only, except asking for one to be applied again."""

    list_display = [
        "received_at",
        "kind",
        "event_type",
        "job_namespace",
        "job_name",
        "processed_at",
        "has_problems",
        "failed_at",
    ]
    list_filter = [FailedFilter, "kind", "event_type", "processed_at"]
    search_fields = ["job_namespace", "job_name", "run_id"]
    # The event time is shown as sent (from the payload): a time stored before eventTime was
    # bounded (year 10000) cannot be read back by the database driver, and must not stop the page.
    readonly_fields = [f.name for f in OpenLineageEvent._meta.fields if f.name != "event_time"] + ["sent_event_time"]
    exclude = ["event_time"]
    actions = ["apply_again"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("event_time")

    @admin.display(boolean=True, description="problems")
    def has_problems(self, event):
        return bool(event.problems)

    @admin.display(description="event time (as sent)")
    def sent_event_time(self, event):
        return str((event.payload or {}).get("eventTime", "")) if isinstance(event.payload, dict) else ""

    def has_add_permission(self, request):
        return False

    @admin.action(description="Apply the selected events again (idempotent; failed ones too)")
    def apply_again(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        OpenLineageEvent.objects.filter(pk__in=ids).update(processed_at=None, failed_at=None, error="")
        for event_id in ids:
            openlineage_event_apply(event_id=event_id)
        failed = OpenLineageEvent.objects.filter(pk__in=ids, failed_at__isnull=False).count()
        self.message_user(request, f"Applied {len(ids) - failed} event(s) again; {failed} failed again.")
