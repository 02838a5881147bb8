"""One catalogued dataset's complete description: every vocabulary module put together."""

from functools import partial

from django.db.models import Prefetch, QuerySet
from rdflib import URIRef

from catalogue.access import catalogued_datasets
from catalogue.models import CollectionMethod, Dataset, Distribution, QualityMeasurement, ValidationCheck
from catalogue.prepared import Prepared
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


# What a record shows besides the dataset's own row: joined to it ...
_JOINED = ("publisher", "licence", "frequency", "language", "collection_method", "harvest__source")


# ... and loaded as lists: (relation, the queryset to load it with or None for the plain
# relation, the attribute to put the list in or None for the relation's own cache).
def _related_lists() -> list[tuple[str, QuerySet | None, str | None]]:
    return [
        ("keywords", None, None),
        ("themes", None, None),
        (
            "distributions",
            Distribution.objects.select_related("format", "media_type", "licence").order_by("position", "id"),
            None,
        ),
        ("fields", None, None),
        # Joined, not prefetched a level further: a check's activity and agent, a measurement's
        # distribution come with it (one query each instead of up to three and two).
        ("validation_checks", ValidationCheck.objects.select_related("activity__agent"), None),
        ("quality_measurements", QualityMeasurement.objects.select_related("distribution"), None),
        (
            "derivations_as_derived",
            Derivation.objects.current().select_related("source", "activity__agent").order_by("id"),
            "current_derivations",
        ),
    ]


def with_rdf_relations(queryset: QuerySet) -> QuerySet:
    """``queryset`` with everything a record shows loaded in a fixed number of queries."""
    return queryset.select_related(*_JOINED).prefetch_related(
        *(Prefetch(name, queryset=related, to_attr=attr) for name, related, attr in _related_lists())
    )


def _list_of(manager, related: QuerySet | None) -> QuerySet:
    """A dataset's related list, as its related manager filters it (with ``related``'s joins)."""
    return manager.get_queryset() if related is None else manager._apply_rel_filters(related)


def _list_of_id(name: str, related: QuerySet | None, dataset_id: int) -> QuerySet:
    return _list_of(getattr(Dataset(pk=dataset_id), name), related)


_ONE_DATASET = Prepared(lambda pk: Dataset.objects.filter(pk=pk).select_related(*_JOINED))
_ONE_DATASETS_LISTS = [
    (name, related, attr, Prepared(partial(_list_of_id, name, related))) for name, related, attr in _related_lists()
]


def load_for_record(dataset_id: int) -> Dataset | None:
    """One dataset loaded as ``with_rdf_relations`` loads it (the same instances, relations and
    caches), from SQL compiled once: what scoring or publishing one dataset reads."""
    found = _ONE_DATASET.objects(dataset_id)
    if not found:
        return None
    [dataset] = found
    dataset._prefetched_objects_cache = {}
    for name, related, attr, prepared in _ONE_DATASETS_LISTS:
        objects = prepared.objects(dataset_id)
        manager = getattr(dataset, name)
        field = getattr(manager, "field", None)  # a reverse foreign key: each row names the dataset
        if field is not None:
            for obj in objects:
                if not field.is_cached(obj):
                    setattr(obj, field.name, dataset)
        if attr is not None:
            setattr(dataset, attr, objects)
            continue
        cached = _list_of(manager, related)
        cached._result_cache, cached._prefetch_done = objects, True
        dataset._prefetched_objects_cache[name] = cached
    return dataset


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
    records = {d.pk: record_triples(d, public_source_ids=sources) for d in datasets}
    release(datasets)
    return records


def release(datasets: list[Dataset]) -> None:
    """Let go of datasets loaded with their relations once their records are built. The rows
    refer to each other in rings (a distribution or derivation to its dataset, the dataset to
    its lists): broken here, they are freed by reference counts as soon as the caller is done,
    not left to the cyclic collector (a batch of 500 is about 125,000 objects)."""
    for dataset in datasets:
        dataset._prefetched_objects_cache = {}
        dataset.current_derivations = []
        dataset._state.fields_cache = {}
