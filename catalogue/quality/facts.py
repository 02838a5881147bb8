"""Gather the facts the quality score needs from a saved dataset (reads only).

Kept apart from score.py so the computation stays a pure function that also scores
unsaved form data.
"""

from __future__ import annotations

from django.db.models import Max
from django.utils import timezone

from catalogue.models import CollectionMethod, Dataset, LinkCheck
from catalogue.publication import dcat_ap_conforms, dcat_ap_conforms_many
from catalogue.quality.score import DatasetFacts, DistributionFacts
from catalogue.rdf.record import load_for_record, with_rdf_relations
from provenance.models import Derivation


def facts_for_dataset(dataset: Dataset, *, now=None, conforms: bool | None = None) -> DatasetFacts:
    now = now or timezone.now()
    # A check of a URL the distribution no longer has says nothing about the new one: not checked yet.
    checks = {
        (c.distribution_id, c.kind, c.url): c.reachable for c in LinkCheck.objects.filter(distribution__dataset=dataset)
    }
    distributions = [
        _distribution_facts(dataset, d, checks)
        for d in dataset.distributions.select_related("format", "media_type", "licence")
    ]
    fields = list(dataset.fields.values_list("definition", flat=True))
    try:
        method = dataset.collection_method
    except CollectionMethod.DoesNotExist:
        method = None
    has_lineage = Derivation.objects.current().filter(derived=dataset).exists()
    latest_check = dataset.validation_checks.aggregate(latest=Max("run_at"))["latest"]
    return DatasetFacts(
        keywords=dataset.keywords.count(),
        themes=dataset.themes.count(),
        has_spatial=bool(dataset.spatial_uri),
        has_temporal=bool(dataset.temporal_start or dataset.temporal_end),
        has_access_rights=bool(dataset.access_rights),
        access_rights_from_vocabulary=dataset.access_rights in Dataset.AccessRights.values,
        has_contact_point=bool(dataset.contact_email or dataset.contact_name),
        has_publisher=dataset.publisher_id is not None,
        has_issued=dataset.issued is not None,
        has_modified=dataset.modified is not None,
        dcat_ap_conforms=dcat_ap_conforms(dataset) if conforms is None else conforms,
        distributions=distributions,
        fields_total=len(fields),
        fields_defined=sum(1 for f in fields if f.strip()),
        has_collection_method=method is not None,
        is_derived=bool(method and method.method_type == CollectionMethod.MethodType.DERIVED) or has_lineage,
        has_lineage=has_lineage,
        latest_check_at=latest_check,
        frequency_code=dataset.frequency.code if dataset.frequency_id else "",
        now=now,
    )


def facts_for_datasets(dataset_ids, *, now=None) -> tuple[dict[int, Dataset], dict[int, DatasetFacts]]:
    """``facts_for_dataset`` for many datasets in a fixed number of queries (the record's
    prefetches, which the facts and the DCAT-AP check share, and the link checks).

    Returns the datasets as loaded (id -> Dataset) and their facts (id -> DatasetFacts);
    ids of datasets that do not exist are left out."""
    now = now or timezone.now()
    dataset_ids = list(dataset_ids)
    if len(dataset_ids) == 1:  # a publish, or a change to one dataset: its reads compiled once
        datasets = [d for d in [load_for_record(dataset_ids[0])] if d is not None]
    else:
        datasets = list(with_rdf_relations(Dataset.objects.filter(pk__in=dataset_ids).order_by("pk")))
    # The link checks of the distributions just loaded, as plain tuples (none to ask for without any).
    distribution_ids = [d.pk for dataset in datasets for d in dataset.distributions.all()]
    checks = (
        {
            (distribution_id, kind, url): reachable
            for distribution_id, kind, url, reachable in LinkCheck.objects.filter(
                distribution_id__in=distribution_ids
            ).values_list("distribution_id", "kind", "url", "reachable")
        }
        if distribution_ids
        else {}
    )
    conforms = dcat_ap_conforms_many(datasets)
    facts = {d.pk: _facts_of_loaded(d, checks, conforms[d.pk], now) for d in datasets}
    return {d.pk: d for d in datasets}, facts


def _distribution_facts(dataset: Dataset, d, checks: dict) -> DistributionFacts:
    licence = d.licence if d.licence_id else dataset.licence
    return DistributionFacts(
        access_url=d.access_url,
        download_url=d.download_url,
        has_format=d.format_id is not None,
        has_media_type=d.media_type_id is not None,
        format_from_vocabulary=d.format_id is not None or d.media_type_id is not None,
        non_proprietary=bool(d.format and d.format.non_proprietary),
        machine_readable=bool(d.format and d.format.machine_readable),
        has_licence=licence is not None,
        licence_from_vocabulary=licence is not None,
        has_rights=bool(d.rights.strip()),
        has_byte_size=d.byte_size is not None,
        access_reachable=checks.get((d.pk, "access", d.access_url)) if d.access_url else False,
        download_reachable=checks.get((d.pk, "download", d.download_url)) if d.download_url else False,
    )


def _facts_of_loaded(dataset: Dataset, checks: dict, conforms: bool, now) -> DatasetFacts:
    """The facts of a dataset loaded with ``with_rdf_relations`` (no queries)."""
    fields = [f.definition for f in dataset.fields.all()]
    try:
        method = dataset.collection_method
    except CollectionMethod.DoesNotExist:
        method = None
    has_lineage = bool(dataset.current_derivations)
    run_at = [c.run_at for c in dataset.validation_checks.all() if c.run_at is not None]
    return DatasetFacts(
        keywords=len(dataset.keywords.all()),
        themes=len(dataset.themes.all()),
        has_spatial=bool(dataset.spatial_uri),
        has_temporal=bool(dataset.temporal_start or dataset.temporal_end),
        has_access_rights=bool(dataset.access_rights),
        access_rights_from_vocabulary=dataset.access_rights in Dataset.AccessRights.values,
        has_contact_point=bool(dataset.contact_email or dataset.contact_name),
        has_publisher=dataset.publisher_id is not None,
        has_issued=dataset.issued is not None,
        has_modified=dataset.modified is not None,
        dcat_ap_conforms=conforms,
        distributions=[_distribution_facts(dataset, d, checks) for d in dataset.distributions.all()],
        fields_total=len(fields),
        fields_defined=sum(1 for f in fields if f.strip()),
        has_collection_method=method is not None,
        is_derived=bool(method and method.method_type == CollectionMethod.MethodType.DERIVED) or has_lineage,
        has_lineage=has_lineage,
        latest_check_at=max(run_at) if run_at else None,
        frequency_code=dataset.frequency.code if dataset.frequency_id else "",
        now=now,
    )
