"""What the equality tests compare: pyshacl's results (the reference) and the compiled
checker's, as sets of (focus node, result path, constraint component, severity, value)."""

from pyshacl import validate
from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from catalogue.publication import _gate_shapes, gate_checker


def path_key(graph: Graph, path):
    """A result path comparable across graphs: an IRI, or ('inverse', IRI) and the like for
    a path written as a blank node (pyshacl copies it into its report graph)."""
    if path is None or isinstance(path, URIRef):
        return path
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return ("inverse", path_key(graph, inverse))
    alternative = graph.value(path, SH.alternativePath)
    if alternative is not None:
        return ("alternative", tuple(path_key(graph, p) for p in Collection(graph, alternative)))
    if (path, RDF.first, None) in graph:
        return ("sequence", tuple(path_key(graph, p) for p in Collection(graph, path)))
    raise AssertionError(f"unexpected path {path!r}")


def top_level(report: Graph) -> list:
    """The report's results, without the ones pyshacl nests under another with sh:detail
    (why a value failed an sh:node shape: not results of their own)."""
    nested = set(report.objects(None, SH.detail))
    return [r for r in report.subjects(RDF.type, SH.ValidationResult) if r not in nested]


def value_key(value):
    # A blank node value keeps its identity in both; None where a result has no sh:value.
    return value


def pyshacl_results(graph: Graph) -> set[tuple]:
    _, report, _ = validate(graph, shacl_graph=_gate_shapes(), inference="none")
    found = set()
    for result in top_level(report):
        found.add(
            (
                report.value(result, SH.focusNode),
                path_key(report, report.value(result, SH.resultPath)),
                report.value(result, SH.sourceConstraintComponent),
                report.value(result, SH.resultSeverity),
                value_key(report.value(result, SH.value)),
            )
        )
    return found


def compiled_results(triples) -> set[tuple]:
    shapes = _gate_shapes()
    return {
        (r.focus, path_key(shapes, r.path), r.component, r.severity, value_key(r.value))
        for r in gate_checker().validate(triples)
    }


def pyshacl_sources(graph: Graph) -> set[tuple]:
    """(source shape, constraint component) of every pyshacl result: which shapes fired."""
    _, report, _ = validate(graph, shacl_graph=_gate_shapes(), inference="none")
    return {(report.value(r, SH.sourceShape), report.value(r, SH.sourceConstraintComponent)) for r in top_level(report)}


def as_graph(triples) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph


__all__ = ["BNode", "as_graph", "compiled_results", "path_key", "pyshacl_results", "pyshacl_sources"]
