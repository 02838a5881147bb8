"""The admin writes like every other writer: each save or delete made through a ModelAdmin
reports to catalogue.services, which records the derived work it sets off in the outbox."""

from catalogue import services
from provenance.models import Derivation


class RecordsDerivedWork:
    """ModelAdmin mixin: saves and deletes record their derived work (search entries, stored
    records, scores, link checks, the lineage closure) in the admin's own transaction."""

    def save_model(self, request, obj, form, change):
        previous = None
        if change and isinstance(obj, Derivation):
            previous = Derivation.objects.filter(pk=obj.pk).values_list("source_id", "derived_id").first()
        obj._history_user = request.user
        super().save_model(request, obj, form, change)
        obj._provcat_previous_pair = previous

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the inlines and many-to-many fields, so the work sees the whole change.
        services.admin_saved(form.instance, previous_pair=getattr(form.instance, "_provcat_previous_pair", None))
        for formset in formsets:
            changed = [obj for obj, _ in formset.changed_objects]
            for obj in [*formset.new_objects, *changed, *formset.deleted_objects]:
                services.admin_saved(obj)

    def delete_model(self, request, obj):
        services.admin_deleted(obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.admin_deleted(obj, user=request.user)
