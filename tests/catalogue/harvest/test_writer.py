"""The harvest writer on its own: records as the readers hand them over, written into the
catalogue with the values sources really write mapped to the controlled vocabularies."""

import pytest

from catalogue.actors import system_actor
from catalogue.harvest import services
from catalogue.harvest.models import HarvestJob
from catalogue.harvest.records import normalise
from catalogue.harvest.writer import HarvestWriter
from catalogue.models import Dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(ohs):
    actor = system_actor("tests")
    source = services.source_save(
        user=actor, organisation=ohs, data={"name": "Portal", "url": "https://portal.example.gov/catalog.ttl"}
    )
    job = HarvestJob.objects.create(source=source, status="running")
    return HarvestWriter(job, system_actor("harvest"))


def record(n, **values):
    return normalise(
        {
            "identifier": f"https://portal.example.gov/ds/{n}",
            "uri": f"https://portal.example.gov/ds/{n}",
            "title": f"Dataset {n}",
            **values,
        }
    )


def test_free_text_from_real_portals_is_mapped_to_the_controlled_vocabularies(writer):
    writer.write_batch(
        [
            record(
                1,
                licence="uk-ogl",
                themes=["Transport", "http://publications.europa.eu/resource/authority/data-theme/HEAL", "Unknown"],
                frequency="monthly",
                language="http://publications.europa.eu/resource/authority/language/ENG",
                access_rights="Public",
                distributions=[
                    {"access_url": "https://f.example.gov/a.csv", "format": "text/csv", "media_type": "text/csv"},
                    {"access_url": "https://f.example.gov/b", "format": "JSON", "licence": "CC-BY-4.0"},
                    {
                        "access_url": "https://f.example.gov/c",
                        "format": "https://www.iana.org/assignments/media-types/application/json",
                    },
                ],
            ),
            record(
                2,
                licence="http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
                access_rights="http://publications.europa.eu/resource/authority/access-right/RESTRICTED",
            ),
        ]
    )
    assert writer.job.created == 2 and writer.job.failed == 0
    one = Dataset.objects.get(uri="https://portal.example.gov/ds/1")
    assert one.licence.code == "OGL_3_0"
    assert sorted(one.themes.values_list("code", flat=True)) == ["HEAL", "TRAN"]
    assert one.frequency.code == "MONTHLY" and one.language.code == "ENG"
    formats = [
        (d.format.code if d.format else None, d.licence.code if d.licence else None)
        for d in one.distributions.order_by("position")
    ]
    assert formats == [("CSV", None), ("JSON", "CC_BY_4_0"), ("JSON", None)]
    two = Dataset.objects.get(uri="https://portal.example.gov/ds/2")
    assert (two.licence.code, two.access_rights) == ("OGL_3_0", "RESTRICTED")


def test_unusable_values_are_dropped_and_the_record_kept(writer):
    writer.write_batch(
        [
            record(
                1,
                landing_page="javascript:alert(1)",
                conforms_to="not a url",
                contact_email="nobody",
                temporal_start="sometime",
                spatial_uri="data:text/html,<b>x</b>",
                spatial_label="Somewhere",
                distributions=[
                    {"access_url": "javascript:alert(2)"},
                    {
                        "access_url": "https://f.example.gov/a",
                        "checksum": "abc",
                        "checksum_algorithm": "sha256",
                        "byte_size": -5,
                    },
                ],
                fields=[{"name": "id", "datatype": "uuid-ish"}, {"name": "id"}, {"name": ""}],
            )
        ]
    )
    assert writer.job.created == 1, writer.job.record_errors.values_list("reason", flat=True)
    dataset = Dataset.objects.get()
    assert (dataset.landing_page, dataset.conforms_to, dataset.contact_email, dataset.temporal_start) == (
        "",
        "",
        "",
        None,
    )
    assert (dataset.spatial_uri, dataset.spatial_label) == ("", "")
    [dist] = dataset.distributions.all()
    assert (dist.checksum, dist.byte_size) == ("", None)
    assert list(dataset.fields.values_list("name", "datatype")) == [("id", "string")]


def test_keywords_are_shared_between_the_records_of_a_batch(writer):
    writer.write_batch([record(1, keywords=["Roads", "traffic"]), record(2, keywords=["roads"])])
    one, two = Dataset.objects.filter(harvest__isnull=False).order_by("uri")
    assert sorted(one.keywords.values_list("name", flat=True)) == ["Roads", "traffic"]
    # One keyword per name whatever its case within a batch, as the publisher forms do.
    assert list(two.keywords.values_list("pk", flat=True)) == list(
        one.keywords.filter(name="Roads").values_list("pk", flat=True)
    )
