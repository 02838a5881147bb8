"""Untrusted RDF in, triples out: which format a page is in, what Provcat refuses to parse,
and the parse itself (pyoxigraph, streaming, 20-30 times faster than rdflib).

A harvest source is untrusted input, so each format is checked for what could make the
parser read local files, open connections or expand without limit, before the parser sees it:

- RDF/XML: any DTD or entity declaration is refused. pyoxigraph 0.5.13 expands internal
  entities eagerly (a billion-laughs file of under 1 KiB aborts the process with SIGABRT, no
  Python exception) and honours a ``<!DOCTYPE`` anywhere in the document, even inside the
  root element, so the whole document is scanned, not only its prolog. The scan is expat
  with only the DTD and entity handlers set (defusedxml's rules; its SAX reader would call
  Python for every element, four times slower), on exactly the UTF-8 bytes pyoxigraph then
  reads: a page in UTF-16 or Latin-1 is transcoded first, as pyoxigraph reads UTF-8 only.
- JSON-LD: no @context is ever fetched. A context Provcat ships (contexts/, see its README)
  is put inline in place of its URL; any other remote, ``file:`` or relative context is
  refused. Nesting is limited (pyoxigraph's JSON-LD parser is quadratic in depth).
- Turtle and N-Triples load nothing and expand nothing; they are parsed as they are.

Errors are ``UnsafeDocument`` or ``MalformedPage`` with a message a publisher can act on
(format, line, column, what the parser expected), never a traceback.
"""

from __future__ import annotations

import codecs
import copy
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit
from xml.parsers import expat

import pyoxigraph as ox
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from catalogue.harvest.errors import MalformedPage, UnsafeDocument
from lib.input_parsing import InvalidValue, json_document_load
from lib.iri import is_valid_iri

T = TypeVar("T")


@dataclass(frozen=True)
class SourceFormat:
    """One RDF serialisation a DCAT source may use (keys are HarvestSource.RdfFormat values)."""

    key: str
    label: str
    parser_format: ox.RdfFormat
    # The first is the one to ask for; the others are what servers send for it in practice.
    media_types: tuple[str, ...]
    suffixes: tuple[str, ...]


TURTLE = SourceFormat(
    "turtle", "Turtle", ox.RdfFormat.TURTLE, ("text/turtle", "application/x-turtle", "text/n3"), ("ttl", "n3")
)
RDFXML = SourceFormat(
    "rdfxml", "RDF/XML", ox.RdfFormat.RDF_XML, ("application/rdf+xml", "application/xml", "text/xml"), ("rdf", "xml")
)
JSONLD = SourceFormat(
    "jsonld", "JSON-LD", ox.RdfFormat.JSON_LD, ("application/ld+json", "application/json"), ("jsonld", "json")
)
NTRIPLES = SourceFormat(
    "ntriples", "N-Triples", ox.RdfFormat.N_TRIPLES, ("application/n-triples", "text/plain"), ("nt",)
)
FORMATS = {f.key: f for f in (TURTLE, RDFXML, JSONLD, NTRIPLES)}
_BY_MEDIA_TYPE = {media_type: f for f in FORMATS.values() for media_type in f.media_types}
_BY_SUFFIX = {suffix: f for f in FORMATS.values() for suffix in f.suffixes}

# The Accept header to send for a source, by its RdfFormat. "auto" prefers Turtle (compact and
# the fastest to parse after N-Triples) but takes any of the four.
ACCEPT_HEADER = {
    "auto": "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8, application/n-triples;q=0.7, */*;q=0.1",
    **{
        f.key: ", ".join([f.media_types[0], *(f"{m};q=0.9" for m in f.media_types[1:]), "*/*;q=0.1"])
        for f in FORMATS.values()
    },
}

_HTML = re.compile(rb"\s*(<!--.*?-->\s*)*<(!doctype\s+html|html)[\s>]", re.IGNORECASE | re.DOTALL)
_XML_START = re.compile(rb"<(\?xml|!--|!doctype|[A-Za-z_][\w.-]*(:[A-Za-z_][\w.-]*)?[\s/>])", re.IGNORECASE)


def format_detect(body: bytes, *, url: str, content_type: str = "", rdf_format: str = "auto") -> SourceFormat:
    """The format of a page: the source's setting, else its Content-Type, else the URL's suffix,
    else a look at its first bytes. An HTML page (a portal's home or error page) is refused."""
    if rdf_format in FORMATS:
        return FORMATS[rdf_format]
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in ("text/html", "application/xhtml+xml") or _HTML.match(body[:1024]):
        raise MalformedPage(
            "The page is a web page (HTML), not RDF: give the address of the catalogue's RDF "
            "(for example …/catalog.ttl), or set its format on the source."
        )
    if media_type in _BY_MEDIA_TYPE:
        return _BY_MEDIA_TYPE[media_type]
    suffix = urlsplit(url).path.rsplit("/", 1)[-1].rpartition(".")[2].lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    start = _without_bom(body[:1024]).lstrip()
    if start[:1] in (b"{", b"["):
        return JSONLD
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _XML_START.match(start):
        return RDFXML
    # N-Triples is Turtle too, so Turtle reads either.
    return TURTLE


def page_parse(body: bytes, fmt: SourceFormat, *, base_iri: str, build: Callable[[Iterable[tuple]], T]) -> T:
    """``build`` applied to the page's (subject, predicate, object, graph) quads, all graphs
    together, once the page passed its format's safety checks (UnsafeDocument). A syntax error
    found while ``build`` reads them is a MalformedPage. (One call around the whole loop rather
    than a generator in between: the quads are the hot path of a harvest.)"""
    if fmt is RDFXML:
        body = rdfxml_checked(body)
    elif fmt is JSONLD:
        body = jsonld_checked(body)
    else:
        body = _without_bom(body)
    try:
        return build(ox.parse(body, fmt.parser_format, base_iri=base_iri if is_valid_iri(base_iri) else None))
    except SyntaxError as error:
        # The JSON itself was checked already: what pyoxigraph finds is about JSON-LD (a bad
        # context, an invalid IRI mapping), and its positions are in a re-serialised copy.
        raise MalformedPage(_syntax_message(fmt, error, positions=fmt is not JSONLD)) from None
    except (ValueError, OSError) as error:
        raise MalformedPage(f"The page is not valid {fmt.label}: {_short(str(error))}") from None


def _without_bom(body: bytes) -> bytes:
    return body[len(codecs.BOM_UTF8) :] if body.startswith(codecs.BOM_UTF8) else body


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_POSITION = re.compile(r"^Parser error at line (\d+) (?:between columns (\d+) and \d+|column (\d+)): ", re.DOTALL)


def _syntax_message(fmt: SourceFormat, error: SyntaxError, *, positions: bool) -> str:
    message = str(error.msg or error)
    match = _POSITION.match(message)
    if match:
        message = message[match.end() :]
        if positions:
            column = match.group(2) or match.group(3)
            return f"The page is not valid {fmt.label}: line {match.group(1)}, column {column}: {_short(message)}"
    return f"The page is not valid {fmt.label}: {_short(message)}"


# RDF/XML ----------------------------------------------------------------------------------

DTD_REFUSED = (
    "The page declares a DTD (<!DOCTYPE ...>); Provcat refuses DTDs in harvested RDF/XML "
    "because they can read local files or expand without limit."
)
ENTITY_REFUSED = (
    "The page declares an XML entity (<!ENTITY ...>); Provcat refuses entity declarations in "
    "harvested RDF/XML because they can read local files or expand without limit."
)
_DTD_TEXT = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"^<\?xml[^>]*?\sencoding\s*=\s*[\"']([A-Za-z][A-Za-z0-9._-]*)[\"']")
_UTF8_NAMES = {"utf-8", "utf8", "us-ascii", "ascii"}


def rdfxml_checked(body: bytes) -> bytes:
    """``body`` as the UTF-8 bytes pyoxigraph will read, after a full scan that found no DTD,
    no entity declaration and no external reference (UnsafeDocument) and well-formed XML
    (MalformedPage)."""
    utf8 = _xml_as_utf8(body)
    # Read as UTF-8 whatever the document declares: exactly the characters pyoxigraph will see.
    parser = expat.ParserCreate(encoding="UTF-8")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_external
    try:
        parser.Parse(utf8, True)
    except DTDForbidden:
        raise UnsafeDocument(DTD_REFUSED) from None
    except DefusedXmlException:
        raise UnsafeDocument(ENTITY_REFUSED) from None
    except expat.ExpatError as error:
        # Expat stops at a DOCTYPE it does not expect (after the root element, in lower case);
        # pyoxigraph would still expand it, so say what it is rather than "not well-formed".
        if _DTD_TEXT.search(utf8.decode("utf-8", "replace")):
            raise UnsafeDocument(DTD_REFUSED) from None
        reason = expat.ErrorString(error.code)
        raise MalformedPage(
            f"The page is not valid RDF/XML: line {error.lineno}, column {error.offset + 1}: {reason}"
        ) from None
    return utf8


def _refuse_doctype(name, system_id, public_id, has_internal_subset):
    raise DTDForbidden(name, system_id, public_id)


def _refuse_entity(name, *args):
    raise EntitiesForbidden(name, None, None, None, None, None)


def _refuse_external(context, base, system_id, public_id):
    raise ExternalReferenceForbidden(context, base, system_id, public_id)


def _xml_as_utf8(body: bytes) -> bytes:
    """The document in UTF-8 without a byte-order mark, its declared encoding removed."""
    if body.startswith(codecs.BOM_UTF8):
        return body[len(codecs.BOM_UTF8) :]
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        declared = _XML_DECLARATION.match(body)
        if declared is None or declared.group(1).decode().lower() in _UTF8_NAMES:
            return body
        encoding = declared.group(1).decode()
    try:
        text = body.decode(encoding)
    except (LookupError, UnicodeDecodeError) as error:
        raise MalformedPage(
            f"The page is not valid RDF/XML: it cannot be read as {encoding}: {_short(str(error))}"
        ) from None
    text = re.sub(r"^(<\?xml[^>]*?)\sencoding\s*=\s*[\"'][^\"']*[\"']", r"\1", text.lstrip("\ufeff"), count=1)
    return text.encode("utf-8")


# JSON-LD ----------------------------------------------------------------------------------

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"
# Remote context URL -> the file of contexts/ that holds its content (README: origin, licence).
SHIPPED_CONTEXTS = {
    "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld": "project-open-data-v1.1-catalog.jsonld",
    "https://semiceu.github.io/DCAT-AP/releases/3.0.0/context/dcat-ap.jsonld": "dcat-ap-3.0.0.jsonld",
    "https://semiceu.github.io/DCAT-AP/releases/3.0.1/context/dcat-ap.jsonld": "dcat-ap-3.0.1.jsonld",
}
# Far deeper than any catalogue (DCAT-AP in JSON-LD nests about 10 levels, GeoJSON literals
# a few more). pyoxigraph's JSON-LD parser spends time in proportion to the depth of every
# value: a megabyte of 100-deep nests takes it 0.8 s, of 1,000-deep ones 7.6 s.
MAX_JSON_DEPTH = 32


def _context_key(url: str) -> str:
    return "https://" + url.removeprefix("https://").removeprefix("http://")


@cache
def shipped_context(url: str) -> dict | list | None:
    """The inline @context value of a shipped context, or None when Provcat does not ship it."""
    name = SHIPPED_CONTEXTS.get(_context_key(url)) if url.startswith(("http://", "https://")) else None
    if name is None:
        return None
    context = json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8"))["@context"]
    return _without_invalid_terms(context)


def _shipped_copy(url: str):
    # A copy: the document it goes into is walked and may be changed in place.
    context = shipped_context(url)
    return None if context is None else copy.deepcopy(context)


def _without_invalid_terms(context):
    """The context without terms shaped like a compact IRI that map somewhere else than that
    IRI ("Xsd:decimal": ".../XMLSchema#decimal" in DCAT-AP 3's contexts, where no "Xsd" prefix
    exists): JSON-LD 1.1 calls them invalid IRI mappings and pyoxigraph refuses the whole
    context for them. Type-scoped contexts are cleaned the same way."""
    if not isinstance(context, dict):
        return context
    kept = {}
    for term, definition in context.items():
        target = definition.get("@id") if isinstance(definition, dict) else definition
        if ":" in term[1:-1] and isinstance(target, str) and target != _expanded(term, context):
            continue
        if isinstance(definition, dict) and "@context" in definition:
            definition = {**definition, "@context": _without_invalid_terms(definition["@context"])}
        kept[term] = definition
    return kept


def _expanded(term: str, context: dict) -> str:
    prefix, _, suffix = term.partition(":")
    mapping = context.get(prefix)
    mapping = mapping.get("@id") if isinstance(mapping, dict) else mapping
    return mapping + suffix if isinstance(mapping, str) and not suffix.startswith("//") else term


def _remote_refused(url: object) -> UnsafeDocument:
    shipped = ", ".join(sorted(SHIPPED_CONTEXTS))
    return UnsafeDocument(
        f"The JSON-LD page refers to a remote @context <{_short(str(url), 200)}>; Provcat never fetches "
        f"contexts (it ships the common ones: {shipped}). Put the context inline in the page."
    )


def jsonld_checked(body: bytes) -> bytes:
    """``body`` with every shipped remote @context put inline; UnsafeDocument for any other
    remote context (or @import) and for nesting deeper than MAX_JSON_DEPTH."""
    try:
        document = json_document_load(_without_bom(body))
    except InvalidValue:
        raise UnsafeDocument(_too_deep()) from None
    except json.JSONDecodeError as error:
        raise MalformedPage(
            f"The page is not valid JSON-LD: line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedPage(f"The page is not valid JSON-LD: {_short(str(error))}") from None
    return json.dumps(document).encode() if _contexts_inlined(document) else _without_bom(body)


def _too_deep() -> str:
    return f"The JSON-LD page is nested more than {MAX_JSON_DEPTH} levels deep; Provcat reads at most {MAX_JSON_DEPTH}."


def _contexts_inlined(document) -> bool:
    """Walk the whole document (contexts can sit in any node and inside term definitions),
    replacing shipped context URLs by their content in place. True when anything changed.
    Level by level, containers only, plain loops: this runs on every JSON-LD page."""
    changed = False
    level, depth = [document], 1
    while level:
        if depth > MAX_JSON_DEPTH:
            raise UnsafeDocument(_too_deep())
        below = []
        for value in level:
            if value.__class__ is dict:
                if "@context" in value:
                    value["@context"], inlined = _context_inlined(value["@context"])
                    changed = changed or inlined
                if "@import" in value:
                    _import_inlined(value)
                    changed = True
                value = value.values()
            for item in value:
                if item.__class__ is dict or item.__class__ is list:
                    below.append(item)
        level, depth = below, depth + 1
    return changed


def _import_inlined(context: dict) -> None:
    """JSON-LD 1.1 @import of a shipped context: its definitions, overridden by the local ones."""
    imported = _shipped_copy(context["@import"]) if isinstance(context["@import"], str) else None
    if not isinstance(imported, dict):
        raise _remote_refused(context["@import"])
    local = {k: v for k, v in context.items() if k != "@import"}
    context.clear()
    context.update({**imported, **local})


def _context_inlined(context):
    if isinstance(context, str):
        inline = _shipped_copy(context)
        if inline is None:
            raise _remote_refused(context)
        return inline, True
    if isinstance(context, list):
        items = [_context_inlined(item) for item in context]
        return [item for item, _ in items], any(inlined for _, inlined in items)
    return context, False
