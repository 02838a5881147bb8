"""Small constructors of RDF terms shared by the vocabulary modules."""

import datetime
import functools
import re

from rdflib import Literal, URIRef

from catalogue.rdf.namespaces import RDF, SKOS, XSD, base_uri
from lib.iri import uri_ref_or_none

# Characters XML 1.0 cannot carry; dropped so every format serialises the same literal.
_INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

LANGUAGE = "en"


# Literals are immutable, and records repeat much of their text (column names and titles,
# units, labels): building a record reuses the ones made before instead of constructing
# rdflib terms again (a third of the mapping's time before).
@functools.lru_cache(maxsize=20_000)
def text(value: str, *, lang: str | None = LANGUAGE) -> Literal:
    """Human text (titles, descriptions): a language-tagged literal."""
    return Literal(_INVALID_CHARS.sub("", value), lang=lang)


@functools.lru_cache(maxsize=20_000)
def plain(value: str) -> Literal:
    return Literal(_INVALID_CHARS.sub("", value))


# Typed literals by their lexical form: a record states the same times several times (its
# record's and its dataset's modified, the harvest's time), and rdflib parses and checks
# the lexical form each time a Literal is made.
@functools.lru_cache(maxsize=20_000)
def _typed(lexical: str, datatype: URIRef) -> Literal:
    return Literal(lexical, datatype=datatype)


def date_or_datetime(value: datetime.date | datetime.datetime) -> Literal:
    if isinstance(value, datetime.datetime):
        return _typed(value.replace(microsecond=0).isoformat(), XSD.dateTime)
    return _typed(value.isoformat(), XSD.date)


def integer(value: int, datatype: URIRef = XSD.integer) -> Literal:
    return _typed(str(int(value)), datatype)


def decimal_literal(value: float) -> Literal:
    return _typed(repr(float(value)), XSD.double)


def dataset_node(dataset, fragment: str) -> URIRef:
    """A node that belongs to one dataset's description, e.g. its temporal coverage.

    Minted under Provcat's base from the dataset's UUID (not its ``uri``, which may be
    someone else's IRI), so every part of a record has a stable IRI and no blank nodes.
    """
    return base_uri(f"id/dataset/{dataset.uuid}#{fragment}")


def concept(uri: str, label: str, scheme: str | None = None) -> list:
    """Triples typing ``uri`` a skos:Concept with its label (DCAT-AP needs the prefLabel)."""
    return list(_concept(uri, label, scheme))


# Vocabulary terms (themes, frequencies, publisher and licence types) recur in every record.
@functools.lru_cache(maxsize=5_000)
def _concept(uri: str, label: str, scheme: str | None) -> tuple:
    node = uri_ref_or_none(uri)
    if node is None:
        return ()
    triples = [(node, RDF.type, SKOS.Concept), (node, SKOS.prefLabel, text(label))]
    scheme_node = uri_ref_or_none(scheme) if scheme else None
    if scheme_node is not None:
        triples.append((node, SKOS.inScheme, scheme_node))
    return tuple(triples)


# Stored text becomes a node only through lib.iri (uri_ref_or_none): a value RDF cannot carry
# (Django's URL validation lets <>"{}|\^` through, harvested records may hold anything) drops
# its statement instead of making the whole document unserialisable. A record's own subjects
# fall back to the IRI Provcat mints for them, so the rest of the record stays.


def dataset_iri(dataset) -> URIRef:
    """The dataset's IRI: its ``uri``, or the one Provcat mints from its UUID when that is unusable."""
    return uri_ref_or_none(dataset.uri) or base_uri(f"id/dataset/{dataset.uuid}")


def own_iri(instance, kind: str) -> URIRef:
    """An organisation's or distribution's IRI: its ``uri``, or one minted from its UUID (or slug)."""
    key = getattr(instance, "uuid", None) or instance.slug
    return uri_ref_or_none(instance.uri) or base_uri(f"id/{kind}/{key}")
