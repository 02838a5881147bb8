"""The data dictionary as CSVW: a csvw:Schema of csvw:Columns, reached from each
distribution through dct:conformsTo (and from a csvw:Table per distribution).

A column that measures a glossary concept names it twice: csvw:propertyUrl (CSVW's link from
a column to the property its cells state, the path RDF Data Cube takes to qb:concept) and
dct:subject (which older readers, Provcat's harvester among them, also read). A column whose
values come from a code list names the scheme with qb:codeList."""

from rdflib import Literal, URIRef

from catalogue.models import Dataset, Field
from catalogue.rdf.namespaces import CSVW, DCTERMS, QB, RDF, XSD
from catalogue.rdf.terms import dataset_node, plain, text
from lib.iri import uri_ref_or_none

GEOSPARQL_WKT = URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")
DATATYPES = {
    Field.Datatype.STRING: XSD.string,
    Field.Datatype.INTEGER: XSD.integer,
    Field.Datatype.DECIMAL: XSD.decimal,
    Field.Datatype.BOOLEAN: XSD.boolean,
    Field.Datatype.DATE: XSD.date,
    Field.Datatype.DATETIME: XSD.dateTime,
    Field.Datatype.TIME: XSD.time,
    Field.Datatype.YEAR: XSD.gYear,
    Field.Datatype.DURATION: XSD.duration,
    Field.Datatype.ANYURI: XSD.anyURI,
    Field.Datatype.GEOMETRY: GEOSPARQL_WKT,
}


def schema_uri(dataset: Dataset) -> URIRef:
    return dataset_node(dataset, "schema")


def schema_triples(dataset: Dataset, fields: list[Field], table_urls: list[str]) -> list:
    """The csvw:Schema (also a dct:Standard, the class DCAT-AP wants for dct:conformsTo)."""
    schema = schema_uri(dataset)
    triples = [
        (schema, RDF.type, CSVW.Schema),
        (schema, RDF.type, DCTERMS.Standard),
        (schema, DCTERMS.title, text(f"Data dictionary of {dataset.title}")),
    ]
    for field in fields:
        column = dataset_node(dataset, f"column-{field.pk}")
        triples += [
            (schema, CSVW.column, column),
            (column, RDF.type, CSVW.Column),
            (column, CSVW.name, plain(field.name)),
            (column, CSVW.title, text(field.title or field.name)),
            (column, CSVW.datatype, DATATYPES.get(field.datatype, XSD.string)),
            (column, CSVW.required, plain_bool(field.required)),
        ]
        if field.definition:
            triples.append((column, DCTERMS.description, text(field.definition)))
        if field.unit:
            triples.append((column, CSVW.note, plain(f"unit: {field.unit}")))
        concept_node = uri_ref_or_none(field.concept_uri)
        if concept_node is not None:
            triples += [(column, CSVW.propertyUrl, concept_node), (column, DCTERMS.subject, concept_node)]
        code_list = uri_ref_or_none(field.code_list_uri)
        if code_list is not None:
            triples.append((column, QB.codeList, code_list))
    for index, url in enumerate(table_urls, start=1):
        table = dataset_node(dataset, f"table-{index}")
        triples += [(table, RDF.type, CSVW.Table), (table, CSVW.tableSchema, schema)]
        table_url = uri_ref_or_none(url)
        if table_url is not None:
            triples.append((table, CSVW.url, table_url))
    return triples


_TRUE, _FALSE = Literal("true", datatype=XSD.boolean), Literal("false", datatype=XSD.boolean)


def plain_bool(value: bool):
    return _TRUE if value else _FALSE
