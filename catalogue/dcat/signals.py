"""Ask for an RDF refresh whenever a record, or anything its RDF shows, changes.

Handlers run inside the saving transaction, so the refresh request commits (or rolls
back) with the change. Writes that bypass signals (queryset.update(), bulk_create) must
call catalogue.dcat.records.request_refresh themselves.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from catalogue.dcat.records import request_refresh
from catalogue.models import (
    CollectionMethod,
    Dataset,
    Distribution,
    Field,
    Keyword,
    Organisation,
    QualityMeasurement,
    ValidationCheck,
)
from provenance.models import Activity, Agent, Derivation


def _downstream_ids(dataset_ids) -> list[int]:
    # A derived dataset names its source only while the source is catalogued.
    return list(
        Derivation.objects.current().filter(source_id__in=list(dataset_ids)).values_list("derived_id", flat=True)
    )


@receiver([post_save, post_delete], sender=Dataset, dispatch_uid="rdf_dataset")
def _dataset_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    request_refresh([instance.pk, *_downstream_ids([instance.pk])])


@receiver([post_save, post_delete], sender=Distribution, dispatch_uid="rdf_distribution")
@receiver([post_save, post_delete], sender=Field, dispatch_uid="rdf_field")
@receiver([post_save, post_delete], sender=CollectionMethod, dispatch_uid="rdf_collection_method")
@receiver([post_save, post_delete], sender=ValidationCheck, dispatch_uid="rdf_validation_check")
@receiver([post_save, post_delete], sender=QualityMeasurement, dispatch_uid="rdf_quality_measurement")
def _part_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    request_refresh([instance.dataset_id])


@receiver([post_save, post_delete], sender=Derivation, dispatch_uid="rdf_derivation")
def _derivation_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    request_refresh([instance.derived_id])


@receiver(post_save, sender=Organisation, dispatch_uid="rdf_organisation")
def _organisation_changed(sender, instance, raw=False, created=False, **kwargs):
    if raw or created:
        return
    request_refresh(Dataset.objects.filter(publisher=instance).values_list("pk", flat=True))


@receiver(post_save, sender=Keyword, dispatch_uid="rdf_keyword")
def _keyword_changed(sender, instance, raw=False, created=False, **kwargs):
    if raw or created:
        return
    request_refresh(instance.datasets.values_list("pk", flat=True))


@receiver(post_save, sender=Activity, dispatch_uid="rdf_activity")
def _activity_changed(sender, instance, raw=False, created=False, **kwargs):
    if raw or created:
        return
    request_refresh(_datasets_showing_activities([instance.pk]))


@receiver(post_save, sender=Agent, dispatch_uid="rdf_agent")
def _agent_changed(sender, instance, raw=False, created=False, **kwargs):
    if raw or created:
        return
    request_refresh(_datasets_showing_activities(instance.activities.values_list("pk", flat=True)))


def _datasets_showing_activities(activity_ids) -> set[int]:
    activity_ids = list(activity_ids)
    ids = set(Derivation.objects.current().filter(activity_id__in=activity_ids).values_list("derived_id", flat=True))
    ids |= set(ValidationCheck.objects.filter(activity_id__in=activity_ids).values_list("dataset_id", flat=True))
    return ids


@receiver(m2m_changed, sender=Dataset.keywords.through, dispatch_uid="rdf_dataset_keywords")
@receiver(m2m_changed, sender=Dataset.themes.through, dispatch_uid="rdf_dataset_themes")
def _dataset_terms_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            request_refresh([instance.pk])
    elif action in ("post_add", "post_remove"):
        request_refresh(pk_set or [])
    elif action == "pre_clear":
        # A keyword or theme is about to lose all its datasets: note them while they are known.
        other = next(f.name for f in sender._meta.fields if f.is_relation and f.name != "dataset")
        request_refresh(sender.objects.filter(**{other: instance}).values_list("dataset_id", flat=True))
