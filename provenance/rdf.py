"""PROV-O terms for derivations between datasets.

prov:wasDerivedFrom plus the qualified form (prov:qualifiedDerivation -> prov:Derivation
with prov:entity and prov:hadActivity), and the activity with its agent.
"""

from rdflib import Literal, URIRef
from rdflib.namespace import FOAF, PROV, RDF, RDFS, XSD

from provenance.models import Activity, Derivation


def _when(value) -> Literal:
    return Literal(value.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def activity_triples(activity: Activity) -> list:
    node = URIRef(activity.uri)
    triples = [(node, RDF.type, PROV.Activity), (node, RDFS.label, Literal(activity.name, lang="en"))]
    if activity.description:
        triples.append((node, RDFS.comment, Literal(activity.description, lang="en")))
    if activity.code_reference:
        triples.append((node, RDFS.seeAlso, URIRef(activity.code_reference)))
    if activity.started_at:
        triples.append((node, PROV.startedAtTime, _when(activity.started_at)))
    if activity.ended_at:
        triples.append((node, PROV.endedAtTime, _when(activity.ended_at)))
    if activity.agent_id:
        agent = activity.agent
        agent_node = URIRef(agent.uri)
        kind = {"person": PROV.Person, "organisation": PROV.Organization, "software": PROV.SoftwareAgent}
        triples += [
            (node, PROV.wasAssociatedWith, agent_node),
            (agent_node, RDF.type, PROV.Agent),
            (agent_node, RDF.type, kind.get(agent.kind, PROV.Agent)),
            (agent_node, FOAF.name, Literal(agent.name, lang="en")),
        ]
    return triples


def derivation_triples(derived_uri: str, derivation: Derivation, source_uri: str, node: URIRef) -> list:
    """``derived`` was derived from ``source``; ``node`` names the qualified derivation.

    The caller decides whether the source may be named at all (only catalogued sources are).
    """
    derived, source = URIRef(derived_uri), URIRef(source_uri)
    triples = [
        (derived, PROV.wasDerivedFrom, source),
        (derived, PROV.qualifiedDerivation, node),
        (node, RDF.type, PROV.Derivation),
        (node, PROV.entity, source),
    ]
    if derivation.description:
        triples.append((node, RDFS.comment, Literal(derivation.description, lang="en")))
    if derivation.activity_id:
        activity = derivation.activity
        triples += [(node, PROV.hadActivity, URIRef(activity.uri)), (URIRef(activity.uri), PROV.used, source)]
        triples += activity_triples(activity)
    return triples
