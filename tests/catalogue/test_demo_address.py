"""`make run` on another address: the demo's links and minted URIs follow the address the
server runs on, also for a demo loaded earlier under another one."""

from django.core.management import call_command

from catalogue.harvest.models import HarvestSource
from catalogue.models import Dataset, Distribution, LinkCheck, Organisation, RdfRecord

OLD = "http://127.0.0.1:8000"
NEW = "http://127.0.0.1:8106"


def stored_addresses() -> list[str]:
    values = []
    for dataset in Dataset.objects.all():
        values += [dataset.uri, dataset.landing_page]
    for distribution in Distribution.objects.all():
        values += [distribution.uri, distribution.access_url, distribution.download_url]
    values += list(Organisation.objects.values_list("uri", flat=True))
    values += list(HarvestSource.objects.values_list("url", flat=True))
    return [v for v in values if v]


def test_a_demo_loaded_on_another_port_links_to_that_port(db, settings):
    settings.PROVCAT_BASE_URI = NEW
    call_command("load_demo")
    downloads = Distribution.objects.exclude(download_url="").values_list("download_url", flat=True)
    assert downloads and all(url.startswith(NEW + "/demo/files/") for url in downloads)
    assert not [a for a in stored_addresses() if a.startswith(OLD)]


def test_a_demo_loaded_on_8000_moves_to_the_new_port_when_loaded_again(db, settings):
    settings.PROVCAT_BASE_URI = OLD
    call_command("load_demo")
    distribution = Distribution.objects.exclude(download_url="").first()
    LinkCheck.objects.create(distribution=distribution, kind="download", url=distribution.download_url)

    settings.PROVCAT_BASE_URI = NEW
    call_command("load_demo")
    assert not [a for a in stored_addresses() if a.startswith(OLD + "/")]
    assert HarvestSource.objects.filter(url=NEW + "/demo/catalogues/welsh-government.ttl").count() == 1
    distribution.refresh_from_db()
    assert distribution.download_url.startswith(NEW + "/demo/files/")
    assert distribution.uri.startswith(NEW + "/id/distribution/")
    # The old answer said nothing about the new address: the link is checked afresh.
    assert not LinkCheck.objects.filter(distribution=distribution).exists()
    # The stored DCAT-AP record names the new address too.
    record = RdfRecord.objects.get(dataset_id=distribution.dataset_id)
    assert NEW + "/" in record.turtle and OLD + "/" not in record.turtle

    before = stored_addresses()
    call_command("load_demo")  # once moved, loading again changes nothing
    assert stored_addresses() == before
