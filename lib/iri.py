"""Is this text an absolute IRI that RDF can carry? One answer for every IRI built from input.

RFC 3987 (and RFC 3986 for plain URIs): a scheme (a letter, then letters, digits, ``+``,
``-`` or ``.``), a colon, then characters that are neither white space, control
characters, nor any of ``<>"{}|\\^``` (the ones the IRI grammar leaves out and that Turtle,
N-Triples and RDF/XML cannot write inside ``<...>``: rdflib refuses to serialise a graph
holding one, so a single bad value took down a whole export). A ``%`` must start a
``%XX`` escape. Callers turn text into an rdflib URIRef or a JSON-LD ``@id`` only through
``iri_or_none``; a value that fails is dropped with a reason where there is a place for one.
No Django here.
"""

from __future__ import annotations

import functools
import re

from rdflib import URIRef

# Scheme, then the rest: no space, no C0/C1 control character or DEL, none of <>"{}|\^`,
# no surrogate, and every % followed by two hex digits.
_IRI = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*:"
    r"(?:[^\x00-\x20\x7f-\x9f<>\"{}|\\^`%\ud800-\udfff]|%[0-9A-Fa-f]{2})*",
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
MAX_IRI_LENGTH = 2000  # well above any URL a browser or a triple store takes in practice


def iri_problem(text: object, *, max_length: int = MAX_IRI_LENGTH) -> str | None:
    """Why ``text`` is not an absolute IRI, in words a sender can act on; None when it is one."""
    if not isinstance(text, str) or not text:
        return "an IRI is a non-empty string"
    if len(text) > max_length:
        return f"an IRI is at most {max_length} characters"
    if ":" not in text or not _SCHEME.match(text):
        return "an IRI starts with a scheme such as https:"
    if _IRI.fullmatch(text) is None:
        return 'an IRI has no spaces, control characters, <>"{}|\\^` or a % not followed by two hex digits'
    return None


def is_valid_iri(text: object, *, max_length: int = MAX_IRI_LENGTH) -> bool:
    """Is ``text`` an absolute IRI RDF can carry?"""
    return iri_problem(text, max_length=max_length) is None


def iri_or_none(text: object, *, max_length: int = MAX_IRI_LENGTH) -> str | None:
    """``text`` when it is an absolute IRI RDF can carry, else None (the statement is dropped)."""
    return text if is_valid_iri(text, max_length=max_length) else None  # type: ignore[return-value]


def uri_ref_or_none(text: object) -> URIRef | None:
    """An rdflib URIRef of ``text`` when it is an IRI RDF can carry, else None: the one way the
    RDF mappings turn stored text into a node, so one bad value drops one statement only."""
    if text.__class__ is str:
        return _str_uri_ref_or_none(text)
    iri = iri_or_none(text)
    return None if iri is None else URIRef(iri)


# A record reads the same stored IRIs many times (its dataset's in most of its statements,
# shared publishers, licences, themes and formats across records): each is checked and
# made into a URIRef (immutable) once.
@functools.lru_cache(maxsize=20_000)
def _str_uri_ref_or_none(text: str) -> URIRef | None:
    iri = iri_or_none(text)
    return None if iri is None else URIRef(iri)
