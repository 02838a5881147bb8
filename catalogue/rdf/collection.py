"""How the data was collected: dct:provenance (a statement in words) and
prov:wasGeneratedBy a collection prov:Activity."""

from catalogue.models import CollectionMethod, Dataset
from catalogue.rdf.namespaces import DCAT, DCTERMS, PROV, RDF, RDFS, base_uri
from catalogue.rdf.terms import concept, dataset_iri, dataset_node, date_or_datetime, text


def collection_triples(dataset: Dataset, method: CollectionMethod) -> list:
    target = dataset_iri(dataset)
    statement = dataset_node(dataset, "provenance")
    activity = dataset_node(dataset, "collection")
    method_type = base_uri(f"id/collection-method/{method.method_type}")
    words = method.description
    if method.population:
        words += f"\nPopulation: {method.population}"
    if method.sample_size is not None:
        words += f"\nSample size: {method.sample_size}"
    triples = [
        (target, DCTERMS.provenance, statement),
        (statement, RDF.type, DCTERMS.ProvenanceStatement),
        (statement, RDFS.label, text(words)),
        (target, PROV.wasGeneratedBy, activity),
        (activity, RDF.type, PROV.Activity),
        (activity, RDFS.label, text(f"{method.get_method_type_display()}: {dataset.title}")),
        (activity, DCTERMS.description, text(method.description)),
        (activity, DCTERMS.type, method_type),
        *concept(str(method_type), method.get_method_type_display(), str(base_uri("id/collection-method"))),
        (activity, PROV.generated, target),
    ]
    if method.period_start or method.period_end:
        period = dataset_node(dataset, "collection-period")
        triples += [(activity, DCTERMS.temporal, period), (period, RDF.type, DCTERMS.PeriodOfTime)]
        if method.period_start:
            triples.append((period, DCAT.startDate, date_or_datetime(method.period_start)))
        if method.period_end:
            triples.append((period, DCAT.endDate, date_or_datetime(method.period_end)))
    systems = [line.strip() for line in method.source_systems.splitlines() if line.strip()]
    for index, system in enumerate(systems, start=1):
        entity = dataset_node(dataset, f"source-system-{index}")
        triples += [(activity, PROV.used, entity), (entity, RDF.type, PROV.Entity), (entity, RDFS.label, text(system))]
    return triples
