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


# Every format at once ------------------------------------------------------------------
#
# Writing a stored record's four fragments with the writers above means four passes over
# rdflib terms (each hashed, compared and formatted again in every pass). Below, each
# distinct term is formatted once, for all four formats, and kept: a batch of records
# shares most of its IRIs (classes, properties, publishers, licences, formats, themes), so
# most terms are dictionary hits. The output is byte for byte what the writers above
# write (the tests compare the two on the demo and on generated catalogues).

_RDF_TYPE = str(RDF.type)
_XSD_STRING = str(XSD.string)
_TERM_CACHE_LIMIT = 50_000  # terms kept between records (a few tens of MB)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# What json.dumps(ensure_ascii=False) writes for a string (the same C encoder), without its
# per-call set-up: a term's four JSON pieces are written from it directly.
_json_string = json.encoder.encode_basestring


class _Term:
    """One term formatted for every writer (as subject, predicate and object)."""

    __slots__ = (
        "text",
        "nt",
        "ttl",
        "verb",
        "json_id",
        "json_key",
        "json_value",
        "json_type",
        "is_type",
        "xml",
        "element",
    )

    def __init__(self, text: str, language: str | None, datatype: str | None, literal: bool):
        self.text = text
        name = qname(text)
        json_text = _json_string(text)
        # json.dumps of qname(text) or text, of {"@value": ...} and of {"@id": text}, compact.
        self.json_type = json_text if name is None else _json_string(name)
        if literal:
            quoted = _quoted(text)
            if language:
                self.nt = self.ttl = f"{quoted}@{language}"
                self.json_value = f'{{"@value":{json_text},"@language":{_json_string(language)}}}'
                attrs = f' xml:lang="{language}"'
            elif datatype and datatype != _XSD_STRING:
                self.nt = f"{quoted}^^<{_iri(datatype)}>"
                self.ttl = f"{quoted}^^{_ttl_iri(datatype)}"
                self.json_value = f'{{"@value":{json_text},"@type":{_json_string(qname(datatype) or datatype)}}}'
                attrs = f' rdf:datatype="{_xml_attr(datatype)}"'
            else:
                self.nt = self.ttl = quoted
                self.json_value = f'{{"@value":{json_text}}}'
                attrs = ""
            self.xml = (attrs, _xml_text(text))  # <element{attrs}>{text}</element>
            self.verb = self.json_id = self.json_key = self.element = None
            self.is_type = False
            return
        self.nt = f"<{_iri(text)}>"
        self.ttl = name or self.nt
        self.is_type = text == _RDF_TYPE
        self.verb = "a" if self.is_type else self.ttl
        self.json_id = json_text
        self.json_key = self.json_type
        self.json_value = f'{{"@id":{json_text}}}'
        self.xml = _xml_attr(text)  # rdf:about / rdf:resource
        self.element = name


_IRIS: dict[str, _Term] = {}
_LITERALS: dict[tuple, _Term] = {}


def _term(term) -> _Term:
    if term.__class__ is URIRef:  # most terms: skip the isinstance checks
        key = str.__str__(term)
        found = _IRIS.get(key)
        if found is None:
            found = _IRIS[key] = _Term(key, None, None, literal=False)
        return found
    if isinstance(term, Literal):
        datatype = term.datatype
        key = (str.__str__(term), term.language, None if datatype is None else str.__str__(datatype))
        found = _LITERALS.get(key)
        if found is None:
            found = _LITERALS[key] = _Term(key[0], key[1], key[2], literal=True)
        return found
    key = str.__str__(term)
    found = _IRIS.get(key)
    if found is None:
        found = _IRIS[key] = _Term(key, None, None, literal=False)
    return found


def _terms(triples: Iterable[Triple]) -> dict[tuple[_Term, _Term, _Term], None]:
    """The triples as formatted terms, without duplicates, in first-seen order."""
    if len(_IRIS) + len(_LITERALS) > _TERM_CACHE_LIMIT:
        _IRIS.clear()
        _LITERALS.clear()
    # _term inlined for the common case, an IRI already formatted (most terms of a record).
    iris, term, uriref, key_of = _IRIS, _term, URIRef, str.__str__
    rows: dict[tuple[_Term, _Term, _Term], None] = {}
    for s, p, o in triples:
        ts = iris.get(key_of(s)) if s.__class__ is uriref else None
        tp = iris.get(key_of(p)) if p.__class__ is uriref else None
        to = iris.get(key_of(o)) if o.__class__ is uriref else None
        rows[ts or term(s), tp or term(p), to or term(o)] = None
    return rows


def _grouped(rows) -> dict[_Term, dict[_Term, list[_Term]]]:
    subjects: dict = {}
    for s, p, o in rows:
        predicates = subjects.get(s)
        if predicates is None:
            predicates = subjects[s] = {}
        objects = predicates.get(p)
        if objects is None:
            predicates[p] = [o]
        else:
            objects.append(o)
    return subjects


def _turtle(subjects) -> str:
    blocks = []
    for subject, predicates in subjects.items():
        lines = [f"    {p.verb} " + ", ".join([o.ttl for o in objects]) for p, objects in predicates.items()]
        blocks.append(f"{subject.nt}\n" + " ;\n".join(lines) + " .\n")
    return "\n".join(blocks)


def _jsonld(subjects) -> str:
    nodes = []
    for subject, predicates in subjects.items():
        parts = ['{"@id":', subject.json_id]
        for p, objects in predicates.items():
            if p.is_type:
                parts += [',"@type":[', ",".join([o.json_type for o in objects]), "]"]
            else:
                parts += [",", p.json_key, ":[", ",".join([o.json_value for o in objects]), "]"]
        parts.append("}")
        nodes.append("".join(parts))
    return ",\n".join(nodes)


def _rdfxml(subjects) -> str:
    parts = []
    for subject, predicates in subjects.items():
        parts.append(f'<rdf:Description rdf:about="{subject.xml}">\n')
        for p, objects in predicates.items():
            element = p.element
            if element is None:
                raise ValueError(f"RDF/XML needs a predicate in a declared namespace, not {p.text}")
            for o in objects:
                if isinstance(o.xml, tuple):
                    parts.append(f"  <{element}{o.xml[0]}>{o.xml[1]}</{element}>\n")
                else:
                    parts.append(f'  <{element} rdf:resource="{o.xml}"/>\n')
        parts.append("</rdf:Description>\n")
    return "".join(parts)


class RecordWriter:
    """One record's triples, formatted once and written in any of the four formats.

    ``RecordWriter(triples).write("ntriples")`` equals ``NTRIPLES.fragment(triples)``
    byte for byte (and so for every format): the writers above stay the reference."""

    def __init__(self, triples: Iterable[Triple]):
        self._rows = _terms(triples)
        self._subjects = None

    def write(self, name: str) -> str:
        if name == "ntriples":
            return "".join([f"{s.nt} {p.nt} {o.nt} .\n" for s, p, o in self._rows])
        if self._subjects is None:
            self._subjects = _grouped(self._rows)
        return {"turtle": _turtle, "jsonld": _jsonld, "rdfxml": _rdfxml}[name](self._subjects)


# Stating each triple once across fragments ------------------------------------------
#
# Records share nodes (publishers, licences, formats, themes, the DCAT-AP standard), so
# fragments put together state those nodes' triples once per record. A page passes its
# fragments through a StatedOnce, which drops what an earlier fragment already stated:
# a subject's block already written word for word is dropped whole (the common case, a
# dictionary hit), and a subject already written with other triples keeps only its new
# statements. The writers above never put a raw newline inside a term (literals escape
# it; RDF/XML escapes '<'), so a block and its statements are found by plain splits.

_TTL_OBJECT = re.compile(
    r'"(?:[^"\\]|\\.)*"(?:@[A-Za-z0-9-]+|\^\^(?:<[^>]*>|[A-Za-z][\w-]*:[A-Za-z_][A-Za-z0-9_-]*))?'
    r"|<[^>]*>|[A-Za-z][\w-]*:[A-Za-z_][A-Za-z0-9_-]*"
)
_XML_END = "</rdf:Description>\n"


def _split_blocks(name: str, fragment: str) -> list[str]:
    """A fragment's subject blocks (N-Triples: its lines), which joined by the format's
    separator give the fragment back."""
    if name == "ntriples":
        return [line + "\n" for line in fragment.split("\n")[:-1]]
    if name == "turtle":
        parts = fragment.split("\n\n")
        return [part + "\n" for part in parts[:-1]] + [parts[-1]]
    if name == "jsonld":
        return fragment.split(",\n")
    return [part + _XML_END for part in fragment.split(_XML_END)[:-1]]


def _subjects(name: str, blocks: list[str]) -> list[str]:
    """The subject of each block, as the block writes it."""
    if name == "turtle":
        return [block[: block.index("\n")] for block in blocks]
    if name == "jsonld":
        return [json.decoder.scanstring(block, 8)[0] for block in blocks]
    return [block[: block.index(">\n")] for block in blocks]  # <rdf:Description rdf:about="...">


def _statements(name: str, block: str) -> list:
    """One statement per triple of a block, as text that is equal for equal triples."""
    if name == "turtle":
        statements = []
        for line in block[block.index("\n") + 1 : -3].split(" ;\n"):
            verb, objects = line[4:].split(" ", 1)
            statements += [(verb, m.group()) for m in _TTL_OBJECT.finditer(objects)]
        return statements
    if name == "jsonld":
        node = json.loads(block)
        return [(key, _json(value)) for key, values in node.items() if key != "@id" for value in values]
    body = block[block.index(">\n") + 2 : -len(_XML_END)]  # "  <element ...>...</element>\n" each
    return ["  <" + line + "\n" for line in body[3:-1].split("\n  <")]


def _block(name: str, block: str, statements: list) -> str:
    """``block`` with only these of its statements."""
    if name == "turtle":
        verbs: dict[str, list[str]] = {}
        for verb, obj in statements:
            verbs.setdefault(verb, []).append(obj)
        lines = [f"    {verb} " + ", ".join(objects) for verb, objects in verbs.items()]
        return block[: block.index("\n") + 1] + " ;\n".join(lines) + " .\n"
    if name == "jsonld":
        node = {"@id": json.loads(block)["@id"]}
        for key, value in statements:
            node.setdefault(key, []).append(json.loads(value))
        return _json(node)
    return block[: block.index(">\n") + 2] + "".join(statements) + _XML_END


class StatedOnce:
    """Fragments of one format, less whatever an earlier fragment already stated."""

    def __init__(self, fmt: "RdfFormat"):
        self.name = fmt.name
        self.separator = fmt.separator
        self.blocks: set[str] = set()  # every block written (N-Triples: every line)
        self.subjects: dict[str, list] = {}  # subject -> its blocks written, or its statements

    def __call__(self, fragment: str) -> str:
        if not fragment:
            return ""
        blocks = _split_blocks(self.name, fragment)
        fresh = [block for block in blocks if block not in self.blocks]
        self.blocks.update(fresh)
        if self.name == "ntriples" or not fresh:
            return self.separator.join(fresh)
        subjects = _subjects(self.name, fresh)
        if self.subjects.keys().isdisjoint(subjects):  # no subject stated before: all kept whole
            self.subjects.update(zip(subjects, ([block] for block in fresh), strict=True))
            return self.separator.join(fresh)
        kept = [self._new_part(subject, block) for subject, block in zip(subjects, fresh, strict=True)]
        return self.separator.join(block for block in kept if block)

    def mark(self) -> None:
        """Remember what has been stated so far, for ``forget``."""
        self._marked = (set(self.blocks), {subject: list(blocks) for subject, blocks in self.subjects.items()})

    def forget(self) -> None:
        """Forget what was stated since ``mark`` (a dump's memory stays bounded per chunk)."""
        blocks, subjects = self._marked
        self.blocks, self.subjects = set(blocks), {subject: list(written) for subject, written in subjects.items()}

    def _new_part(self, subject: str, block: str) -> str:
        earlier = self.subjects.get(subject)
        if earlier is None:
            self.subjects[subject] = [block]
            return block
        stated = set()
        for written in earlier:
            stated.update(_statements(self.name, written))
        fresh = [s for s in dict.fromkeys(_statements(self.name, block)) if s not in stated]
        earlier.append(block)
        return _block(self.name, block, fresh) if fresh else ""
