"""The namespaces Provcat's RDF uses, with the fixed prefixes every serialisation declares.

Stored per-record fragments are written with exactly these prefixes, so pages and dumps
can be assembled by concatenation under one fixed prologue.
"""

from django.conf import settings
from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

ADMS = Namespace("http://www.w3.org/ns/adms#")
CSVW = Namespace("http://www.w3.org/ns/csvw#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
DQV = Namespace("http://www.w3.org/ns/dqv#")
# GeoSPARQL: only its wktLiteral datatype (dcat:bbox, dcat:centroid), written as a full IRI.
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
OA = Namespace("http://www.w3.org/ns/oa#")
QB = Namespace("http://purl.org/linked-data/cube#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")

# prefix -> namespace IRI; the order is the order of the prologue.
PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "dcat": str(DCAT),
    "dcatap": str(DCATAP),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "skos": str(SKOS),
    "adms": str(ADMS),
    "prov": str(PROV),
    "dqv": str(DQV),
    "oa": str(OA),
    "csvw": str(CSVW),
    "spdx": str(SPDX),
    "hydra": str(HYDRA),
    "qb": str(QB),
}

__all__ = [
    "ADMS",
    "CSVW",
    "DCAT",
    "DCATAP",
    "DCTERMS",
    "DQV",
    "FOAF",
    "GSP",
    "HYDRA",
    "OA",
    "PREFIXES",
    "PROV",
    "QB",
    "RDF",
    "RDFS",
    "SKOS",
    "SPDX",
    "VCARD",
    "XSD",
    "base_uri",
]


def base_uri(path: str) -> URIRef:
    """A URI Provcat mints itself, under PROVCAT_BASE_URI."""
    return URIRef(f"{settings.PROVCAT_BASE_URI}/{path.lstrip('/')}")
