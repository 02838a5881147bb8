"""Harvesting in the Django admin: sources change through the harvest services like
everywhere else; jobs, their record errors and harvested origins are read-only records."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from catalogue.harvest import services
from catalogue.harvest.models import HarvestedDataset, HarvestJob, HarvestRecordError, HarvestSource


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that only harvests write: listed and shown, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HarvestSource)
class HarvestSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "kind", "url", "schedule", "enabled"]
    list_filter = ["kind", "schedule", "enabled", "organisation"]
    search_fields = ["name", "url", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    fields = [
        "organisation",
        "name",
        "url",
        "kind",
        "rdf_format",
        "schedule",
        "enabled",
        "allow_private_addresses",
        "description",
        *readonly_fields,
    ]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        data = {name: form.cleaned_data[name] for name in services.SOURCE_FIELDS if name in form.cleaned_data}
        data["allow_private_addresses"] = form.cleaned_data.get("allow_private_addresses", False)
        services.source_save(user=request.user, organisation=obj.organisation, data=data, source=obj)

    def has_delete_permission(self, request, obj=None):
        # A source that brought datasets in stays (they name it as their origin): disable it.
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.datasets.exists())

    def delete_model(self, request, obj):
        services.source_delete(user=request.user, source=obj)

    def delete_queryset(self, request, queryset):
        for source in queryset:
            try:
                services.source_delete(user=request.user, source=source)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(
                    request, f"{source}: {' '.join(getattr(exc, 'messages', [str(exc)]))}", messages.ERROR
                )


@admin.register(HarvestJob)
class HarvestJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "source", "status", "trigger", "created_at", "finished_at", "created", "updated", "failed"]
    list_filter = ["status", "source__organisation"]
    search_fields = ["source__name", "source__url", "error"]
    list_select_related = ["source"]


@admin.register(HarvestRecordError)
class HarvestRecordErrorAdmin(ReadOnlyAdmin):
    list_display = ["identifier", "reason", "job"]
    search_fields = ["identifier", "reason"]
    list_select_related = ["job__source"]


@admin.register(HarvestedDataset)
class HarvestedDatasetAdmin(ReadOnlyAdmin):
    list_display = ["dataset", "source", "identifier", "last_harvested_at", "withdrawn_by_harvest", "detached_at"]
    list_filter = ["source", "withdrawn_by_harvest"]
    search_fields = ["identifier", "original_uri", "dataset__title"]
    list_select_related = ["dataset", "source"]
