"""The namespaces the RDF mapping reads its terms from give rdflib's terms, made once."""

import pytest
from rdflib import URIRef
from rdflib import namespace as rdflib_namespace

from catalogue.rdf.namespaces import CSVW, DCAT, DCTERMS, DQV, PREFIXES


def test_terms_are_rdflibs_and_the_same_object_on_every_read():
    assert DCAT.Dataset == rdflib_namespace.DCAT.Dataset and DCAT.Dataset is DCAT.Dataset
    assert DQV.computedOn == URIRef("http://www.w3.org/ns/dqv#computedOn") and DQV.computedOn is DQV.computedOn


def test_terms_named_like_str_methods_are_terms():
    assert DCTERMS.format == URIRef("http://purl.org/dc/terms/format")
    assert DCTERMS.title == URIRef("http://purl.org/dc/terms/title")
    assert CSVW.title == URIRef("http://www.w3.org/ns/csvw#title") and CSVW.title is CSVW.title


def test_a_closed_namespace_still_refuses_a_term_it_does_not_define():
    with pytest.raises(AttributeError):
        DCTERMS.notATermOfDublinCore  # noqa: B018


def test_the_prefixes_name_the_namespace_iris():
    assert PREFIXES["dcat"] == "http://www.w3.org/ns/dcat#" and PREFIXES["dct"] == "http://purl.org/dc/terms/"
