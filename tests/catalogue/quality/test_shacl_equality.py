"""The compiled DCAT-AP gate (lib.shacl_compiled via catalogue.publication) gives exactly the
results pyshacl gives, the reference: the same (focus node, result path, constraint component,
severity, value) on the demo catalogue, on 2,000 generated records and on a corpus of
deliberately broken records that fires every constraint of every shape in shapes.ttl and
range.ttl."""

import pytest
from django.core.management import call_command
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD

from catalogue.models import Dataset
from catalogue.publication import _gate_shapes, dcat_ap_violations, gate_checker, gate_records
from catalogue.rdf.record import with_rdf_relations
from lib.shacl_compiled import CompiledShapes, UnsupportedShapes
from tests.catalogue.quality.shacl_reference import as_graph, compiled_results, pyshacl_results, pyshacl_sources

pytestmark = pytest.mark.django_db


def records(queryset) -> dict[int, list]:
    return gate_records(list(with_rdf_relations(queryset.order_by("pk"))))


def test_demo_records_give_the_same_results_as_pyshacl_one_by_one():
    call_command("load_demo")
    recs = records(Dataset.objects.all())
    assert len(recs) >= 5
    for pk, triples in recs.items():
        assert compiled_results(triples) == pyshacl_results(as_graph(triples)), f"dataset {pk}"


def test_2000_generated_records_give_the_same_results_as_pyshacl():
    from bench.generate import generate

    generate(2000, seed=5)
    recs = records(Dataset.objects.all())
    assert len(recs) >= 2000
    # pyshacl validates the records in four big graphs (not 2,000 calls); the compiled
    # checker sees the same graphs, and also each record alone, as scoring does.
    ids = sorted(recs)
    alone = set()
    for part in range(4):
        triples = [t for pk in ids[part::4] for t in recs[pk]]
        reference = pyshacl_results(as_graph(triples))
        assert compiled_results(triples) == reference, f"part {part}"
        alone |= reference
    each = set().union(*(compiled_results(recs[pk]) for pk in ids))
    assert each == alone


# --- the broken corpus ---------------------------------------------------------------------

BROKEN = Literal("broken")


def _wrong_kind(kind):
    allowed = {
        SH.IRI: {"iri"},
        SH.BlankNode: {"bnode"},
        SH.Literal: {"literal"},
        SH.BlankNodeOrIRI: {"bnode", "iri"},
        SH.BlankNodeOrLiteral: {"bnode", "literal"},
        SH.IRIOrLiteral: {"iri", "literal"},
    }[kind]
    for name, value in (("literal", BROKEN), ("bnode", BNode()), ("iri", URIRef("urn:broken:value"))):
        if name not in allowed:
            return value
    raise AssertionError(kind)


def _breaking_values(shapes, prop, parameter, value) -> list | None:
    """Values of the property that break ``parameter`` (None: no values at all breaks it)."""
    if parameter == SH.minCount:
        return None
    if parameter == SH.maxCount:
        return [URIRef(f"urn:broken:many:{i}") for i in range(int(value) + 1)]
    if parameter == SH["class"]:
        return [URIRef("urn:broken:untyped")]
    if parameter == SH.nodeKind:
        return [_wrong_kind(value)]
    if parameter == SH.datatype:
        return [URIRef("urn:broken:iri") if value == XSD.string else BROKEN]
    if parameter == SH.node:
        # Both shapes the gate names with sh:node are an sh:or of datatypes or of classes: an
        # untyped plain literal matches neither.
        return [BROKEN]
    raise AssertionError(f"no broken record for {parameter} yet: add one (every shape must be covered)")


CONSTRAINTS = {SH.minCount, SH.maxCount, SH["class"], SH.nodeKind, SH.datatype, SH.node}


def broken_corpus():
    """Per (property shape, constraint): a node of the targeted class that breaks it."""
    shapes = _gate_shapes()
    triples, expected, n = [], set(), 0
    for node_shape in sorted(set(shapes.subjects(SH.targetClass, None)), key=str):
        cls = shapes.value(node_shape, SH.targetClass)
        for prop in shapes.objects(node_shape, SH.property):
            path = shapes.value(prop, SH.path)
            inverse = shapes.value(path, SH.inversePath) if isinstance(path, BNode) else None
            for parameter, value in shapes.predicate_objects(prop):
                if not str(parameter).startswith(str(SH)) or parameter in (SH.path, SH.severity, SH.message):
                    continue
                if parameter not in CONSTRAINTS:
                    if str(parameter) == str(SH) + "shape":  # not SHACL; pyshacl ignores it
                        continue
                    raise AssertionError(f"no broken record for {parameter} yet")
                n += 1
                focus = URIRef(f"urn:broken:{n}")
                triples.append((focus, RDF.type, cls))
                for v in _breaking_values(shapes, prop, parameter, value) or []:
                    triples.append((v, inverse, focus) if inverse is not None else (focus, path, v))
                component = {
                    SH.minCount: SH.MinCountConstraintComponent,
                    SH.maxCount: SH.MaxCountConstraintComponent,
                    SH["class"]: SH.ClassConstraintComponent,
                    SH.nodeKind: SH.NodeKindConstraintComponent,
                    SH.datatype: SH.DatatypeConstraintComponent,
                    SH.node: SH.NodeConstraintComponent,
                }[parameter]
                expected.add((prop, component))
    return triples, expected


def test_broken_records_give_the_same_results_as_pyshacl_and_cover_every_shape():
    call_command("load_demo")
    valid = next(iter(records(Dataset.objects.filter(status=Dataset.Status.PUBLISHED)).values()))
    broken, expected = broken_corpus()
    graph = as_graph(valid + broken)

    assert compiled_results(list(graph)) == pyshacl_results(graph)

    shapes = _gate_shapes()
    fired = pyshacl_sources(graph)
    # Every constraint of every property shape fired on its broken record...
    assert expected <= fired, sorted(expected - fired, key=str)[:5]
    # ... so every property shape, every shape with a target, and every shape reached only
    # through sh:node (its sh:or is what failed) was triggered.
    fired_shapes = {shape for shape, _ in fired}
    for prop in set(shapes.objects(None, SH.property)):
        if not set(shapes.predicates(prop, None)) & CONSTRAINTS:
            # Two property shapes only name a path (LicenceDocument dct:type, CatalogRecord
            # dct:language): no record can break them, in pyshacl or here.
            assert gate_checker()._shape(prop).checks == []
            continue
        assert prop in fired_shapes, prop
    for node_shape in set(shapes.subjects(RDF.type, SH.NodeShape)):
        props = set(shapes.objects(node_shape, SH.property))
        compiled = gate_checker()._shape(node_shape)
        if not compiled.checks and all(not gate_checker()._shape(p).checks for p in props):
            # shapes.ttl's LicenceDocument_Shape: its one property shape only names a path.
            continue
        referrers = {s for s in shapes.subjects(SH.node, node_shape) if (s, SH.NodeConstraintComponent) in fired}
        assert props & fired_shapes or referrers, f"no broken record triggers {node_shape}"


def test_a_record_that_breaks_the_gate_is_refused_with_pyshacls_words():
    call_command("load_demo")
    dataset = Dataset.objects.filter(status=Dataset.Status.PUBLISHED).first()
    assert dcat_ap_violations(dataset) == []
    broken, _ = broken_corpus()
    triples = records(Dataset.objects.filter(pk=dataset.pk))[dataset.pk] + broken
    reference = pyshacl_results(as_graph(triples))
    assert {r[3] for r in reference} == {SH.Violation, SH.Warning}
    assert compiled_results(triples) == reference


def test_shapes_with_a_constraint_it_does_not_implement_are_refused():
    from rdflib import Graph

    shapes = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <urn:ex:> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:lessThan ex:q ] .""",
        format="turtle",
    )
    with pytest.raises(UnsupportedShapes, match="lessThan"):
        CompiledShapes(shapes)
    assert gate_checker().validate([]) == []


def test_a_record_with_only_warnings_fails_the_gate_as_pyshacls_conforms_says():
    from pyshacl import validate
    from rdflib.namespace import DCAT

    from catalogue.publication import gate_violates

    series_iri = URIRef("urn:broken:series")
    series = [
        (series_iri, RDF.type, URIRef(str(DCAT) + "DatasetSeries")),
        (series_iri, URIRef("http://purl.org/dc/terms/title"), Literal("A series")),
        (series_iri, URIRef("http://purl.org/dc/terms/description"), Literal("Its datasets name it in dcat:inSeries")),
    ]
    graph = as_graph(series)
    conforms, _, _ = validate(graph, shacl_graph=_gate_shapes(), inference="none")
    results = compiled_results(series)
    assert results == pyshacl_results(graph)
    assert {r[3] for r in results} == {SH.Warning}
    assert gate_violates(series) is (not conforms) is True
