"""Read-only admin views of the glossary: writes go through catalogue.glossary.services
(the publisher's pages, the API and the imports), which keep versions and re-index."""

from django.contrib import admin

from catalogue.glossary.models import Concept, ConceptLink, ConceptScheme, ConceptVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConceptScheme)
class ConceptSchemeAdmin(ReadOnlyAdmin):
    list_display = ("title", "organisation", "status", "updated_at")
    list_select_related = ("organisation",)
    list_filter = ("status", "organisation")
    search_fields = ("title", "uri")


@admin.register(Concept)
class ConceptAdmin(ReadOnlyAdmin):
    list_display = ("pref_label", "scheme", "version", "updated_at")
    list_select_related = ("scheme",)
    list_filter = ("scheme",)
    search_fields = ("pref_label", "uri", "definition")


@admin.register(ConceptLink)
class ConceptLinkAdmin(ReadOnlyAdmin):
    list_display = ("concept", "kind", "target_uri")
    list_select_related = ("concept",)


@admin.register(ConceptVersion)
class ConceptVersionAdmin(ReadOnlyAdmin):
    list_display = ("concept", "version", "changed_at", "changed_by")
    list_select_related = ("concept", "changed_by")
