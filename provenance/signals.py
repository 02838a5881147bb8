"""Every derivation change, from a service, the admin or a script, records a lineage rebuild request."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from provenance.lineage import lineage_request_sync
from provenance.models import Derivation


@receiver(pre_save, sender=Derivation)
def _remember_previous_pair(sender, instance: Derivation, **kwargs):
    instance._lineage_previous = None
    if instance.pk:
        instance._lineage_previous = (
            Derivation.objects.filter(pk=instance.pk).values_list("source_id", "derived_id", "valid_to").first()
        )


@receiver(post_save, sender=Derivation)
def _derivation_saved(sender, instance: Derivation, created: bool, **kwargs):
    previous = getattr(instance, "_lineage_previous", None)
    if previous is not None:
        old_source, old_derived, old_valid_to = previous
        if (old_source, old_derived) != (instance.source_id, instance.derived_id):
            lineage_request_sync(old_source, old_derived)
        elif old_valid_to == instance.valid_to:
            return  # a change of description or activity does not move the graph
    lineage_request_sync(instance.source_id, instance.derived_id)


@receiver(post_delete, sender=Derivation)
def _derivation_deleted(sender, instance: Derivation, **kwargs):
    lineage_request_sync(instance.source_id, instance.derived_id)
