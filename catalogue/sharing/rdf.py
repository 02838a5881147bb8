"""Sharing agreements as RDF: each one an ODRL agreement and a PROV plan, described with DPV.

- ``odrl:Agreement`` (a policy with exactly one assigner, the provider, and one assignee, the
  recipient) whose permission lets the recipient use each covered dataset, constrained to the
  agreement's purpose and dates;
- ``prov:Plan``, so a dataset derived from the shared data can name the agreement as the plan
  of its derivation (``prov:hadPlan``);
- DPV for what a data-protection reader looks for: legal bases, controllers, recipient,
  processors (only for the parties' members), the data items disclosed.

Nodes inside an agreement are fragments of its URI (``<uri>#period``), not blank nodes, so
two agreements in one document never share a node. A covered dataset the reader may not view
is not named: its permission targets ``<uri>#restricted-dataset-<n>``, described only as
"a restricted dataset of <provider>".
"""

from collections.abc import Iterable

from django.urls import reverse
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ODRL2, PROV, RDF, RDFS, XSD

from catalogue.rdf.namespaces import CSVW, base_uri
from catalogue.rdf.terms import dataset_iri, own_iri
from catalogue.sharing.queries import RegisterEntry

DPV = Namespace("https://w3id.org/dpv#")


def _node(agreement_node: URIRef, fragment: str) -> URIRef:
    return URIRef(f"{agreement_node}#{fragment}")


def _organisation(graph: Graph, organisation) -> URIRef:
    node = own_iri(organisation, "organisation")
    graph.add((node, RDF.type, FOAF.Organization))
    graph.add((node, FOAF.name, Literal(organisation.name)))
    return node


def _date(value) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def _legal_bases(graph: Graph, node: URIRef, agreement) -> None:
    for power in agreement.legal_powers:
        if power.iri:
            basis = URIRef(power.iri)
        else:  # "other statute": the citation is all there is
            basis = _node(node, "legal-basis")
            graph.add((basis, RDFS.comment, Literal(agreement.legal_citation)))
        graph.add((node, DPV.hasLegalBasis, basis))
        graph.add((basis, RDF.type, DPV.LegalBasis))
        graph.add((basis, RDFS.label, Literal(power.label, lang="en")))


def _period(graph: Graph, node: URIRef, agreement) -> None:
    period = _node(node, "period")
    graph.add((node, DCTERMS.temporal, period))
    graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
    graph.add((period, DCAT.startDate, _date(agreement.start_date)))
    if agreement.end_date:
        graph.add((period, DCAT.endDate, _date(agreement.end_date)))


def _constraints(graph: Graph, node: URIRef, agreement) -> list[URIRef]:
    """The purpose and the dates, as ODRL constraints every permission carries."""
    purpose = _node(node, "purpose")
    graph.add((node, DPV.hasPurpose, purpose))
    graph.add((purpose, RDF.type, DPV.Purpose))
    graph.add((purpose, DCTERMS.description, Literal(agreement.purpose, lang="en")))
    bounds = [("purpose", ODRL2.purpose, ODRL2.eq, purpose)]
    bounds.append(("from", ODRL2.dateTime, ODRL2.gteq, _date(agreement.start_date)))
    if agreement.end_date:
        bounds.append(("until", ODRL2.dateTime, ODRL2.lteq, _date(agreement.end_date)))
    constraints = []
    for name, left, operator, right in bounds:
        constraint = _node(node, f"constraint-{name}")
        graph.add((constraint, RDF.type, ODRL2.Constraint))
        graph.add((constraint, ODRL2.leftOperand, left))
        graph.add((constraint, ODRL2.operator, operator))
        graph.add((constraint, ODRL2.rightOperand, right))
        constraints.append(constraint)
    return constraints


def _covered(graph: Graph, node: URIRef, entry: RegisterEntry, constraints) -> None:
    agreement = entry.agreement
    assignee = own_iri(agreement.recipient, "organisation")
    hidden = 0
    for index, covered in enumerate(entry.covered, start=1):
        if covered.viewable:
            target = dataset_iri(covered.dataset)
            graph.add((target, RDF.type, DCAT.Dataset))
            graph.add((target, DCTERMS.title, Literal(covered.dataset.title)))
            graph.add((target, DCAT.landingPage, base_uri(covered.dataset.get_absolute_url())))
            graph.add((node, DCTERMS.source, target))
        else:
            hidden += 1
            target = _node(node, f"restricted-dataset-{hidden}")
            graph.add((target, RDF.type, ODRL2.Asset))
            graph.add((target, RDFS.label, Literal(covered.label, lang="en")))
        permission = _node(node, f"permission-{index}")
        graph.add((node, ODRL2.permission, permission))
        graph.add((permission, RDF.type, ODRL2.Permission))
        graph.add((permission, ODRL2.target, target))
        graph.add((permission, ODRL2.action, ODRL2.use))
        graph.add((permission, ODRL2.assigner, own_iri(agreement.provider, "organisation")))
        graph.add((permission, ODRL2.assignee, assignee))
        for constraint in constraints:
            graph.add((permission, ODRL2.constraint, constraint))
        for item in covered.items:
            data = _node(node, f"data-item-{item.pk}")
            graph.add((node, DPV.hasData, data))
            graph.add((data, RDF.type, DPV.Data))
            graph.add((data, CSVW.name, Literal(item.field_name)))
            graph.add((data, RDFS.label, Literal(item.field_title or item.field_name)))
            graph.add((data, DCTERMS.isPartOf, target))


def _restricted(graph: Graph, node: URIRef, agreement) -> None:
    """Processors and security handling: for the parties' members only."""
    for index, name in enumerate(agreement.processor_names, start=1):
        processor = _node(node, f"processor-{index}")
        graph.add((node, DPV.hasDataProcessor, processor))
        graph.add((processor, RDF.type, DPV.DataProcessor))
        graph.add((processor, FOAF.name, Literal(name)))
    if agreement.security_handling:
        measure = _node(node, "security-handling")
        graph.add((node, DPV.hasTechnicalOrganisationalMeasure, measure))
        graph.add((measure, RDF.type, DPV.TechnicalOrganisationalMeasure))
        graph.add((measure, DCTERMS.description, Literal(agreement.security_handling, lang="en")))


def agreement_triples(graph: Graph, entry: RegisterEntry) -> URIRef:
    """Add one agreement to ``graph`` (pages under PROVCAT_BASE_URI, like every URI minted)."""
    agreement = entry.agreement
    node = URIRef(agreement.uri)
    provider = _organisation(graph, agreement.provider)
    recipient = _organisation(graph, agreement.recipient)
    for rdf_class in (ODRL2.Agreement, PROV.Plan, PROV.Entity):
        graph.add((node, RDF.type, rdf_class))
    graph.add((node, ODRL2.uid, node))
    graph.add((node, ODRL2.assigner, provider))
    graph.add((node, ODRL2.assignee, recipient))
    graph.add((node, DCTERMS.title, Literal(agreement.name)))
    graph.add((node, DCTERMS.description, Literal(agreement.purpose, lang="en")))
    graph.add((node, RDFS.comment, Literal(agreement.benefits, lang="en")))
    graph.add((node, FOAF.page, base_uri(reverse("sharing:detail", args=[agreement.pk]))))
    graph.add((node, DPV.hasDataController, provider))
    graph.add((node, DPV.hasDataController, recipient))
    graph.add((node, DPV.hasRecipient, recipient))
    _legal_bases(graph, node, agreement)
    _period(graph, node, agreement)
    _covered(graph, node, entry, _constraints(graph, node, agreement))
    if entry.party_member:
        _restricted(graph, node, agreement)
    return node


def agreements_graph(entries: Iterable[RegisterEntry]) -> Graph:
    graph = Graph()
    for prefix, namespace in (
        ("odrl", ODRL2),
        ("dpv", DPV),
        ("prov", PROV),
        ("dct", DCTERMS),
        ("dcat", DCAT),
        ("foaf", FOAF),
        ("csvw", CSVW),
    ):
        graph.bind(prefix, namespace, override=True)
    for entry in entries:
        agreement_triples(graph, entry)
    return graph
