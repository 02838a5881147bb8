"""A concept scheme as SKOS, out and in: the graph Provcat serves for a scheme or one concept
(Turtle, RDF/XML, JSON-LD) and the reading of an uploaded SKOS file into a SchemeData for
``services.scheme_import``.

What goes out, and comes back in the same way:
- the scheme: skos:ConceptScheme with dct:title, dct:description, owl:versionInfo, its
  publisher's IRI (dct:publisher) and skos:hasTopConcept for each concept with no broader
  concept in the scheme;
- each concept: skos:inScheme (and skos:topConceptOf), prefLabel, altLabel and hiddenLabel
  in English, definition, scopeNote, example, historyNote, notation, dct:modified, the
  concept's version as owl:versionInfo, and a skos:changeNote for each version recorded with
  a reason ("Version 2 (2026-12-05): 2021 Census"), which an import does not read back;
- dct:source twice over: the source's address (``source_url``) as an IRI, its name
  (``source``) as a literal. Reading a file, an IRI object of dct:source is the address and a
  literal one the name, so both round-trip;
- every relation touching the concept, in both directions: what this scheme stated, and what
  other schemes stated about it, inverted (``queries.scheme_relations``).

An uploaded file is untrusted: it is parsed by the harvester's safe parser (no DTDs or
entities, no remote JSON-LD contexts, bounded nesting) after a size check, and read up to a
number of triples. Any problem is a ValidationError whose message says what to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
from django.conf import settings
from django.core.exceptions import ValidationError
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS, XSD

from catalogue.glossary.models import HIERARCHY, MATCHES, Concept, ConceptScheme
from catalogue.glossary.queries import concept_relations, scheme_relations
from catalogue.glossary.services import ConceptData, SchemeData
from catalogue.harvest.errors import HarvestError
from catalogue.harvest.parsing import format_detect, page_parse
from catalogue.rdf.terms import own_iri
from lib.iri import uri_ref_or_none

LANGUAGE = "en"
# Relation kinds are SKOS property names: ConceptLink.Kind values are the local names.
RELATION_KINDS = (*HIERARCHY, *MATCHES)
# What browsers send for a file whose type they do not know: the file's name (or its first
# bytes) says more.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
UNINFORMATIVE_TYPES = ("", "text/plain", "application/octet-stream")
CONTEXT = {"skos": str(SKOS), "dct": str(DCTERMS), "owl": str(OWL), "xsd": str(XSD)}


# -- out ---------------------------------------------------------------------------------


def _text(value: str) -> Literal:
    return Literal(_xml_safe(value), lang=LANGUAGE)


def _plain(value: str) -> Literal:
    return Literal(_xml_safe(value))


def _xml_safe(value: str) -> str:
    # Control characters XML 1.0 cannot hold would make the RDF/XML export unreadable; they
    # carry no meaning in a label or a note, so every format leaves them out alike.
    return _NOT_IN_XML.sub("", value)


def _graph() -> Graph:
    graph = Graph()
    for prefix, namespace in CONTEXT.items():
        graph.bind(prefix, namespace)
    return graph


def _add_scheme(graph: Graph, scheme: ConceptScheme) -> URIRef:
    node = URIRef(scheme.uri)
    graph.add((node, RDF.type, SKOS.ConceptScheme))
    graph.add((node, DCTERMS.title, _text(scheme.title)))
    if scheme.description:
        graph.add((node, DCTERMS.description, _text(scheme.description)))
    if scheme.version:
        graph.add((node, OWL.versionInfo, _plain(scheme.version)))
    graph.add((node, DCTERMS.publisher, own_iri(scheme.organisation, "organisation")))
    return node


def _add_concept(graph: Graph, concept: Concept, scheme_node: URIRef, relations, *, top: bool) -> None:
    """The concept's own statements, and ``relations`` as (kind, other IRI)."""
    subject = URIRef(concept.uri)
    graph.add((subject, RDF.type, SKOS.Concept))
    graph.add((subject, SKOS.inScheme, scheme_node))
    graph.add((subject, SKOS.prefLabel, _text(concept.pref_label)))
    for label in concept.alt_labels:
        graph.add((subject, SKOS.altLabel, _text(label)))
    for label in concept.hidden_labels:
        graph.add((subject, SKOS.hiddenLabel, _text(label)))
    for prop, value in (
        (SKOS.definition, concept.definition),
        (SKOS.scopeNote, concept.scope_note),
        (SKOS.example, concept.example),
        (SKOS.historyNote, concept.history_note),
    ):
        if value:
            graph.add((subject, prop, _text(value)))
    if concept.notation:
        graph.add((subject, SKOS.notation, _plain(concept.notation)))
    if concept.source:
        graph.add((subject, DCTERMS.source, _plain(concept.source)))
    source_url = uri_ref_or_none(concept.source_url)
    if source_url is not None:
        graph.add((subject, DCTERMS.source, source_url))
    graph.add((subject, DCTERMS.modified, Literal(concept.updated_at.isoformat(), datatype=XSD.dateTime)))
    graph.add((subject, OWL.versionInfo, Literal(str(concept.version))))
    for version in concept.versions.all():
        if version.change_note:
            note = f"Version {version.version} ({version.changed_at.date().isoformat()}): {version.change_note}"
            graph.add((subject, SKOS.changeNote, _text(note)))
    for kind, other in relations:
        target = uri_ref_or_none(other)
        if target is not None:
            graph.add((subject, SKOS[kind], target))
    if top:
        graph.add((scheme_node, SKOS.hasTopConcept, subject))
        graph.add((subject, SKOS.topConceptOf, scheme_node))


def scheme_graph(scheme: ConceptScheme, user=None) -> Graph:
    """The scheme and its concepts as SKOS (see the module's docstring for what is in it).
    With ``user``, only the links stated by schemes that user sees (queries.scheme_relations)."""
    graph = _graph()
    node = _add_scheme(graph, scheme)
    concepts = list(scheme.concepts.order_by("pref_label", "id").prefetch_related("versions"))
    ours = {c.uri for c in concepts}
    relations = scheme_relations(scheme, user)
    for concept in concepts:
        mine = relations.get(concept.uri, [])
        top = not any(kind == "broader" and other in ours for kind, other in mine)
        _add_concept(graph, concept, node, mine, top=top)
    return graph


def concept_graph(concept: Concept, user=None) -> Graph:
    """One concept as SKOS, as in its scheme's graph, with its scheme's description: what the
    concept's IRI answers to an RDF client. Relations with concepts of schemes ``user`` does
    not see are left out (queries.concept_relations)."""
    graph = _graph()
    node = _add_scheme(graph, concept.scheme)
    relations = concept_relations(user, concept)
    top = not any(r.kind == "broader" and r.concept and r.concept.scheme_id == concept.scheme_id for r in relations)
    _add_concept(graph, concept, node, [(r.kind, r.uri) for r in relations], top=top)
    return graph


def serialise(graph: Graph, rdflib_format: str) -> str:
    """A glossary graph written in one of rdflib's formats ("turtle", "xml", "json-ld", "nt")."""
    if rdflib_format == "json-ld":
        return graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True)
    return graph.serialize(format=rdflib_format)


def scheme_serialise(scheme: ConceptScheme, rdflib_format: str, user=None) -> str:
    """The scheme's graph written in one of rdflib's formats ("turtle", "xml", "json-ld", "nt")."""
    return serialise(scheme_graph(scheme, user), rdflib_format)


# -- in ----------------------------------------------------------------------------------

_S = str(SKOS)
_PREF, _ALT, _HIDDEN = f"{_S}prefLabel", f"{_S}altLabel", f"{_S}hiddenLabel"
_NOTES = {
    f"{_S}definition": "definition",
    f"{_S}scopeNote": "scope_note",
    f"{_S}example": "example",
    f"{_S}historyNote": "history_note",
}
_TYPE, _IN_SCHEME, _TOP_OF, _HAS_TOP = str(RDF.type), f"{_S}inScheme", f"{_S}topConceptOf", f"{_S}hasTopConcept"
_CONCEPT, _SCHEME = f"{_S}Concept", f"{_S}ConceptScheme"
_RELATIONS = {f"{_S}{kind}": kind for kind in RELATION_KINDS}


@dataclass(frozen=True)
class _Literal:
    value: str
    language: str


class _TooManyTriples(Exception):
    """The file holds more statements than PROVCAT_GLOSSARY_IMPORT_MAX_TRIPLES: stop reading."""


def _term(term):
    """A node's IRI as str, a blank node as "_:id", a literal as _Literal."""
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.Literal):
        return _Literal(term.value, (term.language or "").lower())
    return f"_:{term}"


def _collect(limit: int):
    def build(quads) -> list[tuple]:
        triples = []
        for quad in quads:
            if len(triples) >= limit:
                raise _TooManyTriples
            triples.append((_term(quad.subject), quad.predicate.value, _term(quad.object)))
        return triples

    return build


def _texts(values: list) -> list[str]:
    """The literals to keep as labels or notes: English first, then untagged; other languages dropped."""
    literals = [v for v in values if isinstance(v, _Literal)]
    english = [v.value for v in literals if v.language == LANGUAGE or v.language.startswith(f"{LANGUAGE}-")]
    untagged = [v.value for v in literals if not v.language]
    return english + untagged


def _one(values: list) -> str:
    texts = _texts(values)
    return texts[0].strip() if texts else ""


def scheme_data_from_rdf(body: bytes, *, filename: str = "", content_type: str = "") -> SchemeData:
    """Read an uploaded SKOS file (Turtle, RDF/XML, JSON-LD or N-Triples) as a SchemeData.

    Concepts are the subjects typed skos:Concept or placed in a scheme; when the file holds
    a skos:ConceptScheme, those of other schemes are left out. ValidationError for a file that
    is too large, unsafe, not RDF, holds several schemes or no concept."""
    max_bytes = settings.PROVCAT_GLOSSARY_IMPORT_MAX_BYTES
    if len(body) > max_bytes:
        raise ValidationError(
            f"The file is {len(body):,} bytes; a SKOS import takes at most {max_bytes:,}. Split the scheme into parts."
        )
    if not body.strip():
        raise ValidationError("The file is empty.")
    limit = settings.PROVCAT_GLOSSARY_IMPORT_MAX_TRIPLES
    if content_type.split(";", 1)[0].strip().lower() in UNINFORMATIVE_TYPES:
        content_type = ""
    try:
        fmt = format_detect(body, url=filename, content_type=content_type)
        triples = page_parse(body, fmt, base_iri="", build=_collect(limit))
    except HarvestError as error:
        raise ValidationError(str(error).replace("The page", "The file")) from None
    except _TooManyTriples:
        raise ValidationError(
            f"The file holds more than {limit:,} statements; Provcat imports at most {limit:,}."
        ) from None

    about: dict[str, dict[str, list]] = {}
    for subject, predicate, obj in triples:
        about.setdefault(subject, {}).setdefault(predicate, []).append(obj)

    schemes = sorted(s for s, props in about.items() if _SCHEME in props.get(_TYPE, []))
    if len(schemes) > 1:
        raise ValidationError(
            f"The file holds {len(schemes)} concept schemes ({', '.join(schemes[:3])}…); import one scheme at a time."
        )
    scheme_uri = schemes[0] if schemes else ""
    in_scheme = set(about.get(scheme_uri, {}).get(_HAS_TOP, [])) if scheme_uri else set()

    concepts = []
    for subject, props in about.items():
        placed = set(props.get(_IN_SCHEME, [])) | set(props.get(_TOP_OF, []))
        is_concept = _CONCEPT in props.get(_TYPE, []) or placed or subject in in_scheme
        if not is_concept or subject.startswith("_:"):
            continue
        if scheme_uri and placed and scheme_uri not in placed and subject not in in_scheme:
            continue
        concepts.append(_concept_data(subject, props))
    if not concepts:
        raise ValidationError(
            "The file holds no SKOS concepts (subjects typed skos:Concept); check that it is a SKOS concept scheme."
        )
    max_concepts = settings.PROVCAT_GLOSSARY_IMPORT_MAX_CONCEPTS
    if len(concepts) > max_concepts:
        raise ValidationError(f"The file holds {len(concepts):,} concepts; an import takes at most {max_concepts:,}.")
    scheme_props = about.get(scheme_uri, {})
    return SchemeData(
        concepts=sorted(concepts, key=lambda c: c.uri),
        uri=scheme_uri,
        title=_one(scheme_props.get(str(DCTERMS.title), []) or scheme_props.get(_PREF, [])),
        description=_one(scheme_props.get(str(DCTERMS.description), [])),
        version=_one(scheme_props.get(str(OWL.versionInfo), [])),
    )


def _concept_data(uri: str, props: dict[str, list]) -> ConceptData:
    pref_labels = _texts(props.get(_PREF, []))
    if not pref_labels:
        raise ValidationError(
            f"Concept {uri} has no skos:prefLabel in English or without a language; every concept needs one."
        )
    sources = props.get(str(DCTERMS.source), [])
    links = []
    for predicate, kind in _RELATIONS.items():
        for target in props.get(predicate, []):
            if isinstance(target, str) and not target.startswith("_:"):
                links.append((kind, target))
    return ConceptData(
        uri=uri,
        pref_label=pref_labels[0],
        alt_labels=_texts(props.get(_ALT, [])),
        hidden_labels=_texts(props.get(_HIDDEN, [])),
        notation=next((v.value for v in props.get(f"{_S}notation", []) if isinstance(v, _Literal)), ""),
        source=_one([v for v in sources if isinstance(v, _Literal)]),
        source_url=next((v for v in sources if isinstance(v, str) and not v.startswith("_:")), ""),
        links=sorted(set(links)),
        **{name: _one(props.get(predicate, [])) for predicate, name in _NOTES.items()},
    )
