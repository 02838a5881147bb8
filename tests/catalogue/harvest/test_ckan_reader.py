"""The CKAN reader: paging through a CKAN site's package_search (a CKAN-like server on
127.0.0.1, and Provcat's own CKAN API on a live server) and mapping real-world package
shapes (data.gov.uk, CKAN 2.10 with ckanext-dcat, ckanext-scheming) into harvest records."""

import datetime
import json
from pathlib import Path

import pytest

from catalogue.harvest.ckan_reader import FALLBACK_SORT, CkanClient, action_base, package_to_record
from catalogue.harvest.errors import MalformedPage, SourceUnreachable
from catalogue.harvest.records import RecordFailure, normalise
from catalogue.models import Dataset
from catalogue.rdf.dcat import PLANNED_AVAILABILITY
from lib.netpolicy import RefusedAddress, fetch
from tests.catalogue.dcat_data import full_dataset, term
from tests.catalogue.harvest.conftest import ckan_error

FIXTURES = Path(__file__).parent / "ckan_fixtures"
SITE = "https://portal.example.org"


def fixture_packages(name: str) -> list:
    return json.loads((FIXTURES / f"{name}_package_search.json").read_text())["result"]["results"]


def fetch_json(url: str) -> tuple[object, int]:
    """What the runner passes in, on the address policy; CKAN's 409 answers carry its error
    envelope, so JSON bodies are returned whatever the status."""
    try:
        response = fetch(url, allow_loopback=True, timeout=5)
    except (RefusedAddress, OSError) as error:
        raise SourceUnreachable(str(error)) from None
    try:
        return json.loads(response.body), len(response.body)
    except ValueError:
        raise MalformedPage(f"{url} did not answer with JSON") from None


def package(number: int, *, modified: str = "2024-01-01T00:00:00.000000", **extra) -> dict:
    return {
        "id": f"{number:08d}-0000-4000-8000-000000000000",
        "name": f"dataset-{number}",
        "title": f"Dataset {number}",
        "state": "active",
        "private": False,
        "type": "dataset",
        "metadata_modified": modified,
        "resources": [],
        **extra,
    }


def ids(*numbers: int) -> list[str]:
    return [package(n)["id"] for n in numbers]


def read(client: CkanClient, **options) -> list:
    return list(client.pages(**options))


def identifiers(pages) -> list[str]:
    return [record["identifier"] for page in pages for record in page.records]


# Where the API is --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "action", "site"),
    [
        ("https://ckan.example.gov", "https://ckan.example.gov/api/3/action/", "https://ckan.example.gov"),
        ("https://ckan.example.gov/", "https://ckan.example.gov/api/3/action/", "https://ckan.example.gov"),
        (
            "https://ckan.example.gov/api/3/action/",
            "https://ckan.example.gov/api/3/action/",
            "https://ckan.example.gov",
        ),
        ("https://ckan.example.gov/api/3", "https://ckan.example.gov/api/3/action/", "https://ckan.example.gov"),
        ("https://ckan.example.gov/api/action", "https://ckan.example.gov/api/3/action/", "https://ckan.example.gov"),
        ("https://data.gov.au/data/api/3/", "https://data.gov.au/data/api/3/action/", "https://data.gov.au/data"),
        ("https://data.gov.au/data", "https://data.gov.au/data/api/3/action/", "https://data.gov.au/data"),
        (
            "http://127.0.0.1:8000/api/3/action/package_search?q=x",
            "http://127.0.0.1:8000/api/3/action/",
            "http://127.0.0.1:8000",
        ),
    ],
)
def test_what_an_admin_typed_becomes_the_action_api_and_the_site(typed, action, site):
    assert action_base(typed) == (action, site)


def test_a_source_that_is_not_http_is_refused_with_a_reason():
    with pytest.raises(SourceUnreachable, match="http or https"):
        CkanClient("ftp://ckan.example.gov", fetch_json)


# Paging ------------------------------------------------------------------------------


def test_pages_read_every_dataset_in_id_order_with_the_count_and_bytes(ckan):
    ckan.packages = [package(n) for n in (5, 2, 7, 1, 4, 6, 3)]
    pages = read(CkanClient(ckan.url, fetch_json), rows=3)
    assert [identifiers([p]) for p in pages] == [ids(1, 2, 3), ids(4, 5, 6), ids(7)]
    assert [p.total_records for p in pages] == [7, 7, 7]
    assert [p.bytes_read for p in pages] == ckan.sent
    assert [(r["start"], r["rows"], r["sort"], r["q"]) for r in ckan.requests] == [
        ("0", "3", "id asc", "*:*"),
        ("3", "3", "id asc", "*:*"),
        ("6", "3", "id asc", "*:*"),
    ]
    assert all("fq" not in r for r in ckan.requests)
    # Each page says where the next one is; the last says there is none.
    assert pages[0].next_url.endswith("start=3&sort=id+asc") and pages[2].next_url is None


def test_a_source_that_cuts_rows_silently_is_paged_on_its_count(ckan):
    ckan.packages = [package(n) for n in range(1, 6)]
    ckan.max_rows = 2
    pages = read(CkanClient(ckan.url, fetch_json), rows=100)
    assert identifiers(pages) == ids(1, 2, 3, 4, 5)
    assert [r["start"] for r in ckan.requests] == ["0", "2", "4"]


def test_an_incremental_run_asks_only_for_datasets_modified_since_in_utc(ckan):
    ckan.packages = [
        package(1, modified="2024-04-30T23:00:00.000000"),
        package(2, modified="2024-05-01T12:00:30.000001"),
        package(3, modified="2024-06-01T00:00:00.000000"),
    ]
    since = datetime.datetime(2024, 5, 1, 14, 0, 30, 999999, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    pages = read(CkanClient(ckan.url, fetch_json), modified_since=since)
    assert ckan.requests[0]["fq"] == "metadata_modified:[2024-05-01T12:00:30Z TO *]"
    assert identifiers(pages) == ids(2, 3)
    assert pages[0].total_records == 2


def test_a_naive_modified_since_is_taken_as_utc(ckan):
    ckan.packages = [package(1)]
    read(CkanClient(ckan.url, fetch_json), modified_since=datetime.datetime(2024, 5, 1, 12, 0))
    assert ckan.requests[0]["fq"] == "metadata_modified:[2024-05-01T12:00:00Z TO *]"


def test_a_source_that_sends_the_same_page_again_fails_the_run(ckan):
    ckan.packages = [package(n) for n in range(1, 5)]
    ckan.ignores_start = True
    with pytest.raises(MalformedPage, match="sent the same datasets again for rows 2 onwards"):
        read(CkanClient(ckan.url, fetch_json), rows=2)
    assert len(ckan.requests) == 2


def test_datasets_deleted_during_a_run_make_it_skip_no_other(ckan):
    ckan.packages = [package(n) for n in range(6)]

    def delete_the_first(number):
        if number == 2:
            del ckan.packages[0]

    ckan.before_answer = delete_the_first
    pages = read(CkanClient(ckan.url, fetch_json), rows=2)
    # Without stepping back, the deletion would have shifted dataset 2 onto the page already read.
    assert sorted(identifiers(pages)) == ids(0, 1, 2, 3, 4, 5)
    assert [r["start"] for r in ckan.requests] == ["0", "2", "1", "3"]


def test_datasets_added_during_a_run_are_not_read_twice(ckan):
    ckan.packages = [package(n) for n in range(2, 8)]

    def add_before_the_offset(number):
        if number == 2:
            ckan.packages += [package(0), package(1)]

    ckan.before_answer = add_before_the_offset
    found = identifiers(read(CkanClient(ckan.url, fetch_json), rows=2))
    assert len(found) == len(set(found))
    assert set(ids(2, 3, 4, 5, 6, 7)) <= set(found)


def test_a_source_that_cannot_sort_by_id_is_read_by_modification_time(ckan):
    ckan.sorts = {"metadata_modified asc": "metadata_modified"}
    ckan.packages = [package(n, modified=f"2024-01-0{9 - n}T00:00:00.000000") for n in range(1, 5)]
    client = CkanClient(ckan.url, fetch_json)
    assert identifiers(read(client, rows=3)) == ids(4, 3, 2, 1)
    assert [r["sort"] for r in ckan.requests] == ["id asc", FALLBACK_SORT, FALLBACK_SORT]
    assert client.sort == FALLBACK_SORT


def test_a_ckan_error_fails_the_run_with_ckans_own_message(ckan):
    ckan.packages = [package(n) for n in range(1, 5)]
    ckan.answers[2] = (500, json.dumps(ckan_error("Search Error", "Solr returned an error: timeout")).encode())
    pages = CkanClient(ckan.url, fetch_json).pages(rows=2)
    assert identifiers([next(pages)]) == ids(1, 2)
    with pytest.raises(MalformedPage, match="refused a search: Search Error: Solr returned an error: timeout"):
        next(pages)


def test_a_ckan_error_on_the_first_page_survives_the_second_sort(ckan):
    ckan.packages = [package(1)]
    error = ckan_error("Authorization Error", "Access denied")
    ckan.answers = {1: (403, json.dumps(error).encode()), 2: (403, json.dumps(error).encode())}
    with pytest.raises(MalformedPage, match="Authorization Error: Access denied"):
        read(CkanClient(ckan.url, fetch_json))


def test_a_validation_error_names_the_field(ckan):
    error = {"success": False, "error": {"__type": "Validation Error", "rows": ["Invalid integer"]}}
    ckan.answers = {1: (409, json.dumps(error).encode()), 2: (409, json.dumps(error).encode())}
    with pytest.raises(MalformedPage, match="Validation Error: rows: Invalid integer"):
        read(CkanClient(ckan.url, fetch_json))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html><body>Maintenance</body></html>", "did not answer with JSON"),
        (b"[1, 2, 3]", "did not answer as a CKAN action API does"),
        (b'{"results": []}', "did not answer as a CKAN action API does"),
        (b'{"success": true}', "answered a search without a result"),
        (b'{"success": true, "result": {"results": []}}', "has no count and list of results"),
        (b'{"success": true, "result": {"count": "7", "results": []}}', "has no count and list of results"),
        (b'{"success": true, "result": {"count": 7, "results": {}}}', "has no count and list of results"),
    ],
)
def test_an_answer_that_is_not_a_ckan_search_fails_the_run(ckan, body, reason):
    ckan.packages = [package(1)]
    ckan.answers[1] = (200, body)
    with pytest.raises(MalformedPage, match=reason):
        read(CkanClient(ckan.url, fetch_json))


def test_a_cancelled_run_stops_asking_the_source(ckan):
    ckan.packages = [package(n) for n in range(10)]
    pages = CkanClient(ckan.url, fetch_json).pages(rows=2)
    next(pages)
    pages.close()
    assert len(ckan.requests) == 1


def test_pages_hold_records_failures_and_leave_out_what_is_no_dataset(ckan):
    ckan.packages = fixture_packages("awkward")
    [page] = read(CkanClient(ckan.url, fetch_json))
    assert [r["identifier"] for r in page.records] == ["a0000000-0000-4000-8000-000000000008"]
    assert sorted((f.identifier, f.reason) for f in page.failures) == [
        ("", "The source listed an entry that is not a CKAN package."),
        ("a0000000-0000-4000-8000-000000000005", "The dataset untitled has no title: give it one at the source."),
        ("no-identity", "The dataset no-identity has no id at the source, so it cannot be tracked."),
    ]
    assert page.total_records == 8


# The complete id list ----------------------------------------------------------------


def test_all_ids_asks_for_ids_alone_a_thousand_a_page(ckan):
    ckan.packages = [package(n) for n in range(1, 6)]
    ckan.max_rows = 2
    assert CkanClient(ckan.url, fetch_json).all_ids() == set(ids(1, 2, 3, 4, 5))
    assert [(r["fl"], r["rows"], r["start"], r["q"]) for r in ckan.requests] == [
        ("id", "1000", "0", "*:*"),
        ("id", "1000", "2", "*:*"),
        ("id", "1000", "4", "*:*"),
    ]


def test_all_ids_from_a_source_that_ignores_fl_leaves_out_what_is_no_dataset(ckan):
    ckan.honours_fl = False
    ckan.packages = [
        package(1),
        package(2, private=True),
        package(3, type="harvest"),
        package(4, state="deleted"),
        package(5),
    ]
    assert CkanClient(ckan.url, fetch_json).all_ids() == set(ids(1, 5))


def test_all_ids_refuses_a_list_shorter_than_the_count(ckan):
    ckan.packages = [package(n) for n in range(1, 6)]
    ckan.count_offset = 3
    with pytest.raises(MalformedPage, match="said it holds 8 datasets but listed only 5"):
        CkanClient(ckan.url, fetch_json).all_ids()


def test_all_ids_refuses_an_entry_without_an_id(ckan):
    ckan.honours_fl = False
    ckan.packages = [package(1), {**package(2), "id": ""}]
    with pytest.raises(MalformedPage, match="entry without an id"):
        CkanClient(ckan.url, fetch_json).all_ids()


def test_all_ids_is_not_refused_for_new_datasets_it_missed_while_listing(ckan):
    ckan.packages = [package(n) for n in range(2, 8)]
    ckan.max_rows = 2

    def add_before_the_offset(number):
        if number == 2:
            ckan.packages.append(package(0))

    ckan.before_answer = add_before_the_offset
    # Dataset 0 came in ahead of the rows already listed: missing it withdraws nothing.
    assert CkanClient(ckan.url, fetch_json).all_ids() == set(ids(2, 3, 4, 5, 6, 7))


def test_all_ids_misses_no_dataset_when_others_are_deleted_while_listing(ckan):
    ckan.packages = [package(n) for n in range(2, 8)]
    ckan.max_rows = 2

    def change(number):
        if number == 2:
            ckan.packages.append(package(0))
        if number == 3:
            ckan.packages[:] = [p for p in ckan.packages if p["id"] != package(3)["id"]]

    ckan.before_answer = change
    assert CkanClient(ckan.url, fetch_json).all_ids() >= set(ids(2, 4, 5, 6, 7))


# Real-world package shapes -----------------------------------------------------------


def test_a_data_gov_uk_package_maps_every_value():
    record = package_to_record(fixture_packages("datagovuk")[0], site_url=SITE + "/")
    package_id = "1a0c7e52-3f1b-4d6e-9c85-0b7d2e4f6a18"
    resource = f"{SITE}/dataset/{package_id}/resource"
    no_distribution_extras = {
        "download_url": "",
        "checksum": "",
        "checksum_algorithm": "",
        "licence": "",
        "rights": "",
        "conforms_to": "",
        "availability": "",
    }
    assert record == {
        # A CKAN package states no derivations and no data dictionary.
        "derived_from": [],
        "fields": [],
        "identifier": package_id,
        "uri": f"{SITE}/dataset/{package_id}",
        "title": "Road Safety Data",
        "description": "These files provide detailed road safety data about the circumstances of personal "
        "injury road collisions in GB from 1979.\r\n\r\nStatistics are published annually.",
        "keywords": ["Road Safety", "casualties", "collisions"],
        "themes": ["Health", "Society", "Transport"],
        "licence": "http://reference.data.gov.uk/id/open-government-licence",
        "access_rights": "",
        "contact_name": "Road Safety Statistics",
        "contact_email": "roadacc.stats@dft.gov.uk",
        "temporal_start": "1979-01-01",
        "temporal_end": "2022-12-31",
        "spatial_uri": "",
        "spatial_label": "",
        "frequency": "annual",
        "language": "",
        "version": "",
        "version_notes": "",
        "conforms_to": "",
        "landing_page": "https://www.gov.uk/government/collections/road-accidents-and-safety-statistics",
        "issued": "2013-02-14",
        "modified": "2024-03-05T09:12:44.120581+00:00",
        "publisher_name": "Department for Transport",
        "publisher_uri": f"{SITE}/organization/3e2f5e3a-8d1c-4b8e-a0a6-5c7b2f1d9e44",
        "source_page": f"{SITE}/dataset/road-accidents-safety-data",
        "distributions": [
            {
                **no_distribution_extras,
                "uri": f"{resource}/c0ffee00-1234-4abc-8def-0123456789ab",
                "title": "Road Safety Data - Casualties 2022",
                "description": "Road Safety Data - Casualties 2022",
                "access_url": "https://data.dft.gov.uk/road-accidents-safety-data/dft-road-casualty-statistics-casualty-2022.csv",
                "format": "CSV",
                "media_type": "text/csv",
                "byte_size": 26834128,
                "issued": "2023-09-28",
                "modified": "2023-09-28T09:31:40+00:00",
            },
            {
                **no_distribution_extras,
                "uri": f"{resource}/d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6",
                "title": "Road Safety Data - Guide",
                "description": "",
                # A space in the link is escaped, not a reason to lose it.
                "access_url": "https://data.dft.gov.uk/road-accidents-safety-data/Road%20Safety%20Open%20Data%20Guide.xls",
                "format": "Excel (xls)",
                "media_type": "",
                "byte_size": None,
                "issued": "2019-09-26",
                "modified": "",
            },
            # The deleted resource is left out; a www. link without a scheme gets one.
            {
                **no_distribution_extras,
                "uri": f"{resource}/f3a4b5c6-d7e8-4f90-a1b2-c3d4e5f6a7b8",
                "title": "Reported road casualties GB: notes and definitions",
                "description": "Where the statistics are explained",
                "access_url": "http://www.gov.uk/guidance/road-accident-and-safety-statistics-guidance",
                "format": "HTML",
                "media_type": "",
                "byte_size": None,
                "issued": "2020-10-01",
                "modified": "",
            },
        ],
    }
    assert normalise(record) == {**record, "fields": [], "derived_from": []}


def test_a_package_without_maintainer_or_licence_falls_back_to_author_and_no_licence():
    record = package_to_record(fixture_packages("datagovuk")[1], site_url=SITE)
    assert record["title"] == "River levels on demand"
    assert (record["contact_name"], record["contact_email"]) == (
        "Environment Agency",
        "enquiries@environment-agency.gov.uk",
    )
    assert record["licence"] == ""  # "notspecified" is CKAN's way of saying none
    assert record["themes"] == ["Environment"]
    assert record["version"] == "2"
    assert record["distributions"][0]["access_url"] == "https://environment.data.gov.uk/flood-monitoring/id/stations"


def test_a_ckan_2_10_package_with_ckanext_dcat_extras_maps_every_value():
    record = package_to_record(fixture_packages("ckan210_dcat")[0], site_url=SITE)
    package_id = "5c3e2d1f-0a9b-4c8d-9e7f-6a5b4c3d2e1f"
    upload = (
        f"https://opendata.example.eu/dataset/{package_id}/resource/8e7d6c5b-4a39-4281-9f70-6e5d4c3b2a19"
        "/download/stations.json"
    )
    eu = "http://publications.europa.eu/resource/authority"
    assert record == {
        # A CKAN package states no derivations and no data dictionary.
        "derived_from": [],
        "fields": [],
        "identifier": package_id,
        "uri": "https://data.city.example.eu/id/dataset/air-quality",
        "title": "Air quality measurements",
        "description": "Hourly NO2, PM10 and PM2.5 readings from the city's monitoring stations.",
        "keywords": ["air", "pollution"],
        "themes": ["Environment", f"{eu}/data-theme/ENVI", f"{eu}/data-theme/HEAL"],
        "licence": "https://creativecommons.org/licenses/by/4.0/",
        "access_rights": f"{eu}/access-right/PUBLIC",
        # ckanext-dcat's contact extras win over maintainer and author; mailto: is dropped.
        "contact_name": "Air Quality Desk",
        "contact_email": "air@city.example.eu",
        "temporal_start": "2019-01-01",
        "temporal_end": "2023-12-31",
        "spatial_uri": f"{eu}/place/BEL_BRU",
        "spatial_label": "Brussels",
        "frequency": f"{eu}/frequency/HOURLY",
        "language": f"{eu}/language/FRA",
        "version": "3.1",
        "version_notes": "Station 12 recalibrated.",
        "conforms_to": "https://eur-lex.europa.eu/eli/dir/2008/50/oj",
        "landing_page": "https://city.example.eu/environment/air-quality",
        "issued": "2021-04-01",
        "modified": "2024-05-31T20:00:00+00:00",
        "publisher_name": "City of Brussels",
        "publisher_uri": "https://data.city.example.eu/id/organisation/city",
        "source_page": f"{SITE}/dataset/air-quality-measurements",
        "distributions": [
            {
                "uri": "https://data.city.example.eu/id/distribution/air-2023-csv",
                "title": "Measurements 2023 (CSV)",
                "description": "One row per station and hour.",
                "access_url": "https://city.example.eu/environment/air-quality/downloads",
                "download_url": "https://files.city.example.eu/air/2023.csv",
                "format": "CSV",
                "media_type": "text/csv",
                "byte_size": 4821337,
                "checksum": "4304cf2e751e6053c90b1804c89c0ebb758f395a",
                "checksum_algorithm": "sha1",
                "licence": f"{eu}/licence/CC_BY_4_0",
                "rights": "Attribution required.",
                "conforms_to": "https://www.w3.org/TR/tabular-data-primer/",
                "availability": "",
                "issued": "2024-01-15",
                "modified": "2024-01-20T12:00:00+00:00",
            },
            {
                "uri": f"{SITE}/dataset/{package_id}/resource/8e7d6c5b-4a39-4281-9f70-6e5d4c3b2a19",
                "title": "Station list",
                "description": "",
                "access_url": upload,
                "download_url": upload,  # an uploaded file is its own download
                "format": "JSON",
                "media_type": "application/json",
                "byte_size": 20480,
                "checksum": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "checksum_algorithm": "sha256",
                "licence": "",
                "rights": "",
                "conforms_to": "",
                "availability": "",
                "issued": "2021-04-12",
                "modified": "",
            },
        ],
    }
    assert normalise(record) == {**record, "fields": [], "derived_from": []}


def test_a_ckanext_scheming_package_maps_its_structured_fields():
    record = package_to_record(fixture_packages("ckan210_dcat")[1], site_url=SITE)
    assert record["contact_name"] == "Water Quality Team"
    assert record["contact_email"] == "water@region.example.eu"
    assert record["publisher_name"] == "Regional Water Agency"
    assert record["publisher_uri"] == "https://region.example.eu/id/agency"
    # A month is its first day, or its last at the end of a period.
    assert (record["temporal_start"], record["temporal_end"]) == ("2015-05-01", "2024-09-30")
    assert (record["spatial_uri"], record["spatial_label"]) == ("https://sws.geonames.org/2921044/", "Germany")
    assert record["language"] == "en"
    assert record["themes"] == ["http://publications.europa.eu/resource/authority/data-theme/ENVI"]
    assert record["licence"] == "CC0-1.0"
    assert (record["issued"], record["modified"]) == ("2022-02-01", "2024-07-01T00:00:00+00:00")
    assert record["keywords"] == ["bathing", "coast"]  # the deleted tag is left out
    [distribution] = record["distributions"]
    assert distribution["byte_size"] == 1048576
    assert (distribution["checksum"], distribution["checksum_algorithm"]) == (
        "d41d8cd98f00b204e9800998ecf8427e",
        "md5",
    )


def test_packages_that_are_no_datasets_are_not_records():
    outcomes = [package_to_record(p, site_url=SITE) for p in fixture_packages("awkward")[:4]]
    assert outcomes == [None, None, None, None]  # private, deleted, draft, harvest source


def test_hostile_and_junk_values_are_dropped_not_passed_on():
    record = package_to_record(fixture_packages("awkward")[7], site_url=SITE)
    assert not isinstance(record, RecordFailure)
    # Text stays text (pages escape it); links that are not http(s) or ftp go.
    assert record["title"] == "<script>alert(1)</script> Hostile links"
    assert record["landing_page"] == ""
    assert record["uri"] == f"{SITE}/dataset/a0000000-0000-4000-8000-000000000008"  # urn: is no web IRI
    assert record["licence"] == "Some local licence"
    assert (record["issued"], record["modified"], record["temporal_start"]) == ("", "", "")
    assert (record["publisher_name"], record["publisher_uri"], record["keywords"]) == ("", "", [])
    click, sizes, claimed = record["distributions"]
    assert (click["access_url"], click["byte_size"], click["checksum"]) == ("", None, "")
    assert (sizes["access_url"], sizes["byte_size"], sizes["checksum"]) == (
        "ftp://ftp.example.org/pub/data.zip",
        None,
        "",
    )
    # A checksum whose length contradicts its stated algorithm is not kept.
    assert (claimed["byte_size"], claimed["checksum"], claimed["checksum_algorithm"]) == (None, "", "")


@pytest.mark.parametrize(
    ("hash_value", "algorithm", "expected"),
    [
        ("D41D8CD98F00B204E9800998ECF8427E", "", ("d41d8cd98f00b204e9800998ecf8427e", "md5")),
        ("a" * 40, "", ("a" * 40, "sha1")),
        ("a" * 64, "SHA-256", ("a" * 64, "sha256")),
        ("md5:" + "b" * 32, None, ("b" * 32, "md5")),
        ("a" * 64, "http://spdx.org/rdf/terms#checksumAlgorithm_sha256", ("a" * 64, "sha256")),
        ("a" * 128, "sha512", ("", "")),
        ("z" * 32, "", ("", "")),
        ("", "md5", ("", "")),
    ],
)
def test_checksums_are_kept_only_with_a_certain_algorithm(hash_value, algorithm, expected):
    resource = {"id": "r1", "url": "https://example.org/x.csv", "hash": hash_value, "hash_algorithm": algorithm}
    record = package_to_record({**package(1), "resources": [resource]}, site_url=SITE)
    distribution = record["distributions"][0]
    assert (distribution["checksum"], distribution["checksum_algorithm"]) == expected


@pytest.mark.parametrize(
    ("size", "expected"),
    [(12, 12), ("12", 12), (" 1,024 ", 1024), (12.0, 12), (12.5, None), ("1.2 MB", None), (-1, None), (None, None)],
)
def test_resource_sizes_tolerate_strings_and_junk(size, expected):
    record = package_to_record({**package(1), "resources": [{"url": "https://x.org/a", "size": size}]}, site_url=SITE)
    assert record["distributions"][0]["byte_size"] == expected


# Provcat's own CKAN API as a source --------------------------------------------------


def test_provcat_read_through_its_own_ckan_api_gives_back_every_dataset(live_server, ohs, dft):
    published = [
        full_dataset(ohs, "Hospital admissions", keywords=("health", "hospitals")),
        full_dataset(ohs, "Bed occupancy", keywords=("health",)),
        full_dataset(dft, "Road casualties", keywords=("transport",), fmt="JSON"),
    ]
    full_dataset(ohs, "Draft admissions", status=Dataset.Status.DRAFT)
    full_dataset(dft, "Secret roads", access=Dataset.AccessRights.NON_PUBLIC)
    client = CkanClient(f"{live_server.url}/api/3/action/", fetch_json)

    pages = read(client, rows=2)

    assert [p.total_records for p in pages] == [3, 3]
    assert all(p.failures == [] for p in pages)
    records = {r["identifier"]: r for p in pages for r in p.records}
    assert set(records) == {str(d.uuid) for d in published}
    ogl = term("licence", "OGL_3_0")
    for dataset in published:
        dataset.refresh_from_db()
        record = records[str(dataset.uuid)]
        assert record["uri"] == dataset.uri
        assert record["title"] == dataset.title
        assert record["description"] == dataset.description
        assert record["keywords"] == sorted(k.name for k in dataset.keywords.all())
        assert record["themes"] == [term("theme", "HEAL").uri]
        assert record["licence"] == ogl.homepage  # Provcat's license_url
        assert (record["contact_name"], record["contact_email"]) == ("Statistics team", "stats@example.gov")
        assert (record["temporal_start"], record["temporal_end"]) == ("2020-01-01", "2024-12-31")
        assert (record["spatial_uri"], record["spatial_label"]) == (dataset.spatial_uri, "United Kingdom")
        assert (record["frequency"], record["language"]) == (dataset.frequency.uri, dataset.language.uri)
        assert (record["version"], record["issued"]) == ("1.2", "2021-03-01")
        assert record["modified"] == dataset.modified.astimezone(datetime.UTC).isoformat()
        assert (record["publisher_name"], record["publisher_uri"]) == (dataset.publisher.name, dataset.publisher.uri)
        [distribution] = dataset.distributions.all()
        assert record["distributions"] == [
            {
                "uri": distribution.uri,
                "title": distribution.title,
                "description": distribution.description,
                "access_url": distribution.access_url,
                "download_url": distribution.download_url,
                "format": distribution.format.code,
                "media_type": "",
                "byte_size": 12345,
                "checksum": "a" * 64,
                "checksum_algorithm": "sha256",
                "licence": "",
                "rights": "",
                "conforms_to": "",
                "availability": f"{PLANNED_AVAILABILITY}/{distribution.availability}",  # the resource's own field
                "issued": "",
                "modified": "",
            }
        ]
    assert client.all_ids() == {str(d.uuid) for d in published}
    future = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    assert identifiers(read(client, modified_since=future)) == []
