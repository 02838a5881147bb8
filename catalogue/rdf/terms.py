"""Small constructors of RDF terms shared by the vocabulary modules."""

import datetime
import re

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SKOS, XSD

from catalogue.rdf.namespaces import base_uri

# Characters XML 1.0 cannot carry; dropped so every format serialises the same literal.
_INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

LANGUAGE = "en"


def text(value: str, *, lang: str | None = LANGUAGE) -> Literal:
    """Human text (titles, descriptions): a language-tagged literal."""
    return Literal(_INVALID_CHARS.sub("", value), lang=lang)


def plain(value: str) -> Literal:
    return Literal(_INVALID_CHARS.sub("", value))


def date_or_datetime(value: datetime.date | datetime.datetime) -> Literal:
    if isinstance(value, datetime.datetime):
        return Literal(value.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)
    return Literal(value.isoformat(), datatype=XSD.date)


def integer(value: int, datatype: URIRef = XSD.integer) -> Literal:
    return Literal(str(int(value)), datatype=datatype)


def decimal_literal(value: float) -> Literal:
    return Literal(repr(float(value)), datatype=XSD.double)


def dataset_node(dataset, fragment: str) -> URIRef:
    """A node that belongs to one dataset's description, e.g. its temporal coverage.

    Minted under Provcat's base from the dataset's UUID (not its ``uri``, which may be
    someone else's IRI), so every part of a record has a stable IRI and no blank nodes.
    """
    return base_uri(f"id/dataset/{dataset.uuid}#{fragment}")


def concept(uri: str, label: str, scheme: str | None = None) -> list:
    """Triples typing ``uri`` a skos:Concept with its label (DCAT-AP needs the prefLabel)."""
    node = URIRef(uri)
    triples = [(node, RDF.type, SKOS.Concept), (node, SKOS.prefLabel, text(label))]
    if scheme:
        triples.append((node, SKOS.inScheme, URIRef(scheme)))
    return triples
