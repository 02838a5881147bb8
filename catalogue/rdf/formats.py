"""The four RDF serialisations Provcat serves, as fragment writers that concatenate.

rdflib's serialisers write whole documents (each with its own prefixes, root element
or JSON object), so they cannot produce pieces that join into one document. Each
format here writes one record's triples as a fragment in a fixed frame: a prologue
that declares every prefix of ``namespaces.PREFIXES``, fragments joined by a
separator, and an epilogue. A page or a full dump is then the stored fragments put
together, with no graph built per request. The tests parse what these write with
rdflib and compare it to the mapped graph, in every format.

Provcat's RDF uses no blank nodes (every node has an IRI), so fragments written at
different times never clash on blank-node labels.
"""

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from catalogue.rdf.namespaces import PREFIXES

Triple = tuple[URIRef, URIRef, URIRef | Literal]

_LOCAL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


_PREFIX_BY_NAMESPACE = {namespace: prefix for prefix, namespace in PREFIXES.items()}


def qname(iri: str) -> str | None:
    """``dcat:Dataset`` for a IRI in one of the fixed namespaces, else None."""
    # Every fixed namespace ends in '#' or '/', so the namespace is the IRI up to the last one.
    cut = max(iri.rfind("#"), iri.rfind("/")) + 1
    prefix = _PREFIX_BY_NAMESPACE.get(str.__str__(iri[:cut]))
    if prefix is None:
        return None
    local = iri[cut:]
    return f"{prefix}:{local}" if _LOCAL_NAME.match(local) else None


def _iri(iri: str) -> str:
    return _IRI_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", iri)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def group_by_subject(triples: Iterable[Triple]) -> dict[URIRef, dict[URIRef, list]]:
    """subject -> predicate -> objects, in first-seen order, without duplicates."""
    subjects: dict[URIRef, dict[URIRef, list]] = {}
    seen = set()
    for triple in triples:
        if triple in seen:
            continue
        seen.add(triple)
        s, p, o = triple
        subjects.setdefault(s, {}).setdefault(p, []).append(o)
    return subjects


# N-Triples ---------------------------------------------------------------------------


def _nt_term(term) -> str:
    if isinstance(term, Literal):
        text = _quoted(str(term))
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype and term.datatype != XSD.string:
            return f"{text}^^<{_iri(term.datatype)}>"
        return text
    return f"<{_iri(term)}>"


def ntriples_fragment(triples: Iterable[Triple]) -> str:
    return "".join(f"{_nt_term(s)} {_nt_term(p)} {_nt_term(o)} .\n" for s, p, o in dict.fromkeys(triples))


# Turtle ------------------------------------------------------------------------------


def _ttl_iri(iri: str) -> str:
    return qname(iri) or f"<{_iri(iri)}>"


def _ttl_term(term) -> str:
    if isinstance(term, Literal):
        text = _quoted(str(term))
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype and term.datatype != XSD.string:
            return f"{text}^^{_ttl_iri(term.datatype)}"
        return text
    return _ttl_iri(term)


def turtle_fragment(triples: Iterable[Triple]) -> str:
    blocks = []
    for subject, predicates in group_by_subject(triples).items():
        lines = []
        for predicate, objects in predicates.items():
            verb = "a" if predicate == RDF.type else _ttl_iri(predicate)
            lines.append(f"    {verb} " + ", ".join(_ttl_term(o) for o in objects))
        blocks.append(f"<{_iri(subject)}>\n" + " ;\n".join(lines) + " .\n")
    return "\n".join(blocks)


# JSON-LD -----------------------------------------------------------------------------


def _jsonld_value(term) -> dict:
    if isinstance(term, Literal):
        value = {"@value": str(term)}
        if term.language:
            value["@language"] = term.language
        elif term.datatype and term.datatype != XSD.string:
            value["@type"] = qname(term.datatype) or str(term.datatype)
        return value
    return {"@id": str(term)}


def jsonld_nodes(triples: Iterable[Triple]) -> list[dict]:
    nodes = []
    for subject, predicates in group_by_subject(triples).items():
        node: dict = {"@id": str(subject)}
        for predicate, objects in predicates.items():
            if predicate == RDF.type:
                node["@type"] = [qname(o) or str(o) for o in objects]
            else:
                node[qname(predicate) or str(predicate)] = [_jsonld_value(o) for o in objects]
        nodes.append(node)
    return nodes


def jsonld_fragment(triples: Iterable[Triple]) -> str:
    # The node objects of the @graph array, comma-separated, without the brackets.
    return ",\n".join(json.dumps(node, ensure_ascii=False, separators=(",", ":")) for node in jsonld_nodes(triples))


JSONLD_CONTEXT = {prefix: namespace for prefix, namespace in PREFIXES.items()}


# RDF/XML -----------------------------------------------------------------------------


def _xml_text(text: str) -> str:
    text = _XML_INVALID.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _xml_attr(text: str) -> str:
    return _xml_text(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def rdfxml_fragment(triples: Iterable[Triple]) -> str:
    parts = []
    for subject, predicates in group_by_subject(triples).items():
        parts.append(f'<rdf:Description rdf:about="{_xml_attr(subject)}">\n')
        for predicate, objects in predicates.items():
            element = qname(predicate)
            if element is None:
                raise ValueError(f"RDF/XML needs a predicate in a declared namespace, not {predicate}")
            for o in objects:
                if isinstance(o, Literal):
                    attrs = ""
                    if o.language:
                        attrs = f' xml:lang="{o.language}"'
                    elif o.datatype and o.datatype != XSD.string:
                        attrs = f' rdf:datatype="{_xml_attr(o.datatype)}"'
                    parts.append(f"  <{element}{attrs}>{_xml_text(str(o))}</{element}>\n")
                else:
                    parts.append(f'  <{element} rdf:resource="{_xml_attr(o)}"/>\n')
        parts.append("</rdf:Description>\n")
    return "".join(parts)


# The formats -------------------------------------------------------------------------


@dataclass(frozen=True)
class RdfFormat:
    name: str  # also the RdfRecord field holding the stored fragment
    suffix: str
    media_type: str
    rdflib_format: str  # to parse what we serve back, in tests and checks
    prologue: str
    separator: str
    epilogue: str
    fragment: Callable[[Iterable[Triple]], str]

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"

    def document(self, fragments: Iterable[str]) -> str:
        return "".join(self.stream(fragments))

    def stream(self, fragments: Iterable[str], chunk_size: int = 64 * 1024) -> Iterator[str]:
        """The prologue, the non-empty fragments joined by the separator, the epilogue,
        in chunks of about ``chunk_size`` characters."""
        buffer = [self.prologue]
        size = len(self.prologue)
        first = True
        for fragment in fragments:
            if not fragment:
                continue
            if not first:
                buffer.append(self.separator)
            first = False
            buffer.append(fragment)
            size += len(fragment)
            if size >= chunk_size:
                yield "".join(buffer)
                buffer, size = [], 0
        buffer.append(self.epilogue)
        yield "".join(buffer)


TURTLE = RdfFormat(
    name="turtle",
    suffix="ttl",
    media_type="text/turtle",
    rdflib_format="turtle",
    prologue="".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()) + "\n",
    separator="\n",
    epilogue="",
    fragment=turtle_fragment,
)
NTRIPLES = RdfFormat(
    name="ntriples",
    suffix="nt",
    media_type="application/n-triples",
    rdflib_format="nt",
    prologue="",
    separator="",
    epilogue="",
    fragment=ntriples_fragment,
)
JSONLD = RdfFormat(
    name="jsonld",
    suffix="jsonld",
    media_type="application/ld+json",
    rdflib_format="json-ld",
    prologue='{"@context":' + json.dumps(JSONLD_CONTEXT, separators=(",", ":")) + ',\n"@graph":[\n',
    separator=",\n",
    epilogue="\n]}\n",
    fragment=jsonld_fragment,
)
RDFXML = RdfFormat(
    name="rdfxml",
    suffix="rdf",
    media_type="application/rdf+xml",
    rdflib_format="xml",
    prologue='<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF\n'
    + "".join(f'  xmlns:{p}="{ns}"\n' for p, ns in PREFIXES.items())
    + ">\n",
    separator="",
    epilogue="</rdf:RDF>\n",
    fragment=rdfxml_fragment,
)

# In order of preference when a client accepts several equally.
FORMATS: tuple[RdfFormat, ...] = (TURTLE, RDFXML, JSONLD, NTRIPLES)
BY_SUFFIX = {f.suffix: f for f in FORMATS}
BY_MEDIA_TYPE = {f.media_type: f for f in FORMATS}
