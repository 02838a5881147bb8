"""Ask for a dataset's quality score (and link checks) to be redone whenever it or a part changes."""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from catalogue.models import CollectionMethod, Dataset, Distribution, Field, QualityMeasurement, ValidationCheck
from catalogue.quality.tasks import link_check_distribution, quality_request
from config.celery import task_send_quietly
from provenance.models import Derivation

PARTS = (Distribution, Field, CollectionMethod, ValidationCheck, QualityMeasurement)


@receiver(post_save, sender=Dataset)
def _dataset_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        quality_request([instance.pk])


@receiver(m2m_changed, sender=Dataset.keywords.through)
@receiver(m2m_changed, sender=Dataset.themes.through)
def _dataset_terms_changed(sender, instance, action, reverse=False, **kwargs):
    if action.startswith("post_") and not reverse and isinstance(instance, Dataset):
        quality_request([instance.pk])


def _part_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        quality_request([instance.dataset_id])


for _model in PARTS:
    post_save.connect(_part_changed, sender=_model, dispatch_uid=f"quality-{_model.__name__}-save")
    post_delete.connect(_part_changed, sender=_model, dispatch_uid=f"quality-{_model.__name__}-delete")


@receiver(post_save, sender=Distribution)
def _distribution_links_changed(sender, instance, created, raw=False, **kwargs):
    if raw or not settings.PROVCAT_LINK_CHECKS:
        return
    checked = {c.kind: c.url for c in instance.link_checks.all()}
    if checked.get("access") != instance.access_url or checked.get("download", "") != instance.download_url:
        pk = instance.pk
        transaction.on_commit(lambda: task_send_quietly(link_check_distribution, pk))


def _derivation_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        quality_request([instance.derived_id])


post_save.connect(_derivation_changed, sender=Derivation, dispatch_uid="quality-derivation-save")
post_delete.connect(_derivation_changed, sender=Derivation, dispatch_uid="quality-derivation-delete")
