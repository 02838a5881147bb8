"""The namespaces Provcat's RDF uses, with the fixed prefixes every serialisation declares.

Stored per-record fragments are written with exactly these prefixes, so pages and dumps
can be assembled by concatenation under one fixed prologue.
"""

from django.conf import settings
from rdflib import Namespace, URIRef
from rdflib import namespace as rdflib_namespace


class KeptNamespace(Namespace):
    """An rdflib Namespace that makes each of its terms once.

    rdflib's Namespace builds (and checks) a new URIRef on every attribute read, and the
    mapping reads ``DQV.computedOn`` and the like a few hundred times per record. URIRefs
    are immutable, so the first one made is kept as an attribute of the namespace and is
    what later reads return: equal to what rdflib would have made."""

    def __getattr__(self, name: str) -> URIRef:
        term = super().__getattr__(name)
        self.__dict__[name] = term
        return term

    @property
    def title(self) -> URIRef:  # rdflib's Namespace makes ``title`` a property (str has a title method)
        term = self.__dict__.get("title")
        if term is None:
            term = self.__dict__["title"] = URIRef(self + "title")
        return term


class KeptTerms:
    """One of rdflib's defined namespaces (DCAT, DCTERMS, ...), its terms kept once read.

    Reading ``DCTERMS.title`` from rdflib goes through a metaclass and a cache call each
    time; here the term rdflib returns (after its own checks: a closed namespace still
    refuses a term it does not define) becomes a plain attribute. Not a str, so terms
    named like str methods (``DCTERMS.format``, ``DCTERMS.title``) stay terms; ``str()``
    gives the namespace IRI."""

    def __init__(self, namespace):
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("_"):  # no term of these vocabularies; tools probe such names (_mock_name)
            raise AttributeError(name)
        term = getattr(self._namespace, name)
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> URIRef:
        return self._namespace[name]

    def __str__(self) -> str:
        return str(self._namespace)

    def __repr__(self) -> str:
        return repr(self._namespace)


DCAT = KeptTerms(rdflib_namespace.DCAT)
DCTERMS = KeptTerms(rdflib_namespace.DCTERMS)
FOAF = KeptTerms(rdflib_namespace.FOAF)
PROV = KeptTerms(rdflib_namespace.PROV)
RDF = KeptTerms(rdflib_namespace.RDF)
RDFS = KeptTerms(rdflib_namespace.RDFS)
SKOS = KeptTerms(rdflib_namespace.SKOS)
XSD = KeptTerms(rdflib_namespace.XSD)

ADMS = KeptNamespace("http://www.w3.org/ns/adms#")
CSVW = KeptNamespace("http://www.w3.org/ns/csvw#")
DCATAP = KeptNamespace("http://data.europa.eu/r5r/")
DQV = KeptNamespace("http://www.w3.org/ns/dqv#")
# GeoSPARQL: only its wktLiteral datatype (dcat:bbox, dcat:centroid), written as a full IRI.
GSP = KeptNamespace("http://www.opengis.net/ont/geosparql#")
HYDRA = KeptNamespace("http://www.w3.org/ns/hydra/core#")
OA = KeptNamespace("http://www.w3.org/ns/oa#")
QB = KeptNamespace("http://purl.org/linked-data/cube#")
SPDX = KeptNamespace("http://spdx.org/rdf/terms#")
VCARD = KeptNamespace("http://www.w3.org/2006/vcard/ns#")

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
