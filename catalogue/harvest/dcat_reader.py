"""One page of a DCAT catalogue (DCAT-AP 2 and 3 as portals publish them) as record dicts.

The DCAT mapping of catalogue/rdf/ in reverse, tolerant of what real portals write: untyped
datasets, literals where IRIs belong, typos (dcat:distributions, dct:abstract), several
languages, comma-joined keywords, dates in any xsd form, Hydra paging in both its vocabularies.
Pure: the page's bytes in, a ``records.Page`` out; no database, no network.

Wherever the source gives several values for one field, the choice is made by sorting
(English first for text, IRIs before labels), and distributions are sorted too, so a source
that serialises the same graph in another order each time (rdflib's stores do) gives the
same records, hence the same content hashes, on every harvest.
"""

from __future__ import annotations

import calendar
import datetime
import html
import logging
import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urljoin, urlsplit

import pyoxigraph as ox

from catalogue.harvest import records
from catalogue.harvest.errors import MalformedPage
from catalogue.harvest.parsing import ACCEPT_HEADER, format_detect, page_parse
from catalogue.models import Field
from catalogue.rdf.csvw import DATATYPES
from catalogue.rdf.namespaces import PREFIXES
from lib.iri import is_valid_iri

__all__ = ["ACCEPT_HEADER", "read_dcat_page"]

logger = logging.getLogger(__name__)

# Namespace IRIs as plain strings: pyoxigraph hands out terms whose .value is compared here.
RDF, RDFS, XSD, DCAT, DCT, FOAF, SKOS, VCARD, ADMS, PROV, SPDX, CSVW, HYDRA = (
    PREFIXES[p]
    for p in ("rdf", "rdfs", "xsd", "dcat", "dct", "foaf", "skos", "vcard", "adms", "prov", "spdx", "csvw", "hydra")
)
DCATAP = PREFIXES["dcatap"]
TIME = "http://www.w3.org/2006/time#"
OWL = "http://www.w3.org/2002/07/owl#"
SCHEMA = ("http://schema.org/", "https://schema.org/")

TYPE = RDF + "type"
DATASET_TYPES = {DCAT + "Dataset", DCAT + "DatasetSeries"}
DISTRIBUTION = (DCAT + "distribution", DCAT + "distributions")
TITLE = (DCT + "title", RDFS + "label")
DESCRIPTION = (DCT + "description", DCT + "abstract")
# Where a node (a licence, a publisher, a theme...) keeps its name, best first.
LABEL = (SKOS + "prefLabel", DCT + "title", FOAF + "name", RDFS + "label", VCARD + "fn", RDF + "value")
AGENT_NAME = (FOAF + "name", SKOS + "prefLabel", DCT + "title", RDFS + "label", VCARD + "fn")
STUB_LINKS = (DCAT + "servesDataset", DCT + "hasPart")
VERSION = (DCAT + "version", OWL + "versionInfo", ADMS + "version", *(s + "version" for s in SCHEMA))
START = (DCAT + "startDate", *(s + "startDate" for s in SCHEMA))
END = (DCAT + "endDate", *(s + "endDate" for s in SCHEMA))
INSTANT = (TIME + "inXSDDate", TIME + "inXSDDateTimeStamp", TIME + "inXSDDateTime", TIME + "inXSDgYear")
EMAIL = (VCARD + "hasEmail", VCARD + "email")
CHECKSUM_ALGORITHMS = {"sha256": "sha256", "sha1": "sha1", "md5": "md5"}
# A list longer than this is not a data dictionary (and a cyclic one never ends).
MAX_LIST_LENGTH = 10_000
MAX_IDENTIFIER_LENGTH = 1000

NO_IDENTITY = "The dataset has no IRI and no dct:identifier, so it cannot be recognised on the next harvest."
TWICE = "The page describes this dataset twice; only its first description was read."


def read_dcat_page(body: bytes, *, url: str, content_type: str = "", rdf_format: str = "auto") -> records.Page:
    """The datasets of one page of a DCAT source, with the next page's URL and the source's
    total when the page says them (Hydra). Raises UnsafeDocument or MalformedPage."""
    fmt = format_detect(body, url=url, content_type=content_type, rdf_format=rdf_format)
    graph = page_parse(body, fmt, base_iri=url, build=PageGraph)
    if not graph.nodes:
        # An empty answer must not pass for an empty catalogue: the run would look complete.
        raise MalformedPage(f"The page holds no RDF statements at all (read as {fmt.label}): it is empty or not RDF.")
    page = records.Page(bytes_read=len(body), next_url=graph.next_url(url), total_records=graph.total_records())
    seen: set[str] = set()
    for position, node in enumerate(graph.datasets(), start=1):
        try:
            record = graph.record(node)
        except Exception as error:  # one unreadable dataset fails alone; the page goes on
            logger.exception("Could not read dataset %s on %s", node, url)
            page.failures.append(
                records.RecordFailure(_describe(node, position, url), f"Provcat could not read it: {error}")
            )
            continue
        identifier = record["identifier"]
        if not identifier:
            page.failures.append(records.RecordFailure(_describe(node, position, url), NO_IDENTITY))
        elif len(identifier) > MAX_IDENTIFIER_LENGTH:
            page.failures.append(
                records.RecordFailure(
                    identifier[:200] + "…", f"The dataset's identifier is over {MAX_IDENTIFIER_LENGTH} characters long."
                )
            )
        elif identifier in seen:
            page.failures.append(records.RecordFailure(identifier, TWICE))
        else:
            seen.add(identifier)
            page.records.append(records.normalise(record))
    return page


def _describe(node, position: int, url: str) -> str:
    if isinstance(node, ox.NamedNode):
        return node.value[:MAX_IDENTIFIER_LENGTH]
    return f"(blank node {position} on page {url})"[:MAX_IDENTIFIER_LENGTH]


class PageGraph:
    """The page's triples as subject -> predicate IRI -> objects (in order, without
    duplicates), and the reading of datasets, distributions and data dictionaries from it."""

    def __init__(self, quads):
        nodes: dict = {}
        for subject, predicate, obj, _graph in quads:
            # RDF 1.2 triple terms say nothing DCAT reads, and every term kept here has a value.
            if type(obj) is ox.Triple or type(subject) is ox.Triple:
                continue
            predicates = nodes.get(subject)
            if predicates is None:
                predicates = nodes[subject] = {}
            objects = predicates.get(predicate.value)
            if objects is None:
                objects = predicates[predicate.value] = {}
            objects[obj] = None
        self.nodes = nodes
        self._tables: dict[str, list] | None = None

    # Reading the graph ---------------------------------------------------------------

    def objects(self, node, *predicates) -> list:
        found = self.nodes.get(node)
        if not found:
            return []
        if len(predicates) == 1:
            return list(found.get(predicates[0], ()))
        out: dict = {}
        for predicate in predicates:
            objects = found.get(predicate)
            if objects:
                out.update(objects)
        return list(out)

    def types(self, node) -> set[str]:
        return {t.value for t in self.objects(node, TYPE) if isinstance(t, ox.NamedNode)}

    def text(self, node, *predicates) -> str:
        """The best literal of the first of ``predicates`` that has one: English, else no
        language, else the first language in sorted order."""
        found = self.nodes.get(node)
        if found:
            for predicate in predicates:
                objects = found.get(predicate)
                if objects:
                    best = _best_literal(objects)
                    if best:
                        return best
        return ""

    def label(self, node) -> str:
        """What a node is called: a literal's value, a node's label, an unlabelled IRI itself."""
        if isinstance(node, ox.Literal):
            return node.value.strip()
        found = self.text(node, *LABEL)
        if found or isinstance(node, ox.BlankNode):
            return found
        return node.value

    def value(self, node) -> str:
        """A term where an IRI belongs: the IRI, else the literal, else the blank node's label."""
        if isinstance(node, ox.BlankNode):
            return self.label(node)
        return node.value.strip()

    def iri_or_label(self, node, predicate: str) -> str:
        """One value for a field that wants an IRI: the first IRI in sorted order, else the
        best literal, else the label of a blank node (literals and labels are tolerated)."""
        values = self.nodes.get(node, {}).get(predicate)
        if not values:
            return ""
        if len(values) == 1:  # the usual case, first
            (value,) = values
            return self.value(value)
        iris = sorted(o.value for o in values if type(o) is ox.NamedNode)
        if iris:
            return iris[0]
        literal = _best_literal(values)
        if literal:
            return literal
        labels = sorted(filter(None, (self.label(o) for o in values if type(o) is ox.BlankNode)))
        return labels[0] if labels else ""

    def url(self, node, *predicates, exclude=()) -> str:
        """An address: an IRI, or a literal holding one (first in sorted order)."""
        values = sorted(
            o.value.strip() for o in self.objects(node, *predicates) if type(o) is not ox.BlankNode and o not in exclude
        )
        return next((v for v in values if is_valid_iri(v)), "")

    # Which nodes are datasets --------------------------------------------------------

    def datasets(self) -> list:
        """The page's datasets in document order: typed dcat:Dataset or dcat:DatasetSeries,
        untyped with a distribution, or untyped and listed by a catalogue (dcat:dataset) with
        a description here. Stubs (no title, no distribution, nothing but a type or only
        named by dcat:servesDataset / dct:hasPart) are left out."""
        found: dict = {}
        listed: dict = {}
        stub_links: set = set()
        for node, predicates in self.nodes.items():
            types = predicates.get(TYPE)
            if types:
                if any(isinstance(t, ox.NamedNode) and t.value in DATASET_TYPES for t in types):
                    found[node] = None
            elif DISTRIBUTION[0] in predicates or DISTRIBUTION[1] in predicates:
                found[node] = None
            listed.update(predicates.get(DCAT + "dataset", {}))
            for link in STUB_LINKS:
                stub_links.update(predicates.get(link, ()))
        for node in listed:
            predicates = self.nodes.get(node)
            if predicates and TYPE not in predicates:
                found[node] = None
        return [node for node in found if not self._is_stub(node, stub_links)]

    def _is_stub(self, node, stub_links: set) -> bool:
        predicates = self.nodes[node]
        if any(p in predicates for p in (*TITLE, *DISTRIBUTION)):
            return False
        return node in stub_links or set(predicates) <= {TYPE}

    # One dataset ---------------------------------------------------------------------

    def record(self, node) -> dict:
        """The record dict of a dataset node (records.py has the contract)."""
        licence = self.iri_or_label(node, DCT + "license")
        distributions = sorted(
            filter(None, (self.distribution(d) for d in self.objects(node, *DISTRIBUTION))), key=_distribution_key
        )
        if not licence and distributions:
            licences = {d["licence"] for d in distributions}
            if len(licences) == 1:
                licence = licences.pop()
        for distribution in distributions:
            if distribution["licence"] == licence:
                distribution["licence"] = ""
        start, end = self.temporal(node)
        spatial_uri, spatial_label = self.spatial(node)
        contact_name, contact_email = self.contact(node)
        publisher = self.objects(node, DCT + "publisher")
        publisher = sorted(publisher, key=_iris_first)[0] if publisher else None
        schemas = self._schemas(node, distributions)
        return {
            **self.identity(node),
            "title": self.text(node, *TITLE),
            "description": plain_text(self.text(node, *DESCRIPTION)),
            "keywords": self.keywords(node),
            "themes": sorted({v for v in map(self.value, self.objects(node, DCAT + "theme")) if v}),
            "licence": licence,
            "access_rights": self.iri_or_label(node, DCT + "accessRights"),
            "contact_name": contact_name,
            "contact_email": contact_email,
            "temporal_start": start,
            "temporal_end": end,
            "spatial_uri": spatial_uri,
            "spatial_label": spatial_label,
            "frequency": self.iri_or_label(node, DCT + "accrualPeriodicity"),
            "language": self.iri_or_label(node, DCT + "language"),
            "version": self.text(node, *VERSION),
            "version_notes": self.text(node, ADMS + "versionNotes"),
            "conforms_to": self.url(node, DCT + "conformsTo", exclude=schemas),
            "landing_page": self.url(node, DCAT + "landingPage"),
            "issued": date_text(self.text(node, DCT + "issued")),
            "modified": moment_text(self.text(node, DCT + "modified")),
            "publisher_name": self.publisher_name(publisher),
            "publisher_uri": publisher.value if isinstance(publisher, ox.NamedNode) else "",
            "source_page": "",
            "distributions": [{k: v for k, v in d.items() if k != "schema"} for d in distributions],
            "fields": self.fields(schemas[0]) if schemas else [],
            "derived_from": self.derived_from(node),
        }

    def identity(self, node) -> dict:
        """identifier: the IRI, else dct:identifier (a literal or an adms:Identifier's
        skos:notation); uri: the IRI when it is an http(s) one Provcat can store."""
        if isinstance(node, ox.NamedNode):
            return {"identifier": node.value, "uri": _http_iri(node)}
        identifier = self.text(node, DCT + "identifier")
        if not identifier:
            for other in self.objects(node, ADMS + "identifier", DCT + "identifier"):
                identifier = self.text(other, SKOS + "notation") if isinstance(other, ox.BlankNode) else other.value
                if identifier.strip():
                    break
        return {"identifier": identifier.strip(), "uri": ""}

    def keywords(self, node) -> list[str]:
        found = {}
        for keyword in self.objects(node, DCAT + "keyword"):
            # An IRI is not a keyword; its label is, when the page gives one.
            words = self.text(keyword, *LABEL) if isinstance(keyword, ox.NamedNode) else self.label(keyword)
            for word in words.split(","):
                word = word.strip()
                if word:
                    found[word] = None
        return list(found)

    def contact(self, node) -> tuple[str, str]:
        """(name, e-mail) of the first contact point, in sorted order, that gives either."""
        found = []
        for point in self.objects(node, DCAT + "contactPoint"):
            if isinstance(point, ox.Literal):
                value = point.value.strip()
                found.append(("", _email(value)) if "@" in value else (value, ""))
                continue
            emails = sorted(
                filter(None, (_email(e.value) for e in self.objects(point, *EMAIL) if not isinstance(e, ox.BlankNode)))
            )
            name = self.text(point, VCARD + "fn", VCARD + "organization-name", FOAF + "name")
            found.append((name, emails[0] if emails else ""))
        found = sorted(f for f in found if any(f))
        return found[0] if found else ("", "")

    def temporal(self, node) -> tuple[str, str]:
        periods = []
        for period in self.objects(node, DCT + "temporal"):
            if isinstance(period, ox.Literal):
                periods.append(period_text(period.value))
                continue
            start = date_text(self.text(period, *START) or self._instant(period, TIME + "hasBeginning"), end=False)
            end = date_text(self.text(period, *END) or self._instant(period, TIME + "hasEnd"), end=True)
            periods.append((start, end))
        periods = sorted(p for p in periods if any(p))
        return periods[0] if periods else ("", "")

    def _instant(self, period, predicate) -> str:
        for instant in self.objects(period, predicate):
            value = self.text(instant, *INSTANT)
            if value:
                return value
        return ""

    def spatial(self, node) -> tuple[str, str]:
        """An IRI of a place, with its label when the page gives one. A literal or a
        dct:Location with only a geometry leaves both empty (Provcat wants the place's IRI)."""
        places = sorted(o.value for o in self.objects(node, DCT + "spatial") if isinstance(o, ox.NamedNode))
        places = [p for p in places if is_valid_iri(p)]
        if not places:
            return "", ""
        return places[0], self.text(ox.NamedNode(places[0]), *LABEL)

    def publisher_name(self, publisher) -> str:
        if publisher is None or type(publisher) is ox.Literal:
            return "" if publisher is None else publisher.value.strip()
        return self.text(publisher, *AGENT_NAME) or (publisher.value if type(publisher) is ox.NamedNode else "")

    def derived_from(self, node) -> list[str]:
        sources = self.objects(node, PROV + "wasDerivedFrom")
        for derivation in self.objects(node, PROV + "qualifiedDerivation"):
            sources += self.objects(derivation, PROV + "entity")
        found = set()
        for source in sources:
            if isinstance(source, ox.BlankNode):
                found.add(self.identity(source)["identifier"])
            else:
                found.add(source.value.strip())
        return sorted(filter(None, found))

    # Distributions -------------------------------------------------------------------

    def distribution(self, node) -> dict | None:
        """A distribution's dict, or None when it has neither an access nor a download URL."""
        access_url = self.url(node, DCAT + "accessURL")
        download_url = self.url(node, DCAT + "downloadURL")
        if not (access_url or download_url):
            return None
        checksum, algorithm = self.checksum(node)
        schemas = self._distribution_schemas(node, access_url, download_url)
        return {
            "uri": _http_iri(node),
            "title": self.text(node, *TITLE),
            "description": plain_text(self.text(node, *DESCRIPTION)),
            "access_url": access_url or download_url,
            "download_url": download_url,
            "format": self.iri_or_label(node, DCT + "format"),
            "media_type": self.media_type(node),
            "byte_size": byte_size(self.text(node, DCAT + "byteSize")),
            "checksum": checksum,
            "checksum_algorithm": algorithm,
            "licence": self.iri_or_label(node, DCT + "license"),
            "rights": self.rights(node),
            "conforms_to": self.url(node, DCT + "conformsTo", exclude=schemas),
            "availability": self.iri_or_label(node, DCATAP + "availability"),
            "issued": date_text(self.text(node, DCT + "issued")),
            "modified": moment_text(self.text(node, DCT + "modified")),
            "schema": schemas,
        }

    def media_type(self, node) -> str:
        """dcat:mediaType; else the rdf:value of a dct:IMT node given as the format (the
        DCAT-AP 1 way: rdf:value "text/csv", rdfs:label "CSV")."""
        found = self.iri_or_label(node, DCAT + "mediaType")
        if found:
            return found
        imts = (f for f in self.objects(node, DCT + "format") if type(f) is ox.BlankNode)
        return next(filter(None, (self.text(f, RDF + "value") for f in imts)), "")

    def checksum(self, node) -> tuple[str, str]:
        """(value, algorithm) of an spdx:checksum in SHA-256, SHA-1 or MD5; anything else is dropped."""
        for checksum in self.objects(node, SPDX + "checksum"):
            value = self.text(checksum, SPDX + "checksumValue").lower()
            algorithm = next(filter(None, (_algorithm(a) for a in self.objects(checksum, SPDX + "algorithm"))), None)
            if value and algorithm:
                return value, algorithm
        return "", ""

    def rights(self, node) -> str:
        texts = sorted(filter(None, map(self.label, self.objects(node, DCT + "rights"))))
        return texts[0] if texts else ""

    # Data dictionaries (CSVW) --------------------------------------------------------

    def _is_schema(self, node) -> bool:
        predicates = self.nodes.get(node)
        return bool(predicates) and (CSVW + "column" in predicates or CSVW + "Schema" in self.types(node))

    def _distribution_schemas(self, node, access_url: str, download_url: str) -> list:
        """The csvw:Schemas a distribution follows: through dct:conformsTo, its own
        csvw:tableSchema, or a csvw:Table of the page whose csvw:url is one of its URLs."""
        schemas = [s for s in self.objects(node, DCT + "conformsTo", CSVW + "tableSchema") if self._is_schema(s)]
        for url in filter(None, (download_url, access_url)):
            schemas += self._tables_by_url().get(url, [])
        return list(dict.fromkeys(schemas))

    def _tables_by_url(self) -> dict[str, list]:
        if self._tables is None:
            self._tables = {}
            for predicates in self.nodes.values():
                if CSVW + "tableSchema" in predicates:
                    schemas = [s for s in predicates[CSVW + "tableSchema"] if self._is_schema(s)]
                    for url in predicates.get(CSVW + "url", ()):
                        self._tables.setdefault(url.value, []).extend(schemas)
        return self._tables

    def _schemas(self, node, distributions: list[dict]) -> list:
        schemas = [s for s in self.objects(node, DCT + "conformsTo") if self._is_schema(s)]
        for distribution in distributions:
            schemas += distribution["schema"]
        return list(dict.fromkeys(schemas))

    def fields(self, schema) -> list[dict]:
        """The columns of a csvw:Schema in order: an rdf:List's order, else the natural order
        of the column IRIs (Provcat writes #column-<n>), else by name. Unnamed columns are dropped."""
        columns, ordered = [], False
        for column in self.objects(schema, CSVW + "column"):
            if RDF + "first" in self.nodes.get(column, {}):
                columns += self._list(column)
                ordered = True
            else:
                columns.append(column)
        found = {}
        for column in columns:
            field = self.field(column)
            if field["name"] and field["name"] not in found:
                found[field["name"]] = (field, column)
        if ordered:
            return [field for field, _ in found.values()]
        return [field for field, _ in sorted(found.values(), key=_column_key)]

    def _list(self, head) -> list:
        items, seen, node = [], set(), head
        while node in self.nodes and node not in seen and len(items) < MAX_LIST_LENGTH:
            seen.add(node)
            items += self.objects(node, RDF + "first")[:1]
            rest = self.objects(node, RDF + "rest")
            node = rest[0] if rest else None
        return items

    def field(self, column) -> dict:
        notes = (n.value.strip() for n in self.objects(column, CSVW + "note") if isinstance(n, ox.Literal))
        unit = next((m.group(1).strip() for m in map(_UNIT.match, notes) if m), "")
        required = self.text(column, CSVW + "required").lower() in ("true", "1")
        return {
            "name": self.text(column, CSVW + "name"),
            "title": self.text(column, CSVW + "title"),
            "definition": plain_text(self.text(column, DCT + "description", RDFS + "comment")),
            "datatype": self.datatype(column),
            "unit": unit,
            "required": required,
            "constraints": {},
            "concept_uri": self.url(column, DCT + "subject", CSVW + "propertyUrl"),
        }

    def datatype(self, column) -> str:
        """An xsd IRI, a CSVW datatype name, or a datatype node's csvw:base, as a Field datatype."""
        for datatype in self.objects(column, CSVW + "datatype"):
            if isinstance(datatype, ox.BlankNode):
                datatype = next(iter(self.objects(datatype, CSVW + "base")), None)
            if datatype is None:
                continue
            name = datatype.value.strip()
            if isinstance(datatype, ox.NamedNode):
                found = _DATATYPE_BY_IRI.get(name) or (name.startswith(XSD) and _DATATYPE_BY_NAME.get(name[len(XSD) :]))
            else:
                found = _DATATYPE_BY_NAME.get(name)
            if found:
                return found
        return Field.Datatype.STRING.value

    # Paging (Hydra) ------------------------------------------------------------------

    def next_url(self, page_url: str) -> str | None:
        """The next page: hydra:nextPage (PagedCollection) before hydra:next
        (PartialCollectionView), an IRI or a literal, relative to the page. A link to the page
        itself is ignored; one that is not an http(s) address fails the page, since following
        fewer pages than the source has would make the run look complete when it is not."""
        here = urlsplit(page_url)._replace(fragment="").geturl()
        for predicate in (HYDRA + "nextPage", HYDRA + "next"):
            links = sorted(
                o.value.strip()
                for ps in self.nodes.values()
                for o in ps.get(predicate, ())
                if not isinstance(o, ox.BlankNode)
            )
            for link in links:
                target = urlsplit(urljoin(page_url, link))._replace(fragment="").geturl()
                if target == here:
                    continue
                if urlsplit(target).scheme not in ("http", "https") or not is_valid_iri(target):
                    raise MalformedPage(
                        f"The page's Hydra link to the next page is not an http(s) address: {link[:200]}"
                    )
                return target
        return None

    def total_records(self) -> int | None:
        totals = []
        for predicates in self.nodes.values():
            for total in predicates.get(HYDRA + "totalItems", ()):
                value = total.value.strip()
                if value.isascii() and value.isdigit() and len(value) < 12:
                    totals.append(int(value))
        return max(totals) if totals else None


# Values -------------------------------------------------------------------------------


def _best_literal(values) -> str:
    if len(values) == 1:  # the usual case, first
        (value,) = values
        return value.value.strip() if type(value) is ox.Literal else ""
    literals = [v for v in values if type(v) is ox.Literal and v.value.strip()]
    if not literals:
        return ""
    return min(literals, key=_language_rank).value.strip()


def _language_rank(literal: ox.Literal) -> tuple:
    language = (literal.language or "").lower()
    rank = 0 if language.split("-")[0] == "en" else 1 if not language else 2
    return rank, language, literal.value


def _iris_first(node) -> tuple:
    return (0 if isinstance(node, ox.NamedNode) else 1, node.value)


def _distribution_key(distribution: dict) -> tuple:
    return tuple(distribution[k] for k in ("uri", "download_url", "access_url", "title", "format", "media_type"))


def _natural(text: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def _column_key(found: tuple) -> tuple:
    field, column = found
    if isinstance(column, ox.NamedNode):
        return (0, _natural(column.value), field["name"])
    return (1, (), field["name"])


def _http_iri(node) -> str:
    """The node's IRI when it is an http(s) IRI Provcat can store, else ""."""
    if isinstance(node, ox.NamedNode) and node.value.startswith(("http://", "https://")) and is_valid_iri(node.value):
        return node.value
    return ""


def _email(value: str) -> str:
    value = value.strip()
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:") :]
    return value.split("?", 1)[0].strip()


def _algorithm(node) -> str | None:
    name = node.value.strip().rsplit("#", 1)[-1].rsplit("/", 1)[-1].lower()
    name = name.removeprefix("checksumalgorithm_").replace("-", "").replace("_", "")
    return CHECKSUM_ALGORITHMS.get(name)


_UNIT = re.compile(r"unit\s*:\s*(.+)", re.IGNORECASE | re.DOTALL)
_DATATYPE_BY_IRI = {str(iri): datatype.value for datatype, iri in DATATYPES.items()}
# xsd local names and CSVW's datatype names (https://www.w3.org/TR/tabular-metadata/#datatypes).
_DATATYPE_BY_NAME = {
    **{name: Field.Datatype.STRING.value for name in ("string", "normalizedString", "token", "language", "Name")},
    **{
        name: Field.Datatype.INTEGER.value
        for name in (
            "integer",
            "int",
            "long",
            "short",
            "byte",
            "nonNegativeInteger",
            "positiveInteger",
            "nonPositiveInteger",
            "negativeInteger",
            "unsignedLong",
            "unsignedInt",
            "unsignedShort",
            "unsignedByte",
        )
    },
    **{name: Field.Datatype.DECIMAL.value for name in ("decimal", "double", "float", "number")},
    "boolean": Field.Datatype.BOOLEAN.value,
    "date": Field.Datatype.DATE.value,
    **{name: Field.Datatype.DATETIME.value for name in ("dateTime", "datetime", "dateTimeStamp")},
    "time": Field.Datatype.TIME.value,
    "gYear": Field.Datatype.YEAR.value,
    **{name: Field.Datatype.DURATION.value for name in ("duration", "dayTimeDuration", "yearMonthDuration")},
    "anyURI": Field.Datatype.ANYURI.value,
    "wktLiteral": Field.Datatype.GEOMETRY.value,
}

_DATE = re.compile(r"^\s*(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?=$|[T\s+Z]|[-+]\d{2}:)")


def date_text(value: str, *, end: bool = False) -> str:
    """YYYY-MM-DD from an xsd date, date-time, gYearMonth or gYear (a year or month means
    its first day, or its last with ``end``); "" when it is none of these."""
    match = _DATE.match(value or "")
    if not match:
        return ""
    year, month, day = int(match.group(1)), match.group(2), match.group(3)
    try:
        if day:
            return datetime.date(year, int(month), int(day)).isoformat()
        month_number = int(month) if month else (12 if end else 1)
        last = calendar.monthrange(year, month_number)[1]
        return datetime.date(year, month_number, last if end else 1).isoformat()
    except (ValueError, calendar.IllegalMonthError):
        return ""


def moment_text(value: str) -> str:
    """An ISO 8601 date-time (or date, when that is all the source says); "" when unreadable."""
    text = (value or "").strip()
    if "T" in text or " " in text:
        try:
            return datetime.datetime.fromisoformat(text.replace(" ", "T", 1)).isoformat()
        except ValueError:
            return ""
    return date_text(text)


def period_text(value: str) -> tuple[str, str]:
    """A literal period: "2020/2024", "2020-01-01/2024-12-31" (ISO 8601 intervals of dates or
    date-times), or a single year or date meaning that year or day."""
    start, _, end = value.strip().partition("/")
    if not end:
        end = start
    return date_text(start), date_text(end, end=True)


def byte_size(value: str) -> int | None:
    """A whole number of bytes from "1234", "1,234", "1234.0"; None for junk or negatives."""
    text = (value or "").strip().replace(",", "").replace("_", "")
    if not text or len(text) > 40:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0 or number.adjusted() > 18:
        return None
    size = int(number.to_integral_value())
    return size if size < 2**63 else None


_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)\b[^<>]*>")
_BLOCK_TAGS = {"br", "p", "div", "li", "tr", "ul", "ol", "table", "blockquote", "pre", "hr", "dd", "dt", "section"}
_BLOCK_TAGS |= {f"h{n}" for n in range(1, 7)}
_INLINE_TAGS = {"a", "abbr", "b", "code", "em", "i", "span", "strong", "sub", "sup", "u", "td", "th", "tbody"}
_INLINE_TAGS |= {"thead", "dl", "img", "font", "small", "s", "strike", "article", "header", "footer", "center"}


def plain_text(text: str) -> str:
    """Text with its HTML markup (if it has any) taken out: block elements become line
    breaks, entities are decoded. Text without HTML elements is left exactly as it is."""
    if "<" not in text:
        return text
    without_scripts = _SCRIPT.sub("", text)
    changed = without_scripts != text

    def replace(match: re.Match) -> str:
        nonlocal changed
        name = match.group(1).lower()
        if name in _BLOCK_TAGS:
            changed = True
            return "\n"
        if name in _INLINE_TAGS:
            changed = True
            return ""
        return match.group(0)

    stripped = _TAG.sub(replace, without_scripts)
    if not changed:
        return text
    stripped = html.unescape(stripped)
    lines = [" ".join(line.split()) for line in stripped.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
