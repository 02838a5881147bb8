"""Gather the facts the quality score needs from a saved dataset (reads only).

Kept apart from catalogue/quality.py so the computation stays a pure function that
also scores unsaved form data.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.db.models import Max
from django.utils import timezone
from rdflib import RDF, Graph
from rdflib.namespace import SH

from catalogue.models import CollectionMethod, Dataset, LinkCheck
from catalogue.quality import DatasetFacts, DistributionFacts


def publication_problems(dataset: Dataset) -> dict[str, str]:
    """What the dataset lacks that DCAT-AP requires, keyed by the form field at fault, in words
    a publisher understands."""
    problems = {}
    if not dataset.title.strip():
        problems["title"] = "Give the dataset a title."
    if not dataset.description.strip():
        problems["description"] = "Add a description: DCAT-AP requires one before publishing."
    if not dataset.publisher_id:
        problems["publisher"] = "Choose the publishing organisation."
    for distribution in dataset.distributions.all():
        if not distribution.access_url:
            problems[f"distribution-{distribution.pk}"] = f"Give distribution '{distribution}' an access URL."
    return problems


def publication_missing(dataset: Dataset) -> list[str]:
    return list(publication_problems(dataset).values())


SHAPES_DIR = Path(__file__).resolve().parent / "rdf" / "shapes"


@lru_cache(maxsize=1)
def _gate_shapes() -> Graph:
    # The gate the EU validator runs: DCAT-AP 3.0.1 base shapes plus range shapes.
    shapes = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        shapes.parse(SHAPES_DIR / name, format="turtle")
    return shapes


def dcat_ap_violations(dataset: Dataset) -> list[str]:
    """The SHACL violations of the dataset's DCAT-AP record (built by catalogue.rdf), as text."""
    from pyshacl import validate

    from catalogue.rdf.record import catalogued_source_ids, record_triples, with_rdf_relations

    loaded = with_rdf_relations(Dataset.objects.filter(pk=dataset.pk)).first()
    if loaded is None:
        return []
    graph = Graph()
    for triple in record_triples(loaded, public_source_ids=catalogued_source_ids([loaded])):
        graph.add(triple)
    conforms, report, _ = validate(graph, shacl_graph=_gate_shapes(), inference="none")
    if conforms:
        return []
    messages = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if report.value(result, SH.resultSeverity) != SH.Violation:
            continue
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        label = path.n3(report.namespace_manager) if path is not None else "record"
        messages.append(f"{label}: {message}" if message else f"{label} does not conform")
    return sorted(set(messages)) or ["The DCAT-AP record does not conform to the SHACL shapes."]


def dcat_ap_conforms(dataset: Dataset) -> bool:
    """Does the dataset's DCAT-AP record pass the DCAT-AP 3.0.1 SHACL shapes (no Violation),
    with the mandatory properties given by the publisher?

    The served record falls back to the title where a description is missing, which SHACL
    cannot tell from a real one; the MQA point is for a real description, so both count.
    """
    return not publication_problems(dataset) and not dcat_ap_violations(dataset)


def facts_for_dataset(dataset: Dataset, *, now=None, conforms: bool | None = None) -> DatasetFacts:
    now = now or timezone.now()
    checks = {(c.distribution_id, c.kind): c.reachable for c in LinkCheck.objects.filter(distribution__dataset=dataset)}
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
                access_reachable=checks.get((d.pk, "access")) if d.access_url else False,
                download_reachable=checks.get((d.pk, "download")) if d.download_url else False,
            )
        )
    fields = list(dataset.fields.values_list("definition", flat=True))
    try:
        method = dataset.collection_method
    except CollectionMethod.DoesNotExist:
        method = None
    from provenance.models import Derivation

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
