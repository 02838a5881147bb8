"""Agreements in the admin: read for site administrators; changes go through the parties' pages
(catalogue.sharing.services), so every step is approved and kept in the history."""

from django.contrib import admin

from catalogue.sharing.models import AgreementDataItem, AgreementEvent, SharingAgreement


class DataItemInline(admin.TabularInline):
    model = AgreementDataItem
    extra = 0
    can_delete = False
    readonly_fields = ("dataset", "field_name", "field_title", "position")


class EventInline(admin.TabularInline):
    model = AgreementEvent
    extra = 0
    can_delete = False
    readonly_fields = ("action", "at", "user", "organisation", "reason", "changes")


@admin.register(SharingAgreement)
class SharingAgreementAdmin(admin.ModelAdmin):
    list_display = ("name", "provider", "recipient", "status", "start_date", "end_date", "published")
    list_filter = ("status", "published", "legal_gateway", "lawful_basis")
    search_fields = ("name", "purpose")
    inlines = [DataItemInline, EventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
