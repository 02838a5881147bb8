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
# fragments through a StatedOnce, which drops what an earlier fragment already stated.
# Only a subject that an earlier fragment wrote can have triples stated before, so the
# work is keyed on subjects: each fragment's subject blocks (N-Triples: its runs of lines
# with one subject) are found by one regular expression, a subject seen for the first
# time is kept as it stands (its text is not copied, hashed or remembered; only which
# fragment wrote it), and only a subject written by an earlier fragment is compared with
# what was stated: a block written before word for word is dropped whole, otherwise only
# its new statements (N-Triples: lines) are kept. The writers above never put a raw
# newline inside a term (literals escape it; RDF/XML escapes '<' and '"', JSON escapes
# control characters), so the patterns below only match where blocks begin.

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


@dataclass(frozen=True)
class _Blocks:
    """Where a format's subject blocks are: ``first`` matches the fragment's first block
    and ``next`` every later one, group 1 being the subject as the block writes it; a
    ``next`` match starts ``tail`` characters before the end of the block before it, and
    the format's ``separator`` follows that end."""

    first: re.Pattern
    next: re.Pattern
    tail: int
    separator: str


# JSON-LD: a JSON string never holds a raw control character (json.dumps escapes them), and
# the class that says so is matched faster than [^"\\] alone.
_BLOCKS = {
    "turtle": _Blocks(re.compile(r"(<[^\n]*)"), re.compile(r"\n\n(<[^\n]*)"), 1, "\n"),
    "jsonld": _Blocks(
        re.compile(r'(\{"@id":"[^"\\\x00-\x1f]*+(?:\\.[^"\\\x00-\x1f]*+)*+")'),
        re.compile(r',\n(\{"@id":"[^"\\\x00-\x1f]*+(?:\\.[^"\\\x00-\x1f]*+)*+")'),
        0,
        ",\n",
    ),
    "rdfxml": _Blocks(
        re.compile(r'(<rdf:Description rdf:about="[^"]*">)'),
        re.compile(r'</rdf:Description>\n(<rdf:Description rdf:about="[^"]*">)'),
        len(_XML_END),
        "",
    ),
}
# N-Triples: a run of consecutive lines with one subject (group 1).
_NT_RUN = re.compile(r"(<[^>]*+>) [^\n]*+\n(?:\1 [^\n]*+\n)*+")


def _each_block(name: str, fragment: str) -> Iterator[tuple[str, int, int]]:
    """(subject, start, end) of each block of a fragment (N-Triples: of each run of lines)."""
    if name == "ntriples":
        for match in _NT_RUN.finditer(fragment):
            yield match.group(1), match.start(), match.end()
        return
    blocks = _BLOCKS[name]
    subject, start = blocks.first.match(fragment).group(1), 0
    for match in blocks.next.finditer(fragment):
        end = match.start() + blocks.tail
        yield subject, start, end
        subject, start = match.group(1), end + len(blocks.separator)
    yield subject, start, len(fragment)


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
        self.fragments: list[str] = []  # every fragment passed, by number
        self.first: dict[str, int] = {}  # subject -> the number of the fragment that first wrote it
        self.stated: dict[str, list | set] = {}  # subject written again -> its blocks written (N-Triples: lines)
        self.block: dict[str, str] = {}  # subject written again -> its first block (not N-Triples)
        self.runs: set[str] = set()  # N-Triples: runs of lines of subjects written again, all stated
        self.written: dict[int, dict[str, list[str]]] = {}  # fragment number -> its blocks by subject, once read

    def __call__(self, fragment: str) -> str:
        return self.separator.join(self.pieces(fragment))

    def pieces(self, fragment: str) -> list[str]:
        """What is new in ``fragment``, in pieces that the format's separator joins (the
        fragment itself when all of it is new; none when nothing is)."""
        if not fragment:
            return []
        number = len(self.fragments)
        self.fragments.append(fragment)
        if self.name == "ntriples":
            return self._lines(fragment, number)
        return self._blocks(fragment, number)

    def _lines(self, fragment: str, number: int) -> list[str]:
        remember = self.first.setdefault
        again = []  # (subject, start, end) of each run of lines whose subject an earlier fragment wrote
        for match in _NT_RUN.finditer(fragment):
            if remember(match[1], number) != number:
                again.append((match[1], *match.span()))
        return self._kept(fragment, again, "") if again else [fragment]

    def _blocks(self, fragment: str, number: int) -> list[str]:
        blocks, remember = _BLOCKS[self.name], self.first.setdefault
        tail, gap = blocks.tail, len(blocks.separator)
        again = []  # (subject, start, end) of each block whose subject an earlier fragment wrote
        subject, start = blocks.first.match(fragment)[1], 0
        for match in blocks.next.finditer(fragment):
            end = match.start() + tail
            if remember(subject, number) != number:
                again.append((subject, start, end))
            subject, start = match[1], end + gap
        if remember(subject, number) != number:
            again.append((subject, start, len(fragment)))
        return self._kept(fragment, again, blocks.separator) if again else [fragment]

    def _kept(self, fragment: str, again: list[tuple[str, int, int]], separator: str) -> list[str]:
        """The fragment in pieces, each block (N-Triples: run of lines) in ``again`` less
        what was stated before: dropped when it was written before word for word (the
        common case), else its new statements only."""
        nt, runs, first_block, gap = self.name == "ntriples", self.runs, self.block, len(separator)
        kept, run = [], 0  # the pieces so far, and where the run of text kept whole since began
        for subject, start, end in again:
            if run < start:
                kept.append(fragment[run : start - gap])
            run = end + gap
            if nt:
                text = fragment[start:end]
                if text not in runs:
                    new = self._new_lines(subject, text)
                    if new:
                        kept.append(new)
            else:
                text = first_block.get(subject)
                if text is None or end - start != len(text) or not fragment.startswith(text, start):
                    new = self._new_block(subject, fragment[start:end])
                    if new:
                        kept.append(new)
        if run < len(fragment):
            kept.append(fragment[run:])
        return kept

    def _written(self, subject: str) -> list[str]:
        """The text of each block (N-Triples: run of lines) of ``subject`` in the fragment
        that first wrote it (a fragment is read once for all the subjects it first wrote)."""
        number = self.first[subject]
        written = self.written.get(number)
        if written is None:
            written = self.written[number] = {}
            fragment = self.fragments[number]
            for found, start, end in _each_block(self.name, fragment):
                written.setdefault(found, []).append(fragment[start:end])
        return list(written[subject])

    def _new_lines(self, subject: str, lines: str) -> str:
        stated = self.stated.get(subject)
        if stated is None:
            written = self._written(subject)
            self.runs.update(written)
            stated = self.stated[subject] = set("".join(written)[:-1].split("\n"))
        self.runs.add(lines)
        fresh = [line for line in lines[:-1].split("\n") if line not in stated]
        if not fresh:
            return ""
        stated.update(fresh)
        return "\n".join(fresh) + "\n"

    def _new_block(self, subject: str, block: str) -> str:
        earlier = self.stated.get(subject)
        if earlier is None:
            earlier = self.stated[subject] = self._written(subject)
            self.block[subject] = earlier[0]
        if block in earlier:
            return ""
        stated = set()
        for written in earlier:
            stated.update(_statements(self.name, written))
        fresh = [s for s in dict.fromkeys(_statements(self.name, block)) if s not in stated]
        earlier.append(block)
        return _block(self.name, block, fresh) if fresh else ""

    def mark(self) -> None:
        """Remember what has been stated so far, for ``forget``."""
        self._marked = (
            len(self.fragments),
            dict(self.first),
            {subject: type(stated)(stated) for subject, stated in self.stated.items()},
            dict(self.block),
            set(self.runs),
        )

    def forget(self) -> None:
        """Forget what was stated since ``mark`` (a dump's memory stays bounded per chunk)."""
        count, first, stated, block, runs = self._marked
        del self.fragments[count:]
        self.written = {}  # fragment numbers from ``count`` on are given out again
        self.first, self.block, self.runs = dict(first), dict(block), set(runs)
        self.stated = {subject: type(written)(written) for subject, written in stated.items()}
