"""PROV-O terms for derivations between datasets.

prov:wasDerivedFrom plus the qualified form (prov:qualifiedDerivation -> prov:Derivation
with prov:entity and prov:hadActivity), and the activity with its agent.
"""

import functools

from rdflib import Literal, URIRef
from rdflib.namespace import FOAF, PROV, RDF, RDFS, XSD

from lib.iri import uri_ref_or_none
from provenance.models import Activity, Derivation


def _when(value) -> Literal:
    return _date_time(value.replace(microsecond=0).isoformat())


# Literals are immutable and the catalogue's records name the same activities and agents
# many times over: each is made (rdflib parses and checks it) once.
@functools.lru_cache(maxsize=20_000)
def _date_time(lexical: str) -> Literal:
    return Literal(lexical, datatype=XSD.dateTime)


@functools.lru_cache(maxsize=20_000)
def _english(value: str) -> Literal:
    return Literal(value, lang="en")


def activity_node(activity: Activity) -> URIRef | None:
    """The activity's IRI, or None when its stored uri is not one RDF can carry (lib.iri)."""
    return uri_ref_or_none(activity.uri)


def activity_triples(activity: Activity) -> list:
    """The activity, its code and its agent; a stored value RDF cannot carry drops its statement."""
    node = activity_node(activity)
    if node is None:
        return []
    triples = [(node, RDF.type, PROV.Activity), (node, RDFS.label, _english(activity.name))]
    if activity.description:
        triples.append((node, RDFS.comment, _english(activity.description)))
    code = uri_ref_or_none(activity.code_reference)
    if code is not None:
        triples.append((node, RDFS.seeAlso, code))
    if activity.started_at:
        triples.append((node, PROV.startedAtTime, _when(activity.started_at)))
    if activity.ended_at:
        triples.append((node, PROV.endedAtTime, _when(activity.ended_at)))
    agent_node = uri_ref_or_none(activity.agent.uri) if activity.agent_id else None
    if agent_node is not None:
        agent = activity.agent
        kind = {"person": PROV.Person, "organisation": PROV.Organization, "software": PROV.SoftwareAgent}
        triples += [
            (node, PROV.wasAssociatedWith, agent_node),
            (agent_node, RDF.type, PROV.Agent),
            (agent_node, RDF.type, kind.get(agent.kind, PROV.Agent)),
            (agent_node, FOAF.name, _english(agent.name)),
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
    activity = activity_node(derivation.activity) if derivation.activity_id else None
    if activity is not None:
        triples += [(node, PROV.hadActivity, activity), (activity, PROV.used, source)]
        triples += activity_triples(derivation.activity)
    return triples


def plan_triples(activity: URIRef, association: URIRef, agreement, page: str) -> list:
    """The activity was carried out by the agreement's recipient under the agreement, its prov:Plan.

    A dataset the recipient derives from shared data records the agreement as the plan of the
    derivation: ``activity prov:qualifiedAssociation [ prov:agent <recipient> ; prov:hadPlan
    <agreement> ]``. ``agreement`` is a SharingAgreement with its recipient loaded; ``page``
    is the agreement's page (rdfs:seeAlso), where people read its terms."""
    plan = URIRef(agreement.uri)
    triples = [
        (activity, PROV.qualifiedAssociation, association),
        (association, RDF.type, PROV.Association),
        (association, PROV.hadPlan, plan),
        (plan, RDF.type, PROV.Plan),
        (plan, RDF.type, PROV.Entity),
        (plan, RDFS.label, Literal(agreement.name, lang="en")),
        (plan, RDFS.seeAlso, URIRef(page)),
    ]
    agent = uri_ref_or_none(agreement.recipient.uri)
    if agent is not None:
        triples += [
            (activity, PROV.wasAssociatedWith, agent),
            (association, PROV.agent, agent),
            (agent, RDF.type, PROV.Agent),
            (agent, RDF.type, PROV.Organization),
            (agent, FOAF.name, Literal(agreement.recipient.name, lang="en")),
        ]
    return triples
