"""Reading DCAT pages into records: Provcat's own /catalog read back exactly, and the shapes
real portals publish (CKAN-DCAT Turtle, EU-portal RDF/XML, JSON-LD @graph documents,
untyped and blank-node datasets, several languages, Hydra paging)."""

import datetime
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse

from catalogue.access import catalogued_datasets
from catalogue.harvest.dcat_reader import ACCEPT_HEADER, read_dcat_page
from catalogue.harvest.errors import MalformedPage
from catalogue.harvest.records import content_hash
from catalogue.models import Dataset
from catalogue.rdf.csvw import DATATYPES
from catalogue.rdf.dcat import PLANNED_AVAILABILITY, page_url
from catalogue.rdf.record import with_rdf_relations
from catalogue.rdf.terms import own_iri
from tests.catalogue.dcat_data import derive, full_dataset, term
from tests.writes import add_distribution, add_field

FIXTURES = Path(__file__).parent / "fixtures"
SUFFIXES = ("ttl", "rdf", "jsonld", "nt")


def read_fixture(name: str, *, url: str | None = None, **options):
    return read_dcat_page((FIXTURES / name).read_bytes(), url=url or f"https://portal.example.eu/{name}", **options)


def by_identifier(page) -> dict:
    return {record["identifier"]: record for record in page.records}


# Round trip: Provcat's own catalogue, in every format ---------------------------------


def _moment(value) -> str:
    return value.replace(microsecond=0).isoformat() if value else ""


def _effective_licences(dataset) -> list[str]:
    return [
        (d.licence or dataset.licence).uri if (d.licence_id or dataset.licence_id) else ""
        for d in dataset.distributions.all()
    ]


def expected_record(dataset: Dataset) -> dict:
    """What the stored dataset should read back as, given what Provcat's DCAT adds: the title
    as description when there is none, its own page as landing page when none is set, the
    publisher's name as contact name when only an e-mail is set, the update time as dct:modified,
    and the licence on each distribution only (so the dataset's licence comes back when all its
    distributions share it)."""
    licences = _effective_licences(dataset)
    shared = licences[0] if licences and len(set(licences)) == 1 else ""
    own_page = page_url(reverse("catalogue:dataset-detail", args=[dataset.slug]))
    derived_from = sorted(
        d.source.uri for d in dataset.current_derivations if catalogued_datasets().filter(pk=d.source_id).exists()
    )
    return {
        "identifier": dataset.uri,
        "uri": dataset.uri,
        "title": dataset.title,
        "description": dataset.description or dataset.title,
        "keywords": sorted(k.name for k in dataset.keywords.all()),
        "themes": sorted(t.uri for t in dataset.themes.all()),
        "licence": shared,
        "access_rights": dataset.access_rights_uri,
        "contact_name": (dataset.contact_name or dataset.publisher.name)
        if (dataset.contact_name or dataset.contact_email)
        else "",
        "contact_email": dataset.contact_email,
        "temporal_start": dataset.temporal_start.isoformat() if dataset.temporal_start else "",
        "temporal_end": dataset.temporal_end.isoformat() if dataset.temporal_end else "",
        "spatial_uri": dataset.spatial_uri,
        "spatial_label": dataset.spatial_label if dataset.spatial_uri else "",
        "frequency": dataset.frequency.uri if dataset.frequency_id else "",
        "language": dataset.language.uri if dataset.language_id else "",
        "version": dataset.version,
        "version_notes": dataset.version_notes,
        "conforms_to": dataset.conforms_to,
        "landing_page": dataset.landing_page or str(own_page),
        "issued": dataset.issued.isoformat() if dataset.issued else "",
        "modified": _moment(dataset.modified or dataset.updated_at),
        "publisher_name": dataset.publisher.name,
        "publisher_uri": str(own_iri(dataset.publisher, "organisation")),
        "source_page": "",
        "derived_from": derived_from,
    }


def expected_distribution(dataset: Dataset, distribution, dataset_licence: str) -> dict:
    licence = distribution.licence or dataset.licence
    media_type = distribution.media_type.uri if distribution.media_type_id else ""
    if not media_type and distribution.format_id and distribution.format.media_type:
        # Provcat names the format's media type when the distribution has none of its own.
        media_type = f"https://www.iana.org/assignments/media-types/{distribution.format.media_type}"
    return {
        "uri": distribution.uri,
        "title": distribution.title or str(distribution),
        "description": distribution.description or f"{dataset.title}: {distribution}",
        "access_url": distribution.access_url or distribution.download_url,
        "download_url": distribution.download_url,
        "format": distribution.format.uri if distribution.format_id else "",
        "media_type": media_type,
        "byte_size": distribution.byte_size,
        "checksum": distribution.checksum.lower() if distribution.checksum_algorithm else "",
        "checksum_algorithm": distribution.checksum_algorithm if distribution.checksum else "",
        "licence": "" if licence is None or licence.uri == dataset_licence else licence.uri,
        "rights": distribution.rights,
        "conforms_to": distribution.conforms_to,
        "availability": f"{PLANNED_AVAILABILITY}/{distribution.availability}" if distribution.availability else "",
        "issued": distribution.issued.isoformat() if distribution.issued else "",
        "modified": _moment(distribution.modified),
    }


def expected_field(field) -> dict:
    datatype = field.datatype if field.datatype in DATATYPES else "string"
    return {
        "name": field.name,
        "title": field.title or field.name,
        "definition": field.definition,
        "datatype": datatype,
        "unit": field.unit,
        "required": field.required,
        "concept_uri": field.concept_uri,
    }


def assert_reads_back(record: dict, dataset: Dataset) -> None:
    expected = expected_record(dataset)
    assert {key: record[key] for key in expected} == expected, dataset.slug
    distributions = {d["uri"]: d for d in record["distributions"]}
    assert set(distributions) == {d.uri for d in dataset.distributions.all()}, dataset.slug
    for distribution in dataset.distributions.all():
        assert distributions[distribution.uri] == expected_distribution(dataset, distribution, expected["licence"])
    fields = sorted(dataset.fields.all(), key=lambda f: (f.position, f.pk))
    assert [{k: f[k] for k in expected_field(fields[0])} for f in record["fields"]] == [
        expected_field(f) for f in fields
    ], dataset.slug


def harvest_catalog(client, suffix: str, *, page_size: int = 100) -> tuple[list, list]:
    """Every page of /catalog.<suffix>, read as the harvester reads it, following hydra:next."""
    url = f"http://testserver/catalog.{suffix}?page_size={page_size}"
    pages = []
    while url:
        parts = urlsplit(url)
        response = client.get(f"{parts.path}?{parts.query}")
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        page = read_dcat_page(body, url=url, content_type=response["Content-Type"])
        assert page.failures == []
        assert page.bytes_read == len(body)
        pages.append(page)
        url = page.next_url
        assert len(pages) < 100, "the next links never end"
    return pages, [record for page in pages for record in page.records]


@pytest.fixture
def catalogue(ohs, dft, make_dataset):
    """Datasets with every part Provcat's DCAT shows, a derivation, and one with almost nothing."""
    admissions = full_dataset(
        ohs,
        "Hospital admissions",
        landing_page="https://www.example.gov/admissions",
        conforms_to="https://standards.example.gov/admissions/2",
        version_notes="Totals for 2023 corrected.",
    )
    add_field(
        admissions,
        name="rate",
        title="Admission rate",
        datatype="decimal",
        unit="per 1,000 residents",
        definition="Admissions per thousand residents.",
        concept_uri="https://concepts.example.gov/admission-rate",
        position=3,
    )
    add_distribution(
        admissions,
        title="Admissions API",
        description="Query admissions by region.",
        access_url="https://api.example.gov/admissions",
        format_code="JSON",
        media_type=term("media-type", "application/json"),
        conforms_to="https://standards.example.gov/api/1",
        issued=datetime.date(2022, 6, 1),
        modified=datetime.datetime(2024, 2, 3, 4, 5, 6, tzinfo=datetime.UTC),
    )
    by_road = full_dataset(
        dft, "Admissions by road", keywords=("transport", "roads"), fmt="JSON", contact_name="", version=""
    )
    derive(by_road, admissions)
    bare = make_dataset("Bare register", description="", licence=None)
    return [admissions, by_road, bare]


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_provcat_catalog_reads_back_as_stored(client, catalogue, suffix):
    pages, records = harvest_catalog(client, suffix)
    assert len(pages) == 1 and pages[0].next_url is None
    assert pages[0].total_records == 3
    found = {r["identifier"]: r for r in records}
    datasets = with_rdf_relations(Dataset.objects.filter(pk__in=[d.pk for d in catalogue]))
    assert set(found) == {d.uri for d in datasets}
    for dataset in datasets:
        assert_reads_back(found[dataset.uri], dataset)


@pytest.mark.django_db
def test_provcat_catalog_reads_the_same_in_every_format(client, catalogue):
    hashes = {suffix: sorted(content_hash(r) for r in harvest_catalog(client, suffix)[1]) for suffix in SUFFIXES}
    assert len({json.dumps(h) for h in hashes.values()}) == 1, hashes


@pytest.mark.django_db
def test_demo_catalogue_reads_back_page_by_page_in_every_format(client):
    call_command("load_demo", stdout=open("/dev/null", "w"))
    datasets = {d.uri: d for d in with_rdf_relations(catalogued_datasets())}
    assert len(datasets) > 20
    for suffix in SUFFIXES:
        pages, records = harvest_catalog(client, suffix, page_size=8)
        assert len(pages) == -(-len(datasets) // 8)
        assert {page.total_records for page in pages} == {len(datasets)}
        assert sorted(r["identifier"] for r in records) == sorted(datasets)
        for record in records:
            assert_reads_back(record, datasets[record["identifier"]])


# What real portals publish ----------------------------------------------------------------


def test_ckan_dcat_turtle_reads_with_its_literals_paging_and_licences():
    page = read_fixture("ckan_dcat_datagovuk.ttl", url="https://data.example.gov.uk/catalog.ttl?page=1")
    assert page.failures == []
    assert page.next_url == "https://data.example.gov.uk/catalog.ttl?page=2"
    assert page.total_records == 250
    road, spend = (
        by_identifier(page)[f"https://data.example.gov.uk/dataset/{key}"]
        for key in ("9c1a3f2e-0d4b-4c84-a4e1-2f3b1c0a7e11", "5b6f2c7d-8e90-4a1b-b2c3-d4e5f6a7b8c9")
    )
    assert road["uri"] == road["identifier"]
    # HTML in the description: the text stays, the markup goes.
    assert road["description"] == (
        "These files provide detailed road safety data about the circumstances of personal injury "
        "road accidents in GB from 1979.\n\nSee the guidance & notes."
    )
    assert (road["contact_name"], road["contact_email"]) == ("Road Safety Statistics", "roadacc.stats@example.gov.uk")
    assert (road["publisher_name"], road["publisher_uri"]) == (
        "Department for Transport",
        "https://data.example.gov.uk/organization/department-for-transport",
    )
    # schema:startDate/endDate (DCAT-AP 1.x); a location with only a geometry gives no place.
    assert (road["temporal_start"], road["temporal_end"]) == ("1979-01-01", "2023-12-31")
    assert (road["spatial_uri"], road["spatial_label"]) == ("", "")
    assert (road["issued"], road["modified"], road["version"]) == ("2013-05-21", "2024-09-26T14:20:01.654321", "2023")
    # Both distributions carry the same licence, so it is the dataset's and theirs stay empty.
    ogl = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
    assert road["licence"] == ogl
    csv, guide = road["distributions"]
    assert csv == {
        "uri": "https://data.example.gov.uk/dataset/9c1a3f2e-0d4b-4c84-a4e1-2f3b1c0a7e11/resource/aa11",
        "title": "Road Safety Data - Accidents 2023",
        "description": "Accidents in 2023",
        "access_url": "https://files.example.gov.uk/road-safety/accidents-2023.csv",
        "download_url": "https://files.example.gov.uk/road-safety/accidents-2023.csv",
        "format": "CSV",
        "media_type": "text/csv",
        "byte_size": 52034816,
        "checksum": "3f786850e387550fdab836ed7e6dc881de23001b",
        "checksum_algorithm": "sha1",
        "licence": "",
        "rights": "",
        "conforms_to": "",
        "availability": "",
        "issued": "",
        "modified": "",
    }
    assert (guide["format"], guide["download_url"], guide["byte_size"], guide["licence"]) == ("HTML", "", None, "")
    # Comma-joined keywords are split; gYear / gYearMonth bounds cover the whole year / month.
    assert spend["keywords"] == ["finance", "spend", "transparency"]
    assert (spend["temporal_start"], spend["temporal_end"]) == ("2024-01-01", "2024-06-30")
    assert (spend["contact_name"], spend["contact_email"]) == ("", "transparency@example.gov.uk")
    # Distributions with different licences: the dataset has none, each keeps its own.
    assert spend["licence"] == ""
    assert [(d["licence"], d["byte_size"]) for d in spend["distributions"]] == [
        (ogl, 1204),
        ("http://creativecommons.org/licenses/by/4.0/", None),
    ]


def test_eu_portal_rdfxml_tolerates_literals_where_iris_belong():
    page = read_fixture("eu_portal.rdf")
    assert page.failures == [] and page.next_url is None and page.total_records is None
    (record,) = page.records
    # English preferred among several languages; keywords keep every language, split on commas.
    assert (record["title"], record["description"]) == (
        "Air quality 2023",
        "Hourly readings of every monitoring station.",
    )
    assert record["keywords"] == ["Luft", "Qualität", "Umwelt", "air", "environment"]
    assert record["themes"] == ["Environment", "http://publications.europa.eu/resource/authority/data-theme/HEAL"]
    assert {key: record[key] for key in ("licence", "access_rights", "frequency", "language")} == {
        "licence": "CC-BY 4.0",
        "access_rights": "public",
        "frequency": "annual",
        "language": "de",
    }
    assert record["conforms_to"] == "https://standards.example.eu/air-quality/1.0"
    assert record["landing_page"] == "https://www.umwelt.example.eu/luft/2023"
    assert (record["temporal_start"], record["temporal_end"]) == ("2023-01-01", "2023-12-31")
    assert (record["spatial_uri"], record["spatial_label"]) == (
        "http://publications.europa.eu/resource/authority/country/AUT",
        "Austria",
    )
    assert (record["publisher_name"], record["contact_email"]) == ("Environment Agency", "luft@umwelt.example.eu")
    assert (record["version"], record["version_notes"]) == ("2.1", "Station 12 recalibrated.")
    assert record["modified"] == "2024-03-15T08:00:00+01:00"
    assert record["derived_from"] == [
        "https://opendata.example.eu/set/data/kalibrierung",
        "https://opendata.example.eu/set/data/messstationen",
    ]
    # The distribution without any URL is left out; the download URL stands in for a missing access URL.
    api, csv = record["distributions"]
    assert (csv["access_url"], csv["download_url"]) == (
        "https://daten.umwelt.example.eu/luft/2023.csv",
        "https://daten.umwelt.example.eu/luft/2023.csv",
    )
    assert (csv["title"], csv["byte_size"], csv["rights"]) == ("Readings (CSV)", None, "Attribution: Umweltamt, 2023.")
    assert (csv["checksum_algorithm"], csv["checksum"]) == (
        "sha256",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    )
    # Same licence as the dataset: not repeated; a different one: kept. SHA-512 is not one Provcat stores.
    assert csv["licence"] == ""
    assert api["licence"] == "http://publications.europa.eu/resource/authority/licence/CC0"
    assert (api["checksum"], api["checksum_algorithm"]) == ("", "")
    assert api["format"] == "http://publications.europa.eu/resource/authority/file-type/JSON"


def test_jsonld_graph_document_with_its_context_after_the_graph():
    page = read_fixture("jsonld_graph.jsonld")
    assert page.failures == []
    records = by_identifier(page)
    assert set(records) == {"https://hub.example.eu/datasets/bus-stops", "https://hub.example.eu/datasets/bike-counts"}
    bus = records["https://hub.example.eu/datasets/bus-stops"]
    assert (bus["title"], bus["keywords"]) == ("Bus stops", ["autobus", "bus"])
    assert bus["themes"] == ["http://publications.europa.eu/resource/authority/data-theme/TRAN"]
    assert bus["licence"] == "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
    assert (bus["temporal_start"], bus["temporal_end"], bus["issued"]) == ("2019-01-01", "", "2019-04-01")
    assert (bus["publisher_name"], bus["publisher_uri"]) == ("Regional transport authority", "")
    (stops,) = bus["distributions"]
    assert (stops["uri"], stops["access_url"], stops["byte_size"]) == (
        "",
        "https://hub.example.eu/files/bus-stops.geojson",
        20480,
    )
    assert stops["media_type"] == "https://www.iana.org/assignments/media-types/application/geo+json"


def _expanded_jsonld(named_graph: bool) -> bytes:
    """The same dataset as rdflib writes JSON-LD with no context (expanded node objects), in a
    top-level array, or as the default graph of a document with its own @id (a named graph)."""
    dcat, dct = "http://www.w3.org/ns/dcat#", "http://purl.org/dc/terms/"
    nodes = [
        {
            "@id": "https://x.example.org/ds/1",
            "@type": [f"{dcat}Dataset"],
            f"{dct}title": [{"@value": "Expanded", "@language": "en"}],
            f"{dcat}distribution": [{"@id": "_:d1"}],
        },
        {"@id": "_:d1", f"{dcat}downloadURL": [{"@id": "https://x.example.org/1.csv"}]},
    ]
    document = {"@id": "https://x.example.org/catalog", "@graph": nodes} if named_graph else nodes
    return json.dumps(document).encode()


@pytest.mark.parametrize("named_graph", [False, True])
def test_jsonld_in_expanded_form_and_in_a_named_graph(named_graph):
    page = read_dcat_page(
        _expanded_jsonld(named_graph), url="https://x.example.org/catalog", content_type="application/ld+json"
    )
    (record,) = page.records
    assert record["title"] == "Expanded"
    assert record["distributions"][0]["download_url"] == "https://x.example.org/1.csv"


def test_project_open_data_json_with_its_shipped_context():
    page = read_fixture(
        "pod_data.json", url="https://www.example-agency.gov/data.json", content_type="application/json"
    )
    (record,) = page.records
    assert {key: record[key] for key in ("identifier", "uri", "title", "contact_name", "contact_email")} == {
        "identifier": "EXAMPLE-0001",
        "uri": "",
        "title": "Consumer Complaint Database",
        "contact_name": "Data Team",
        "contact_email": "data@example-agency.gov",
    }
    assert record["publisher_name"] == "Consumer Financial Protection Bureau"
    assert (record["temporal_start"], record["temporal_end"]) == ("2011-12-01", "2024-04-30")
    assert (record["licence"], record["themes"], record["frequency"]) == (
        "http://www.usa.gov/publicdomain/label/1.0/",
        ["Finance"],
        "R/P1D",
    )
    assert record["modified"] == "2024-05-01T12:00:00+00:00"
    assert [(d["title"], d["access_url"], d["download_url"], d["media_type"]) for d in record["distributions"]] == [
        ("Complaints API", "https://api.example-agency.gov/complaints", "", ""),
        (
            "Complaints (CSV)",
            "https://files.example-agency.gov/complaints.csv",
            "https://files.example-agency.gov/complaints.csv",
            "text/csv",
        ),
    ]
    (failure,) = page.failures
    assert failure.identifier == "(blank node 2 on page https://www.example-agency.gov/data.json)"
    assert "no IRI and no dct:identifier" in failure.reason


def test_untyped_and_blank_node_datasets_typos_stubs_and_duplicates():
    page = read_fixture("untyped_and_blank.ttl", url="https://small.example.org/catalog?page=2")
    records = by_identifier(page)
    assert set(records) == {
        "https://small.example.org/ds/typo",
        "https://small.example.org/ds/listed",
        "local-42",
        "ISO-19115:abc-123",
        "urn:uuid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    }
    # A catalogue lists it but it has no type; a dataset it lists but does not describe is not read.
    assert records["https://small.example.org/ds/listed"]["title"] == "Listed without a type"
    typo = records["https://small.example.org/ds/typo"]
    assert typo["description"] == "Described with dct:abstract."
    assert typo["distributions"][0]["access_url"] == "https://small.example.org/files/typo.csv"
    # Blank nodes are known by their identifiers; an IRI that is not http(s) is an identifier, not a URI.
    assert (records["local-42"]["uri"], records["local-42"]["title"]) == ("", "Blank node with an identifier")
    assert records["ISO-19115:abc-123"]["title"] == "Blank node with an adms identifier"
    assert records["urn:uuid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"]["uri"] == ""
    assert [(f.identifier, f.reason) for f in page.failures] == [
        (
            "(blank node 4 on page https://small.example.org/catalog?page=2)",
            "The dataset has no IRI and no dct:identifier, so it cannot be recognised on the next harvest.",
        ),
        ("local-42", "The page describes this dataset twice; only its first description was read."),
    ]
    # The relative hydra:next of a PartialCollectionView, resolved against the page.
    assert page.next_url == "https://small.example.org/catalog?page=3"


def test_csvw_data_dictionary_from_a_table_and_an_ordered_list():
    (record,) = read_fixture("csvw_dictionaries.ttl").records
    assert [(f["name"], f["datatype"]) for f in record["fields"]] == [
        ("year", "gYear"),
        ("area_code", "string"),
        ("population", "integer"),
        ("density", "decimal"),
        ("updated", "datetime"),
        ("notes", "string"),
    ]
    year, area, population, density = record["fields"][:4]
    assert year["required"] is True and area["required"] is False
    assert (area["title"], area["concept_uri"]) == ("Area code", "https://concepts.example.org/area")
    assert (population["definition"], population["unit"]) == ("Mid-year estimate.", "people")
    assert density["unit"] == "people per km2"


def test_column_iris_are_ordered_naturally_when_there_is_no_list():
    columns = "".join(
        f'<https://d.example.org/ds#column-{n}> csvw:name "c{n}" .\n<https://d.example.org/ds#schema> csvw:column <https://d.example.org/ds#column-{n}> .\n'
        for n in (10, 2, 1)
    )
    body = f"""@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    @prefix csvw: <http://www.w3.org/ns/csvw#> .
    <https://d.example.org/ds> a dcat:Dataset ; dct:title "D" ; dcat:distribution <https://d.example.org/ds/csv> .
    <https://d.example.org/ds/csv> dcat:downloadURL <https://d.example.org/ds.csv> ;
        dct:conformsTo <https://d.example.org/ds#schema>, <https://standards.example.org/csv> .
    {columns}"""
    (record,) = read_dcat_page(body.encode(), url="https://d.example.org/catalog.ttl").records
    assert [f["name"] for f in record["fields"]] == ["c1", "c2", "c10"]
    # The schema is the data dictionary, not a standard the distribution conforms to.
    assert record["distributions"][0]["conforms_to"] == "https://standards.example.org/csv"


TTL_PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix schema: <http://schema.org/> . @prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix hydra: <http://www.w3.org/ns/hydra/core#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix locn: <http://www.w3.org/ns/locn#> .
"""


def read_one(statements: str) -> dict:
    body = TTL_PREFIXES + '<https://t.example.org/ds> a dcat:Dataset ; dct:title "T" ' + statements + " ."
    (record,) = read_dcat_page(body.encode(), url="https://t.example.org/catalog.ttl").records
    return record


@pytest.mark.parametrize(
    "temporal, expected",
    [
        ('"2010/2015"', ("2010-01-01", "2015-12-31")),
        ('"2010-03-01/2015-06-30"', ("2010-03-01", "2015-06-30")),
        ('"2019"', ("2019-01-01", "2019-12-31")),
        ('[ schema:startDate "2001-02-03T04:05:06Z"^^xsd:dateTime ]', ("2001-02-03", "")),
        ('[ time:hasEnd [ time:inXSDDate "2020-02-29"^^xsd:date ] ]', ("", "2020-02-29")),
        ('[ dcat:startDate "soon" ; dcat:endDate "2021-02-30" ]', ("", "")),
        ('"the last decade"', ("", "")),
    ],
)
def test_temporal_coverage_in_the_forms_portals_write(temporal, expected):
    record = read_one(f"; dct:temporal {temporal}")
    assert (record["temporal_start"], record["temporal_end"]) == expected


@pytest.mark.parametrize(
    "spatial, expected",
    [
        (
            '<http://sws.geonames.org/2635167/> . <http://sws.geonames.org/2635167/> skos:prefLabel "United Kingdom"@en',
            ("http://sws.geonames.org/2635167/", "United Kingdom"),
        ),
        ("<http://sws.geonames.org/2635167/>", ("http://sws.geonames.org/2635167/", "")),
        ('"Great Britain"', ("", "")),
        ('[ a dct:Location ; locn:geometry "POINT(0 51)" ; skos:prefLabel "Somewhere" ]', ("", "")),
    ],
)
def test_spatial_coverage_needs_the_place_iri(spatial, expected):
    body = TTL_PREFIXES + f'<https://t.example.org/ds> a dcat:Dataset ; dct:title "T" ; dct:spatial {spatial} .'
    (record,) = read_dcat_page(body.encode(), url="https://t.example.org/c.ttl").records
    assert (record["spatial_uri"], record["spatial_label"]) == expected


@pytest.mark.parametrize(
    "size, expected",
    [
        ('"1234"', 1234),
        ('"1,234"', 1234),
        ('"1234.0"^^xsd:decimal', 1234),
        ("12", 12),
        ('"-5"', None),
        ('"12 MB"', None),
        ('"1e30"', None),
    ],
)
def test_byte_size_tolerates_separators_and_decimals_and_drops_junk(size, expected):
    record = read_one(f"; dcat:distribution [ dcat:downloadURL <https://t.example.org/f> ; dcat:byteSize {size} ]")
    assert record["distributions"][0]["byte_size"] == expected


def test_titles_prefer_english_then_no_language_then_the_first_language_in_order():
    assert read_one('; dct:title "Titel"@de, "Title"@en-GB')["title"] == "Title"
    body = TTL_PREFIXES + '<https://t.example.org/ds> a dcat:Dataset ; dct:title "Titre"@fr, "Titel"@de, "Plain" .'
    (record,) = read_dcat_page(body.encode(), url="https://t.example.org/c.ttl").records
    assert record["title"] == "Plain"
    body = TTL_PREFIXES + '<https://t.example.org/ds> a dcat:Dataset ; dct:title "Titre"@fr, "Titel"@de .'
    (record,) = read_dcat_page(body.encode(), url="https://t.example.org/c.ttl").records
    assert record["title"] == "Titel"


def test_text_without_html_elements_is_kept_exactly():
    record = read_one('; dct:description "Counts where n < 5 and x>3 are suppressed; see <https://x.org> & notes."')
    assert record["description"] == "Counts where n < 5 and x>3 are suppressed; see <https://x.org> & notes."
    record = read_one('; dct:description "<script>alert(1)</script><b>Bold</b> claim &lt;here&gt;"')
    assert record["description"] == "Bold claim <here>"


def test_the_same_graph_in_any_order_gives_the_same_records():
    """rdflib-based portals serialise the same graph in a different order on each request; the
    records (and so their content hashes) must not change, or every harvest rewrites everything."""
    import random

    import pyoxigraph as ox

    triples = list(ox.parse((FIXTURES / "ckan_dcat_datagovuk.ttl").read_bytes(), ox.RdfFormat.TURTLE))
    hashes = set()
    for seed in range(5):
        random.Random(seed).shuffle(triples)
        body = ox.serialize([q.triple for q in triples], format=ox.RdfFormat.N_TRIPLES)
        page = read_dcat_page(body, url="https://data.example.gov.uk/catalog.nt?page=1")
        hashes.add(tuple(sorted(content_hash(r) for r in page.records)))
    assert len(hashes) == 1


# Hydra paging -------------------------------------------------------------------------------


def read_paging(statements: str, url: str = "https://p.example.org/catalog?page=1"):
    body = TTL_PREFIXES + statements
    return read_dcat_page(body.encode(), url=url)


def test_a_next_link_to_the_page_itself_is_ignored():
    page = read_paging(
        '<https://p.example.org/catalog?page=1> hydra:next <https://p.example.org/catalog?page=1#x> ; hydra:totalItems "12"^^xsd:integer .'
    )
    assert (page.next_url, page.total_records) == (None, 12)


def test_paged_collection_next_page_comes_before_next():
    page = read_paging(
        '<https://p.example.org/c> hydra:nextPage "?page=2" . <https://p.example.org/v> hydra:next <https://p.example.org/other> .'
    )
    assert page.next_url == "https://p.example.org/catalog?page=2"


@pytest.mark.parametrize("link", ['"file:///etc/passwd"', '"ftp://p.example.org/page2"', '"javascript:alert(1)"'])
def test_a_next_link_that_is_not_http_fails_the_page(link):
    """Following fewer pages than the source has would make the run look complete (and
    withdraw datasets that are still there), so an unusable link is a malformed page."""
    with pytest.raises(MalformedPage, match="not an http\\(s\\) address"):
        read_paging(f"<https://p.example.org/catalog?page=1> hydra:next {link} .")


def test_accept_header_for_each_source_format():
    assert ACCEPT_HEADER["turtle"].startswith("text/turtle")
    assert ACCEPT_HEADER["rdfxml"].startswith("application/rdf+xml")
    assert ACCEPT_HEADER["jsonld"].startswith("application/ld+json")
    assert ACCEPT_HEADER["ntriples"].startswith("application/n-triples")
    assert all(
        media in ACCEPT_HEADER["auto"] for media in ("text/turtle", "application/rdf+xml", "application/ld+json")
    )


def test_blank_node_identity_from_an_adms_identifier_given_as_text_or_iri():
    body = (
        TTL_PREFIXES + "@prefix adms: <http://www.w3.org/ns/adms#> .\n"
        '[] a dcat:Dataset ; dct:title "A" ; adms:identifier "lit-1" .\n'
        '[] a dcat:Dataset ; dct:title "B" ; adms:identifier <https://id.example.org/2> .\n'
    )
    page = read_dcat_page(body.encode(), url="https://t.example.org/c.ttl")
    assert sorted((r["identifier"], r["uri"]) for r in page.records) == [
        ("https://id.example.org/2", ""),
        ("lit-1", ""),
    ]


def test_rdf_12_triple_terms_are_ignored():
    body = TTL_PREFIXES + (
        '<< <https://t.example.org/s> dct:title "x" >> a dcat:Dataset .\n'
        '<https://t.example.org/catalog.ttl> hydra:next <<( <https://t.example.org/s> dct:title "x" )>> .\n'
        '<https://t.example.org/ds> a dcat:Dataset ; dct:title "T" ; dcat:theme <<( <https://a.org/s> dct:title "y" )>> .\n'
    )
    page = read_dcat_page(body.encode(), url="https://t.example.org/catalog.ttl")
    assert [(r["identifier"], r["themes"]) for r in page.records] == [("https://t.example.org/ds", [])]
    assert page.next_url is None and page.failures == []


def test_format_as_a_dct_imt_node_gives_its_label_and_its_media_type():
    record = read_one(
        "; dcat:distribution [ dcat:downloadURL <https://t.example.org/f.csv> ;"
        ' dct:format [ a dct:IMT ; <http://www.w3.org/1999/02/22-rdf-syntax-ns#value> "text/csv" ;'
        ' <http://www.w3.org/2000/01/rdf-schema#label> "CSV" ] ]'
    )
    (distribution,) = record["distributions"]
    assert (distribution["format"], distribution["media_type"]) == ("CSV", "text/csv")


def test_publisher_named_by_foaf_name_before_other_labels_or_given_as_text():
    record = read_one(
        '; dct:publisher <https://t.example.org/org> . <https://t.example.org/org> skos:prefLabel "Org label" ;'
        ' <http://xmlns.com/foaf/0.1/name> "Org name"'
    )
    assert (record["publisher_name"], record["publisher_uri"]) == ("Org name", "https://t.example.org/org")
    record = read_one('; dct:publisher "Statistics Office"')
    assert (record["publisher_name"], record["publisher_uri"]) == ("Statistics Office", "")
