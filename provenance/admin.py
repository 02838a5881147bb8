from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from provenance.models import Activity, Agent, Derivation


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organisation", "email"]
    list_filter = ["kind", "organisation"]
    search_fields = ["name", "email", "uri"]


class DerivationInline(admin.TabularInline):
    model = Derivation
    extra = 0
    fk_name = "activity"
    autocomplete_fields = ["derived", "source"]
    fields = ["derived", "source", "valid_from", "valid_to"]


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "agent", "started_at", "ended_at"]
    list_filter = ["kind"]
    search_fields = ["name", "description", "code_reference"]
    autocomplete_fields = ["agent"]
    inlines = [DerivationInline]


@admin.register(Derivation)
class DerivationAdmin(SimpleHistoryAdmin):
    list_display = ["derived", "source", "activity", "valid_from", "valid_to"]
    list_filter = ["valid_to"]
    search_fields = ["derived__title", "source__title", "activity__name"]
    list_select_related = ["derived", "source", "activity"]
    autocomplete_fields = ["derived", "source", "activity"]
