"""One catalogued dataset's complete description: every vocabulary module put together."""

from django.db.models import Prefetch, QuerySet
from rdflib import URIRef

from catalogue.access import catalogued_datasets
from catalogue.models import CollectionMethod, Dataset, Distribution, QualityMeasurement, ValidationCheck
from catalogue.rdf import collection, csvw, dcat, dqv
from catalogue.rdf.namespaces import DCTERMS
from catalogue.rdf.terms import dataset_iri, dataset_node
from provenance.models import Derivation
from provenance.rdf import derivation_triples


def _register_agreements() -> QuerySet:
    """The sharing agreements on the public register (published, agreed at least once).

    Reached through the ORM's reverse relation: this mapping may not import the sharing
    app (import-linter), and needs only each agreement's URI."""
    agreement_model = Dataset._meta.get_field("sharing_agreements").related_model
    return agreement_model.objects.on_register().order_by("pk")


def with_rdf_relations(queryset: QuerySet) -> QuerySet:
    """``queryset`` with everything a record shows loaded in a fixed number of queries."""
    return queryset.select_related(
        "publisher", "licence", "frequency", "language", "collection_method", "harvest__source"
    ).prefetch_related(
        "keywords",
        "themes",
        Prefetch(
            "distributions",
            queryset=Distribution.objects.select_related("format", "media_type", "licence").order_by("position", "id"),
        ),
        "fields",
        # Joined, not prefetched a level further: a check's activity and agent, a measurement's
        # distribution come with it (one query each instead of up to three and two).
        Prefetch("validation_checks", queryset=ValidationCheck.objects.select_related("activity__agent")),
        Prefetch("quality_measurements", queryset=QualityMeasurement.objects.select_related("distribution")),
        Prefetch(
            "derivations_as_derived",
            queryset=Derivation.objects.current().select_related("source", "activity__agent").order_by("id"),
            to_attr="current_derivations",
        ),
    )


def catalogued_source_ids(datasets: list[Dataset]) -> set[int]:
    """Of the sources these datasets derive from, the ones that may be named (catalogued)."""
    source_ids = {d.source_id for dataset in datasets for d in dataset.current_derivations}
    if not source_ids:
        return set()
    return set(catalogued_datasets().filter(pk__in=source_ids).values_list("pk", flat=True))


def record_triples(dataset: Dataset, *, public_source_ids: set[int]) -> list:
    """The CatalogRecord, Dataset, Distributions, data dictionary, collection, quality
    and derivations of one dataset. A derivation from a source that is not itself
    catalogued is left out whole, so a private dataset's URI never appears."""
    triples = dcat.record_triples(dataset) + dcat.dataset_triples(dataset) + dcat.harvest_origin_triples(dataset)
    fields = sorted(dataset.fields.all(), key=lambda f: (f.position, f.pk))
    distributions = list(dataset.distributions.all())
    schema = csvw.schema_uri(dataset) if fields else None
    for distribution in distributions:
        triples += dcat.distribution_triples(dataset, distribution, schema=schema)
    if fields:
        triples += csvw.schema_triples(dataset, fields, [d.download_url or d.access_url for d in distributions])
    try:
        method = dataset.collection_method
    except CollectionMethod.DoesNotExist:
        method = None
    if method is not None:
        triples += collection.collection_triples(dataset, method)
    for check in sorted(dataset.validation_checks.all(), key=lambda c: c.pk):
        triples += dqv.check_triples(dataset, check)
    for measurement in sorted(dataset.quality_measurements.all(), key=lambda m: m.pk):
        triples += dqv.measurement_triples(dataset, measurement)
    triples += dqv.metadata_score_triples(dataset)
    # The agreements on the public sharing register that cover the dataset (odrl:Agreement, prov:Plan).
    for agreement in getattr(dataset, "register_agreements", ()):
        triples.append((dataset_iri(dataset), DCTERMS.isReferencedBy, URIRef(agreement.uri)))
    for derivation in dataset.current_derivations:
        if derivation.source_id in public_source_ids:
            node = dataset_node(dataset, f"derivation-{derivation.pk}")
            triples += derivation_triples(dataset_iri(dataset), derivation, dataset_iri(derivation.source), node)
    return triples


def records_for(dataset_ids) -> dict[int, list]:
    """dataset id -> triples, for those of ``dataset_ids`` that are catalogued."""
    # The agreements only the stored record names (publishing's and scoring's SHACL checks
    # build records without them: one query per batch here, not one per dataset there).
    datasets = list(
        with_rdf_relations(catalogued_datasets().filter(pk__in=list(dataset_ids))).prefetch_related(
            Prefetch("sharing_agreements", queryset=_register_agreements(), to_attr="register_agreements")
        )
    )
    sources = catalogued_source_ids(datasets)
    return {d.pk: record_triples(d, public_source_ids=sources) for d in datasets}
