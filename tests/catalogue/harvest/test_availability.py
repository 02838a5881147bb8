"""dcatap:availability through a harvest: the source's term (EU planned-availability IRIs,
the DCAT-AP 2.0 ones, codes, labels) becomes the distribution's, a source that says nothing
gives a distribution that states nothing, and what Provcat exports reads back the same."""

import pytest
from rdflib import Graph

from catalogue import services
from catalogue.actors import system_actor
from catalogue.harvest import services as harvest_services
from catalogue.harvest.ckan_reader import package_to_record
from catalogue.harvest.dcat_reader import read_dcat_page
from catalogue.harvest.runner import run_job
from catalogue.harvest.vocab import availability as harvested_availability
from catalogue.models import Dataset
from catalogue.rdf.dcat import PLANNED_AVAILABILITY
from catalogue.rdf.namespaces import DCATAP
from tests.catalogue.dcat_data import full_dataset, parse
from tests.catalogue.harvest.conftest import catalogue_page, dataset_turtle


def record(client, dataset: Dataset) -> Graph:
    return parse(client.get(f"/datasets/{dataset.slug}.ttl"), "turtle")


def availability_of(graph: Graph) -> set[str]:
    return {str(o) for o in graph.objects(None, DCATAP.availability)}


@pytest.mark.parametrize(
    "value, code",
    [
        ("http://publications.europa.eu/resource/authority/planned-availability/STABLE", "STABLE"),
        ("https://publications.europa.eu/resource/authority/planned-availability/EXPERIMENTAL/", "EXPERIMENTAL"),
        ("http://data.europa.eu/r5r/temporary", "TEMPORARY"),  # the DCAT-AP 2.0 IRIs
        ("Available", "AVAILABLE"),
        ("stable", "STABLE"),
        ("", ""),
        ("http://data.europa.eu/r5r/availability", ""),
        ("for ever", ""),
    ],
)
def test_harvested_availability_values_map_to_the_vocabulary_or_to_nothing(value, code):
    assert harvested_availability(value) == code


def _remote_dataset(n: int, availability: str | None) -> str:
    turtle = dataset_turtle(n)
    if availability is None:
        return turtle
    return turtle.replace(
        "dcat:distribution [ a dcat:Distribution ;",
        f"dcat:distribution [ a dcat:Distribution ; <http://data.europa.eu/r5r/availability> <{availability}> ;",
    )


@pytest.mark.django_db
def test_a_harvest_takes_the_sources_availability_and_states_none_when_it_gives_none(client, ohs, source_server):
    body = catalogue_page(
        [
            _remote_dataset(1, f"{PLANNED_AVAILABILITY}/EXPERIMENTAL"),
            _remote_dataset(2, "http://data.europa.eu/r5r/stable"),
            _remote_dataset(3, None),
        ],
        total=3,
        view=source_server.url("/catalog.ttl"),
    )
    source_server.serve("/catalog.ttl", body)
    source = harvest_services.source_save(
        user=system_actor("tests"),
        organisation=ohs,
        data={"name": "Roads catalogue", "url": source_server.url("/catalog.ttl"), "allow_private_addresses": True},
    )
    run_job(harvest_services.job_start(user=system_actor("tests"), source=source, send=False).pk)
    found = {d.uri: d.distributions.get().availability for d in Dataset.objects.filter(harvest__source=source)}
    base = "https://data.example.gov/id/dataset"
    assert found == {f"{base}/1": "EXPERIMENTAL", f"{base}/2": "STABLE", f"{base}/3": ""}
    records = {n: record(client, Dataset.objects.get(uri=f"{base}/{n}")) for n in (1, 2, 3)}
    assert availability_of(records[1]) == {f"{PLANNED_AVAILABILITY}/EXPERIMENTAL"}
    assert availability_of(records[2]) == {f"{PLANNED_AVAILABILITY}/STABLE"}
    assert availability_of(records[3]) == set()  # the source did not say: Provcat does not either


@pytest.mark.django_db
def test_availability_round_trips_through_provcats_own_record(client, ohs, bob):
    """What Provcat exports, another Provcat's harvest reads back as the same term."""
    dataset = full_dataset(ohs, "Ferry journeys")
    services.distribution_save(
        dataset=dataset, user=bob, distribution=dataset.distributions.get(), data={"availability": "TEMPORARY"}
    )
    response = client.get(f"/datasets/{dataset.slug}.ttl")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    (read,) = read_dcat_page(body, url="http://testserver/catalog.ttl", content_type="text/turtle").records
    assert read["distributions"][0]["availability"] == f"{PLANNED_AVAILABILITY}/TEMPORARY"
    assert harvested_availability(read["distributions"][0]["availability"]) == "TEMPORARY"


def test_the_dataset_page_says_what_the_planned_availability_promises(client, ohs, bob):
    dataset = full_dataset(ohs, "Ferry timetables")
    distribution = dataset.distributions.get()
    services.distribution_save(dataset=dataset, user=bob, distribution=distribution, data={"availability": "STABLE"})
    page = client.get(dataset.get_absolute_url()).content.decode()
    assert "Planned availability: Stable (kept at this address for the long term)" in page

    distribution.refresh_from_db()  # as a harvested distribution whose source said nothing
    services.distribution_save(dataset=dataset, user=bob, distribution=distribution, data={"availability": ""})
    assert "Planned availability" not in client.get(dataset.get_absolute_url()).content.decode()


def test_the_ckan_api_gives_the_availability_a_ckan_harvest_reads_back(client, ohs, bob):
    """ckanext-dcat's resource field carries the planned-availability IRI; Provcat's own CKAN
    reader (harvesting another Provcat through its CKAN API) maps it back to the same code."""
    dataset = full_dataset(ohs, "Harbour dues")
    services.distribution_save(
        dataset=dataset, user=bob, distribution=dataset.distributions.get(), data={"availability": "EXPERIMENTAL"}
    )
    package = client.get(f"/api/3/action/package_show?id={dataset.slug}").json()["result"]
    assert package["resources"][0]["availability"] == f"{PLANNED_AVAILABILITY}/EXPERIMENTAL"
    (read,) = package_to_record(package, site_url="http://testserver")["distributions"]
    assert harvested_availability(read["availability"]) == "EXPERIMENTAL"
