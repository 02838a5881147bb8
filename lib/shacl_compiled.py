"""SHACL Core shapes compiled to plain Python checks (no Django, no pyshacl).

``CompiledShapes(shapes_graph)`` reads a shapes graph once and turns every shape's
constraints into small closures; ``validate(triples)`` runs them over a data graph (an
rdflib Graph or any iterable of triples) and returns the validation results pyshacl would
give with ``inference="none"``: focus node, result path, source constraint component,
source shape, severity, value and message.

It is generic over the shapes graph: targets (targetClass, implicit class targets,
targetNode, targetSubjectsOf, targetObjectsOf), paths (predicate, inverse, sequence,
alternative) and the constraint components listed in ``_COMPILERS``. A shapes graph that uses
a SHACL constraint parameter not listed there is refused when compiled, so a new shapes file
never validates silently weaker than pyshacl. Words pyshacl ignores (such as the
non-standard ``sh:shape`` in DCAT-AP 3.0.1) are ignored here as well.

Messages follow pyshacl's wording (``sh:message`` when the shape gives one); node names in
them are written in the shapes graph's prefixes, so they may differ from pyshacl's in form.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import NamedTuple

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH, XSD

_COMPONENT = "http://www.w3.org/ns/shacl#{}ConstraintComponent"


class Result(NamedTuple):
    focus: object
    path: object  # None for a node shape's own constraints
    component: URIRef
    severity: URIRef
    shape: object
    value: object
    message: str


class UnsupportedShapes(ValueError):
    """The shapes graph uses SHACL this compiler does not implement."""


def _distinct(nodes) -> list:
    return list({_key(n): n for n in nodes}.values())


def _keyed(nodes):
    return ((_key(n), n) for n in nodes)


def _kind(node) -> type:
    """URIRef, BNode or Literal (type() first: isinstance on rdflib terms is slow)."""
    t = type(node)
    if t is URIRef or t is BNode or t is Literal:
        return t
    for kind in (Literal, BNode, URIRef):
        if isinstance(node, kind):
            return kind
    raise TypeError(f"not an RDF term: {node!r}")


def _key(node):
    """A plain, cheaply hashed key for a term: the IRI, '_:' + a blank node's id, or
    (lexical form, datatype, language) for a literal (rdflib terms hash in Python)."""
    kind = _kind(node)
    if kind is URIRef:
        return str(node)
    if kind is BNode:
        return "_:" + node
    return (str(node), str(node.datatype or ""), node.language or "")


_TYPE, _SUBCLASS = str(RDF.type), str(RDFS.subClassOf)


class _Data:
    """The data graph as a set of triples (duplicates dropped), indexed by plain keys."""

    __slots__ = ("out", "inv", "types", "supers", "instances_of", "terms")

    def __init__(self, triples: Iterable, inverse_predicates: frozenset):
        out: dict = {}
        inv: dict = {}
        types: dict = {}
        supers: dict = {}
        terms: dict = {}
        seen = set()
        for s, p, o in triples:
            ks, kp, ko = _key(s), str(p), _key(o)
            if (ks, kp, ko) in seen:
                continue
            seen.add((ks, kp, ko))
            by_p = out.get(ks)
            if by_p is None:
                by_p = out[ks] = {}
                terms[ks] = s
            values = by_p.get(kp)
            if values is None:
                by_p[kp] = [o]
            else:
                values.append(o)
            if kp == _TYPE and type(ko) is str:
                types.setdefault(ks, set()).add(ko)
            elif kp == _SUBCLASS and type(ko) is str:
                supers.setdefault(ks, set()).add(ko)
            if kp in inverse_predicates:
                inv.setdefault(ko, {}).setdefault(kp, []).append(s)
        self.out, self.inv, self.types, self.supers, self.terms = out, inv, types, supers, terms
        # class -> the keys of its instances (rdf:type/rdfs:subClassOf*), as pyshacl finds targets.
        instances: dict = {}
        for ks, classes in types.items():
            for cls in self._closure(classes) if supers else classes:
                instances.setdefault(cls, []).append(ks)
        self.instances_of = instances

    def _closure(self, classes) -> set:
        seen = set(classes)
        todo = list(classes)
        while todo:
            for parent in self.supers.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    def objects(self, focus, predicate: str):
        node = self.out.get(_key(focus)) if _kind(focus) is not Literal else None
        return node.get(predicate, ()) if node else ()

    def subjects(self, predicate: str, focus):
        node = self.inv.get(_key(focus))
        return node.get(predicate, ()) if node else ()

    def is_instance(self, node, cls: str) -> bool:
        if _kind(node) is Literal:
            return False
        classes = self.types.get(_key(node))
        if not classes:
            return False
        return cls in classes or bool(self.supers and cls in self._closure(classes))


@dataclass
class _Shape:
    node: object
    path: object  # compiled path function, or None for a node shape
    path_node: object
    severity: URIRef
    message: str | None
    deactivated: bool
    checks: list  # [(component, check)]; check(data, focus, values) -> [(value, message)]
    predicate: str | None = None  # the path, when it is one predicate
    properties: list = field(default_factory=list)  # sh:property shapes, applied to each value
    on_empty: list = field(default_factory=list)  # the checks that can fail with no value nodes


# SHACL parameters that are not constraints, and words pyshacl does not act on.
_NOT_CONSTRAINTS = {
    SH.path,
    SH.severity,
    SH.message,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.defaultValue,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.deactivated,
    SH.property,
    SH.flags,  # read with sh:pattern
    SH.ignoredProperties,  # read with sh:closed
    URIRef(str(SH) + "shape"),  # not SHACL: DCAT-AP 3.0.1 writes it where sh:node was meant; pyshacl ignores it
}


class CompiledShapes:
    def __init__(self, shapes: Graph):
        self.graph = shapes
        self._shapes: dict = {}
        self._inverse: set = set()
        self.targeted: list[tuple[_Shape, dict]] = []
        for node in self._shape_nodes():
            shape = self._shape(node)
            targets = {
                "class": {str(c) for c in shapes.objects(node, SH.targetClass)},
                "node": set(shapes.objects(node, SH.targetNode)),
                "subjects_of": {str(p) for p in shapes.objects(node, SH.targetSubjectsOf)},
                "objects_of": {str(p) for p in shapes.objects(node, SH.targetObjectsOf)},
            }
            if (node, RDF.type, RDFS.Class) in shapes:
                targets["class"].add(str(node))
            self._inverse.update(targets["objects_of"])
            if any(targets.values()):
                self.targeted.append((shape, targets))
        self.inverse_predicates = frozenset(self._inverse)

    # --- reading the shapes graph -------------------------------------------------------

    def _shape_nodes(self) -> list:
        g = self.graph
        nodes = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
        for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
            nodes.update(g.subjects(p, None))
        return sorted(nodes, key=str)

    def _shape(self, node) -> _Shape:
        if node in self._shapes:
            return self._shapes[node]
        g = self.graph
        path_node = g.value(node, SH.path)
        message = g.value(node, SH.message)
        shape = _Shape(
            node=node,
            path=self._path(path_node) if path_node is not None else None,
            path_node=path_node,
            severity=g.value(node, SH.severity) or SH.Violation,
            message=str(message) if message is not None else None,
            deactivated=bool(getattr(g.value(node, SH.deactivated), "value", False)),
            checks=[],
            predicate=str(path_node) if isinstance(path_node, URIRef) else None,
        )
        self._shapes[node] = shape  # before the constraints: shapes may refer to each other
        for p in sorted({p for p in g.predicates(node, None)}, key=str):
            if p == SH.property:
                shape.properties.extend(self._shape(prop) for prop in g.objects(node, SH.property))
                continue
            if not str(p).startswith(str(SH)) or p in _NOT_CONSTRAINTS:
                continue
            compiler = _COMPILERS.get(p)
            if compiler is None:
                raise UnsupportedShapes(f"{node}: sh:{str(p)[len(str(SH)) :]} is not supported")
            for value in g.objects(node, p):
                component, check = compiler(self, node, shape, value)
                shape.checks.append((URIRef(_COMPONENT.format(component)), check))
                if component in _COUNTING:
                    shape.on_empty.append(shape.checks[-1])
        return shape

    def _list(self, head) -> list:
        return list(Collection(self.graph, head))

    def _path(self, node) -> Callable:
        g = self.graph
        if isinstance(node, URIRef):
            predicate = str(node)
            return lambda data, focus: data.objects(focus, predicate)
        inverse = g.value(node, SH.inversePath)
        if isinstance(inverse, URIRef):
            inverse_predicate = str(inverse)
            self._inverse.add(inverse_predicate)
            return lambda data, focus: data.subjects(inverse_predicate, focus)
        alternative = g.value(node, SH.alternativePath)
        if alternative is not None:
            parts = [self._path(p) for p in self._list(alternative)]
            return lambda data, focus: _distinct(v for part in parts for v in part(data, focus))
        if (node, RDF.first, None) in g:
            steps = [self._path(p) for p in self._list(node)]

            def sequence(data, focus):
                nodes = [focus]
                for step in steps:
                    nodes = _distinct(v for n in nodes for v in step(data, n))
                return nodes

            return sequence
        raise UnsupportedShapes(f"path {node} is not supported")

    def _label(self, node) -> str:
        try:
            return node.n3(self.graph.namespace_manager)
        except Exception:  # noqa: BLE001 - a label is only for a message
            return str(node)

    # --- running ------------------------------------------------------------------------

    def _apply(self, shape: _Shape, data: _Data, focus) -> list[Result]:
        """The results of ``shape`` on one focus node."""
        if shape.deactivated:
            return []
        if shape.path is None:
            values = [focus]
        else:
            values = shape.path(data, focus)  # distinct: the data holds each triple once
        return self._run(shape, data, focus, values)

    def _run(self, shape: _Shape, data: _Data, focus, values) -> list[Result]:
        """The results of ``shape`` on one focus node with these value nodes."""
        results = []
        for prop in shape.properties:
            for v in values:
                if prop.predicate is None or prop.deactivated:
                    results.extend(self._apply(prop, data, v))
                    continue
                # The common case, inlined: a property shape whose path is one predicate.
                by_p = data.out.get(_key(v)) if _kind(v) is not Literal else None
                prop_values = by_p.get(prop.predicate, ()) if by_p else ()
                if prop_values or prop.on_empty:
                    results.extend(self._run(prop, data, v, prop_values))
        for component, check in shape.checks if values else shape.on_empty:
            for value, message in check(data, focus, values):
                results.append(
                    Result(
                        focus=focus,
                        path=shape.path_node,
                        component=component,
                        severity=shape.severity,
                        shape=shape.node,
                        value=value,
                        message=shape.message or message,
                    )
                )
        return results

    def conforms_to(self, shape_node, data: _Data, focus) -> bool:
        return not self._apply(self._shape(shape_node), data, focus)

    def index(self, triples: Iterable) -> _Data:
        return _Data(triples, self.inverse_predicates)

    def validate(self, triples: Iterable) -> list[Result]:
        """Every validation result of the data graph ``triples`` (any severity)."""
        data = triples if isinstance(triples, _Data) else self.index(triples)
        results = []
        for shape, targets in self.targeted:
            focus_nodes = {_key(n): n for n in targets["node"]}
            for cls in targets["class"]:
                for k in data.instances_of.get(cls, ()):
                    focus_nodes[k] = data.terms[k]
            for p in targets["subjects_of"]:
                focus_nodes.update((k, data.terms[k]) for k, preds in data.out.items() if preds.get(p))
            for p in targets["objects_of"]:
                focus_nodes.update((k, v) for preds in data.inv.values() for k, v in _keyed(preds.get(p, ())))
            for focus in focus_nodes.values():
                results.extend(self._apply(shape, data, focus))
        return results


# --- constraint components --------------------------------------------------------------
# Each compiler reads one parameter value and returns (component name, check). A check gets
# the data, the focus node and its value nodes and returns [(value node, message)].


def _min_count(c: CompiledShapes, node, shape: _Shape, value):
    n = int(value)

    def check(data, focus, values):
        if len(values) >= n:
            return []
        return [(None, f"Less than {n} values on {c._label(focus)}->{c._label(shape.path_node)}")]

    return "MinCount", check


def _max_count(c: CompiledShapes, node, shape: _Shape, value):
    n = int(value)

    def check(data, focus, values):
        if len(values) <= n:
            return []
        return [(None, f"More than {n} values on {c._label(focus)}->{c._label(shape.path_node)}")]

    return "MaxCount", check


def _class(c: CompiledShapes, node, shape: _Shape, cls):
    message = f"Value does not have class {c._label(cls)}"
    key = str(cls)
    return "Class", lambda data, focus, values: [(v, message) for v in values if not data.is_instance(v, key)]


_ACTUAL = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}


def _has_datatype(v, rule) -> bool:
    """pyshacl's test: the datatype's IRI and, for the types it knows, a well-typed value."""
    if _kind(v) is not Literal:
        return False
    if v.datatype == rule:
        if getattr(v, "ill_typed", None) is True:
            return False
    elif rule == RDFS.Literal:
        return True
    elif rule == RDFS.Datatype and v.datatype:
        return True
    elif not (
        (v.datatype is None and v.language is None and rule == XSD.string) or (rule == RDF.langString and v.language)
    ):
        return False
    expected = _ACTUAL.get(rule)
    return expected is None or isinstance(v.value, expected)


def _datatype(c: CompiledShapes, node, shape: _Shape, rule):
    message = f"Value is not Literal with datatype {c._label(rule)}"
    return "Datatype", lambda data, focus, values: [(v, message) for v in values if not _has_datatype(v, rule)]


_KINDS = {
    SH.IRI: {URIRef},
    SH.BlankNode: {BNode},
    SH.Literal: {Literal},
    SH.BlankNodeOrIRI: {BNode, URIRef},
    SH.BlankNodeOrLiteral: {BNode, Literal},
    SH.IRIOrLiteral: {URIRef, Literal},
}


def _node_kind(c: CompiledShapes, node, shape: _Shape, kind):
    allowed = _KINDS[kind]
    message = f"Value is not of Node Kind {c._label(kind)}"
    return "NodeKind", lambda data, focus, values: [(v, message) for v in values if _kind(v) not in allowed]


def _node(c: CompiledShapes, node, shape: _Shape, other):
    c._shape(other)
    message = f"Value does not conform to Shape {c._label(other)}."
    return "Node", lambda data, focus, values: [(v, message) for v in values if not c.conforms_to(other, data, v)]


def _not(c: CompiledShapes, node, shape: _Shape, other):
    c._shape(other)
    message = f"Value conforms to Shape {c._label(other)}. See details for more information."
    return "Not", lambda data, focus, values: [(v, message) for v in values if c.conforms_to(other, data, v)]


def _logical(name: str, passes: Callable[[int, int], bool], wording: str):
    def compile_(c: CompiledShapes, node, shape: _Shape, head):
        members = c._list(head)
        for m in members:
            c._shape(m)
        labels = "', '".join(c._label(m) for m in members)
        message = f"Node {{}} {wording} ('{labels}')"

        def check(data, focus, values):
            failing = []
            for v in values:
                conforming = sum(1 for m in members if c.conforms_to(m, data, v))
                if not passes(conforming, len(members)):
                    failing.append((v, message.format(c._label(v))))
            return failing

        return name, check

    return compile_


def _in(c: CompiledShapes, node, shape: _Shape, head):
    allowed = {_key(a) for a in c._list(head)}
    message = "Value {} not in list " + str([c._label(a) for a in c._list(head)])
    return "In", lambda data, focus, values: [
        (v, message.format(c._label(v))) for v in values if _key(v) not in allowed
    ]


def _has_value(c: CompiledShapes, node, shape: _Shape, wanted):
    key = _key(wanted)

    def check(data, focus, values):
        if any(_key(v) == key for v in values):
            return []
        return [(None, f"Node {c._label(focus)} value {c._label(wanted)} is missing")]

    return "HasValue", check


_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


def _pattern(c: CompiledShapes, node, shape: _Shape, value):
    flags = 0
    for letter in str(c.graph.value(node, SH.flags) or ""):
        flags |= _FLAGS.get(letter, 0)
    regex = re.compile(str(value), flags)
    message = f"Value does not match pattern '{value}'"
    return "Pattern", lambda data, focus, values: [
        (v, message) for v in values if _kind(v) is BNode or not regex.search(str(v))
    ]


def _length(name: str, ok: Callable[[int, int], bool]):
    def compile_(c: CompiledShapes, node, shape: _Shape, value):
        n = int(value)
        message = f"String length not {'>=' if name == 'MinLength' else '<='} {n}"

        def check(data, focus, values):
            return [(v, message) for v in values if _kind(v) is BNode or not ok(len(str(v)), n)]

        return name, check

    return compile_


def _unique_lang(c: CompiledShapes, node, shape: _Shape, value):
    def check(data, focus, values):
        if not getattr(value, "value", False):
            return []
        seen, repeated = set(), []
        for v in values:
            lang = getattr(v, "language", None)
            if lang:
                if lang.lower() in seen and lang.lower() not in repeated:
                    repeated.append(lang.lower())
                seen.add(lang.lower())
        return [(None, f"More than one String shares language '{lang}'") for lang in repeated]

    return "UniqueLang", check


# Components that can fail on a focus node with no value nodes; the others check each value.
_COUNTING = {"MinCount", "HasValue"}

_COMPILERS = {
    SH.minCount: _min_count,
    SH.maxCount: _max_count,
    SH["class"]: _class,
    SH.datatype: _datatype,
    SH.nodeKind: _node_kind,
    SH.node: _node,
    SH["not"]: _not,
    SH["or"]: _logical("Or", lambda n, total: n >= 1, "must conform to one or more shapes in"),
    SH["and"]: _logical("And", lambda n, total: n == total, "must conform to all shapes in"),
    SH.xone: _logical("Xone", lambda n, total: n == 1, "must conform to exactly one shape in"),
    SH["in"]: _in,
    SH.hasValue: _has_value,
    SH.pattern: _pattern,
    SH.minLength: _length("MinLength", lambda length, n: length >= n),
    SH.maxLength: _length("MaxLength", lambda length, n: length <= n),
    SH.uniqueLang: _unique_lang,
}
