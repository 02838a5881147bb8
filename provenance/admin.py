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


@admin.register(OpenLineageEvent)
class OpenLineageEventAdmin(admin.ModelAdmin):
    """Raw events as received; read-only, except asking for one to be applied again."""

    list_display = ["received_at", "kind", "event_type", "job_namespace", "job_name", "processed_at", "has_problems"]
    list_filter = ["kind", "event_type", "processed_at"]
    search_fields = ["job_namespace", "job_name", "run_id"]
    readonly_fields = [f.name for f in OpenLineageEvent._meta.fields]
    actions = ["apply_again"]

    @admin.display(boolean=True, description="problems")
    def has_problems(self, event):
        return bool(event.problems)

    def has_add_permission(self, request):
        return False

    @admin.action(description="Apply the selected events again (idempotent)")
    def apply_again(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        OpenLineageEvent.objects.filter(pk__in=ids).update(processed_at=None)
        for event_id in ids:
            openlineage_event_apply(event_id=event_id)
        self.message_user(request, f"Applied {len(ids)} event(s) again.")
