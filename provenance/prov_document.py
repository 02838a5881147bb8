"""A dataset's upstream lineage as a PROV-O graph (served as Turtle and JSON-LD).

Entities for the dataset and everything upstream of it, qualified derivations with their
time and activity, activities with their agents. A derivation the recipient of a sharing
agreement made from data shared under it names the agreement as the plan of its activity
(prov:qualifiedAssociation / prov:hadPlan), when the reader may read the agreement. A dataset the reader may not see is a
blank prov:Entity with no metadata (skolemised, see _blank), and derivations touching it carry no activity, so
the shape of the graph is kept without leaking what the hidden dataset is.
"""

from datetime import datetime

from django.conf import settings
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from catalogue.models import Dataset
from lib.iri import uri_ref_or_none
from provenance import queries
from provenance.models import Derivation
from provenance.rdf import activity_node, activity_triples, plan_triples

DCAT = Namespace("http://www.w3.org/ns/dcat#")
MAX_NODES = 500


def _blank() -> URIRef:
    """A fresh blank node, skolemised (RDF 1.1 /.well-known/genid/) because the prov package cannot read
    blank nodes as entities; it is new on every export, so it cannot be used to follow a hidden dataset."""
    return BNode().skolemize(authority=settings.PROVCAT_BASE_URI, basepath="/.well-known/genid/")


def _time(value: datetime) -> Literal:
    return Literal(value.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def dataset_provenance_graph(user, dataset: Dataset, as_of: datetime | None = None) -> Graph:
    """PROV-O for ``dataset`` (already checked visible to ``user``) and its upstream lineage."""
    graph = Graph()
    graph.bind("prov", PROV)
    graph.bind("dcat", DCAT)
    graph.bind("dcterms", DCTERMS)
    answer = queries.upstream(user, dataset, depth=queries.DEFAULT_DEPTH, as_of=as_of, limit=MAX_NODES)
    nodes = {}
    ids = {dataset.pk}
    for node in [answer.root, *answer.nodes]:
        if node.visible:
            page = URIRef(settings.PROVCAT_BASE_URI + node.url)
            # A dataset whose stored uri RDF cannot carry (e.g. harvested) is named by its page.
            subject = uri_ref_or_none(node.uri) or page
            graph.add((subject, RDF.type, PROV.Entity))
            graph.add((subject, RDF.type, DCAT.Dataset))
            graph.add((subject, DCTERMS.title, Literal(node.title)))
            if subject != page:
                graph.add((subject, RDFS.seeAlso, page))
            ids.add(node.pk)
        else:
            subject = _blank()
            graph.add((subject, RDF.type, PROV.Entity))
        nodes[node.key] = subject
    keyed_edges = set(answer.edges)
    visible_pks = {node.pk: node.key for node in [answer.root, *answer.nodes] if node.visible}
    derivations = Derivation.objects.current() if as_of is None else Derivation.objects.as_of(as_of)
    # Edges are looked up by visible ids; edges touching redacted nodes come from the answer's keys.
    rows = {
        (visible_pks[d.source_id], visible_pks[d.derived_id]): d
        for d in derivations.filter(source_id__in=ids, derived_id__in=ids).select_related("activity__agent")
    }
    plans = queries.derivation_plans(user, [(d.source_id, d.derived_id, d.valid_from) for d in rows.values()])
    planned: set = set()  # (activity, agreement): one association each, however many sources it used
    for source_key, derived_key in sorted(keyed_edges):
        source, derived = nodes.get(source_key), nodes.get(derived_key)
        if source is None or derived is None:
            continue
        derivation = rows.get((source_key, derived_key))
        qualified = URIRef(f"{settings.PROVCAT_BASE_URI}/id/derivation/{derivation.pk}") if derivation else _blank()
        graph.add((derived, PROV.wasDerivedFrom, source))
        graph.add((derived, PROV.qualifiedDerivation, qualified))
        graph.add((qualified, RDF.type, PROV.Derivation))
        graph.add((qualified, PROV.entity, source))
        if derivation is None:
            continue
        graph.add((qualified, PROV.atTime, _time(derivation.valid_from)))
        if derivation.description:
            graph.add((qualified, RDFS.comment, Literal(derivation.description, lang="en")))
        activity = activity_node(derivation.activity) if derivation.activity_id else None
        if activity is not None:
            graph.add((qualified, PROV.hadActivity, activity))
            graph.add((activity, PROV.used, source))
            graph.add((derived, PROV.wasGeneratedBy, activity))
            for triple in activity_triples(derivation.activity):
                graph.add(triple)
        plan = plans.get((derivation.source_id, derivation.derived_id))
        if plan is not None and (activity is None or (activity, plan.pk) not in planned):
            _add_plan(graph, qualified, derived, source, activity, plan)
            planned.add((activity, plan.pk))
    return graph


def _add_plan(graph: Graph, qualified, derived, source, activity, agreement) -> None:
    """The derivation's activity was carried out under ``agreement``. A derivation recorded
    without an activity still had one (PROV: a derivation is made by some activity): it is
    given an anonymous one, so the plan has an activity to qualify."""
    if activity is None:
        activity = _blank()
        graph.add((activity, RDF.type, PROV.Activity))
        graph.add((qualified, PROV.hadActivity, activity))
        graph.add((activity, PROV.used, source))
        graph.add((derived, PROV.wasGeneratedBy, activity))
    page = settings.PROVCAT_BASE_URI + agreement.get_absolute_url()
    for triple in plan_triples(activity, _blank(), agreement, page):
        graph.add(triple)
