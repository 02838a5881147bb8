"""Quality as DQV: validation checks (dqv:QualityAnnotation made by a prov:Activity),
quality measurements and the metadata-quality score (dqv:QualityMeasurement of a
dqv:Metric in a dqv:Dimension)."""

from rdflib import URIRef

from catalogue.models import Dataset, QualityMeasurement, ValidationCheck
from catalogue.rdf.namespaces import DCTERMS, DQV, FOAF, OA, PROV, RDF, RDFS, SKOS, XSD, base_uri
from catalogue.rdf.terms import (
    dataset_iri,
    dataset_node,
    date_or_datetime,
    decimal_literal,
    integer,
    own_iri,
    plain,
    text,
)
from lib.iri import uri_ref_or_none
from provenance.rdf import activity_triples

# Where the W3C Linked Data Quality Dimensions name the same dimension, say so.
LDQD = "http://www.w3.org/2016/05/ldqd#"
LDQD_MATCH = {
    "accuracy": "semanticAccuracy",
    "completeness": "completeness",
    "consistency": "consistency",
    "currentness": "timeliness",
    "credibility": "trustworthiness",
}
OUTCOME_TEXT = {"pass": "Passed", "warn": "Passed with warnings", "fail": "Failed"}


def dimension_triples(code: str, label: str) -> tuple[URIRef, list]:
    node = base_uri(f"id/quality-dimension/{code}")
    triples = [(node, RDF.type, DQV.Dimension), (node, SKOS.prefLabel, text(label))]
    if code in LDQD_MATCH:
        triples.append((node, SKOS.exactMatch, URIRef(LDQD + LDQD_MATCH[code])))
    return node, triples


def check_triples(dataset: Dataset, check: ValidationCheck) -> list:
    """A check run: the annotation, its textual body, and the activity that produced it."""
    target = dataset_iri(dataset)
    annotation = dataset_node(dataset, f"check-{check.pk}")
    body = dataset_node(dataset, f"check-{check.pk}-result")
    activity = (uri_ref_or_none(check.activity.uri) if check.activity_id else None) or dataset_node(
        dataset, f"check-{check.pk}-run"
    )
    dimension, dimension_description = dimension_triples("validity", "Validity")
    summary = f"{OUTCOME_TEXT.get(check.outcome, check.outcome)}: {check.name}"
    if check.records_checked is not None:
        summary += f" ({check.records_failed or 0} of {check.records_checked} records failed)"
    triples = [
        (target, DQV.hasQualityAnnotation, annotation),
        (annotation, RDF.type, DQV.QualityAnnotation),
        (annotation, OA.motivatedBy, DQV.qualityAssessment),
        (annotation, OA.hasTarget, target),
        (annotation, OA.hasBody, body),
        (annotation, DQV.inDimension, dimension),
        *dimension_description,
        (annotation, RDFS.label, text(check.name)),
        (annotation, PROV.wasGeneratedBy, activity),
        (body, RDF.type, OA.TextualBody),
        (body, RDF.value, text(summary)),
        (body, DCTERMS.type, plain(check.outcome)),
        (activity, RDF.type, PROV.Activity),
        (activity, PROV.used, target),
        (activity, PROV.startedAtTime, date_or_datetime(check.run_at)),
        (activity, PROV.generated, annotation),
    ]
    if check.rule:
        triples.append((annotation, DCTERMS.description, text(check.rule)))
    if check.notes:
        triples.append((body, RDFS.comment, text(check.notes)))
    if check.activity_id:
        triples += activity_triples(check.activity)
    else:
        triples.append((activity, RDFS.label, text(f"Validation check: {check.name}")))
    if check.run_by:
        runner = dataset_node(dataset, f"check-{check.pk}-agent")
        triples += [
            (activity, PROV.wasAssociatedWith, runner),
            (runner, RDF.type, PROV.Agent),
            (runner, FOAF.name, text(check.run_by)),
        ]
    return triples


def measurement_triples(dataset: Dataset, measurement: QualityMeasurement) -> list:
    node = dataset_node(dataset, f"measurement-{measurement.pk}")
    metric = dataset_node(dataset, f"metric-{measurement.pk}")
    dimension, dimension_description = dimension_triples(measurement.dimension, measurement.get_dimension_display())
    computed_on = (
        own_iri(measurement.distribution, "distribution") if measurement.distribution_id else dataset_iri(dataset)
    )
    triples = [
        (computed_on, DQV.hasQualityMeasurement, node),
        (node, RDF.type, DQV.QualityMeasurement),
        (node, DQV.computedOn, computed_on),
        (node, DQV.isMeasurementOf, metric),
        (node, DQV.value, decimal_literal(measurement.value)),
        (node, PROV.generatedAtTime, date_or_datetime(measurement.measured_at)),
        (metric, RDF.type, DQV.Metric),
        (metric, SKOS.definition, text(measurement.metric)),
        (metric, DQV.expectedDataType, XSD.double),
        (metric, DQV.inDimension, dimension),
        *dimension_description,
    ]
    comment = "; ".join(filter(None, [f"unit: {measurement.unit}" if measurement.unit else "", measurement.notes]))
    if comment:
        triples.append((node, RDFS.comment, text(comment)))
    return triples


def metadata_score_triples(dataset: Dataset) -> list:
    """The computed metadata-quality score (MQA-style points) and its band."""
    if dataset.quality_score is None:
        return []
    target = dataset_iri(dataset)
    dimension, dimension_description = dimension_triples("metadata-quality", "Metadata quality")
    score_metric = base_uri("id/quality-metric/metadata-score")
    band_metric = base_uri("id/quality-metric/metadata-band")
    score = dataset_node(dataset, "metadata-score")
    triples = [
        (target, DQV.hasQualityMeasurement, score),
        (score, RDF.type, DQV.QualityMeasurement),
        (score, DQV.computedOn, target),
        (score, DQV.isMeasurementOf, score_metric),
        (score, DQV.value, integer(dataset.quality_score)),
        (score_metric, RDF.type, DQV.Metric),
        (score_metric, SKOS.prefLabel, text("Metadata quality score")),
        (
            score_metric,
            SKOS.definition,
            text("Points for the metadata in the style of the data.europa.eu Metadata Quality Assessment."),
        ),
        (score_metric, DQV.expectedDataType, XSD.integer),
        (score_metric, DQV.inDimension, dimension),
        *dimension_description,
    ]
    if dataset.quality_band:
        band = dataset_node(dataset, "metadata-band")
        triples += [
            (target, DQV.hasQualityMeasurement, band),
            (band, RDF.type, DQV.QualityMeasurement),
            (band, DQV.computedOn, target),
            (band, DQV.isMeasurementOf, band_metric),
            (band, DQV.value, plain(dataset.quality_band)),
            (band_metric, RDF.type, DQV.Metric),
            (band_metric, SKOS.prefLabel, text("Metadata quality band")),
            (band_metric, DQV.expectedDataType, XSD.string),
            (band_metric, DQV.inDimension, dimension),
        ]
    return triples
