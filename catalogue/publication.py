"""The publication rule: what a dataset must have before it is published.

The form fields a publisher must fill in (``publication_problems``) and the DCAT-AP 3.0.1
SHACL gate its record must pass (``dcat_ap_violations``). The publish service refuses
publication on either; the quality score's DCAT-AP indicator asks the same questions.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rdflib import RDF, Graph
from rdflib.namespace import SH

from catalogue.access import is_catalogued
from catalogue.models import Dataset
from catalogue.rdf.record import load_for_record, record_triples
from lib.shacl_compiled import CompiledShapes


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


@lru_cache(maxsize=1)
def gate_checker() -> CompiledShapes:
    """The gate's shapes compiled to plain checks (lib.shacl_compiled): the same results as
    pyshacl (tests/catalogue/quality/test_shacl_equality.py) in well under a millisecond."""
    return CompiledShapes(_gate_shapes())


def gate_records(datasets: list[Dataset]) -> dict[int, list]:
    """dataset id -> the triples of the record the gate checks, for ``datasets`` loaded with
    ``with_rdf_relations`` (the stored record less the sharing agreements)."""
    # The sources were loaded with the derivations: whether each may be named is read from its
    # row (is_catalogued, the per-object form of catalogued_q), not asked of the database again.
    sources = {d.source_id for dataset in datasets for d in dataset.current_derivations if is_catalogued(d.source)}
    return {d.pk: record_triples(d, public_source_ids=sources) for d in datasets}


def gate_violates(triples) -> bool:
    """Does a record fail the gate? As pyshacl's ``conforms``: any result, even a Warning (a
    record with only Warnings is refused with the general sentence below)."""
    return bool(gate_checker().validate(triples))


def dcat_ap_violations(dataset: Dataset) -> list[str]:
    """The SHACL violations of the dataset's DCAT-AP record (built by catalogue.rdf), as text."""
    loaded = load_for_record(dataset.pk)
    if loaded is None:
        return []
    triples = gate_records([loaded])[loaded.pk]
    if not gate_violates(triples):
        return []
    return _violation_messages(triples)


def _violation_messages(triples) -> list[str]:
    """A refusal's wording, as pyshacl reports it (only a refused record pays for pyshacl)."""
    # pyshacl takes most of a second to import; only a refusal needs it.
    from pyshacl import validate

    graph = Graph()
    for triple in triples:
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


def dcat_ap_conforms_many(datasets: list[Dataset]) -> dict[int, bool]:
    """``dcat_ap_conforms`` for many datasets loaded with ``with_rdf_relations`` (distributions
    prefetched): one query for the catalogued sources of them all, none per dataset."""
    records = gate_records(datasets)
    return {d.pk: not publication_problems(d) and not gate_violates(records[d.pk]) for d in datasets}
