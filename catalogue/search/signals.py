"""Keep the search index current on every ordinary write (connected in CatalogueConfig.ready).

The entry is rewritten inside the writer's transaction, so a search never sees a dataset
the database no longer agrees with. Writes that bypass signals (queryset.update(),
bulk_create) are picked up by the ``catalogue.search_index_sweep`` periodic task or by
``manage.py search_reindex``.
"""

import threading

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from catalogue.models import Dataset, Distribution, Field, QualityAssessment, ValidationCheck
from catalogue.search.index import descendant_ids, search_forget_dataset, search_index_datasets
from provenance.models import Derivation

# Datasets being deleted right now: their parts' post_delete signals must not re-create an entry.
_deleting = threading.local()


def _being_deleted() -> set:
    if not hasattr(_deleting, "ids"):
        _deleting.ids = set()
    return _deleting.ids


def _reindex(*dataset_ids) -> None:
    ids = [i for i in dataset_ids if i is not None and i not in _being_deleted()]
    if ids:
        search_index_datasets(ids)


@receiver(post_save, sender=Dataset, dispatch_uid="search_dataset_saved")
def dataset_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _reindex(instance.pk)


@receiver(pre_delete, sender=Dataset, dispatch_uid="search_dataset_deleting")
def dataset_deleting(sender, instance, **kwargs):
    _being_deleted().add(instance.pk)
    search_forget_dataset(instance.pk)


@receiver(post_delete, sender=Dataset, dispatch_uid="search_dataset_deleted")
def dataset_deleted(sender, instance, **kwargs):
    _being_deleted().discard(instance.pk)


@receiver(post_save, sender=Distribution, dispatch_uid="search_distribution_saved")
@receiver(post_delete, sender=Distribution, dispatch_uid="search_distribution_deleted")
@receiver(post_save, sender=Field, dispatch_uid="search_field_saved")
@receiver(post_delete, sender=Field, dispatch_uid="search_field_deleted")
def dataset_part_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _reindex(instance.dataset_id)


@receiver(post_save, sender=ValidationCheck, dispatch_uid="search_check_saved")
@receiver(post_delete, sender=ValidationCheck, dispatch_uid="search_check_deleted")
def check_changed(sender, instance, raw=False, **kwargs):
    # A check's outcome is also an upstream warning for every dataset this one feeds.
    if not raw and instance.dataset_id not in _being_deleted():
        _reindex(instance.dataset_id, *descendant_ids(instance.dataset_id))


@receiver(post_save, sender=Derivation, dispatch_uid="search_derivation_saved")
@receiver(post_delete, sender=Derivation, dispatch_uid="search_derivation_deleted")
def derivation_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _reindex(instance.derived_id, instance.source_id)


@receiver(m2m_changed, sender=Dataset.keywords.through, dispatch_uid="search_keywords_changed")
@receiver(m2m_changed, sender=Dataset.themes.through, dispatch_uid="search_themes_changed")
def dataset_terms_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        _reindex(instance.pk)
    elif pk_set:
        _reindex(*pk_set)


@receiver(post_save, sender=QualityAssessment, dispatch_uid="search_quality_assessed")
def quality_assessed(sender, instance, created, raw=False, **kwargs):
    # The score service writes the dataset's new score with queryset.update() right after
    # this row, in the same transaction: re-index once that has committed.
    if created and not raw:
        dataset_id = instance.dataset_id
        transaction.on_commit(lambda: search_index_datasets([dataset_id]))
