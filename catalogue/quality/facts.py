"""Gather the facts the quality score needs from a saved dataset (reads only).

Kept apart from score.py so the computation stays a pure function that also scores
unsaved form data.
"""

from __future__ import annotations

from django.db.models import Max
from django.utils import timezone

from catalogue.models import CollectionMethod, Dataset, LinkCheck
from catalogue.publication import dcat_ap_conforms
from catalogue.quality.score import DatasetFacts, DistributionFacts
from provenance.models import Derivation


def facts_for_dataset(dataset: Dataset, *, now=None, conforms: bool | None = None) -> DatasetFacts:
    now = now or timezone.now()
    # A check of a URL the distribution no longer has says nothing about the new one: not checked yet.
    checks = {
        (c.distribution_id, c.kind, c.url): c.reachable for c in LinkCheck.objects.filter(distribution__dataset=dataset)
    }
    distributions = []
    for d in dataset.distributions.select_related("format", "media_type", "licence"):
        licence = d.licence if d.licence_id else dataset.licence
        distributions.append(
            DistributionFacts(
                access_url=d.access_url,
                download_url=d.download_url,
                has_format=d.format_id is not None,
                has_media_type=d.media_type_id is not None,
                # Both are foreign keys to vocabulary terms, so present means from a vocabulary.
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
        )
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
