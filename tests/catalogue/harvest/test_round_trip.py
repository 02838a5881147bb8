"""The round trip: Provcat's own /catalog, served by a live server, harvested into a second,
empty catalogue (another database, through the `harvest` command a operator would run) gives
back the same datasets, distributions, data dictionaries and derivations."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from catalogue import services
from catalogue.actors import system_actor
from catalogue.models import Dataset
from provenance.models import Derivation
from tests.catalogue.dcat_data import derive, full_dataset

ROOT = Path(settings.BASE_DIR)

DUMP = """
import json
from catalogue import services
from catalogue.actors import system_actor
from catalogue.models import Dataset
from provenance.models import Derivation
from catalogue.harvest.models import HarvestedDataset
out = []
for d in Dataset.objects.filter(harvest__isnull=False).order_by("uri"):
    out.append({
        "uri": d.uri, "title": d.title, "description": d.description, "status": d.status,
        "keywords": sorted(k.name for k in d.keywords.all()), "themes": sorted(t.code for t in d.themes.all()),
        "licence": d.licence.code if d.licence else None, "access_rights": d.access_rights,
        "contact": [d.contact_name, d.contact_email],
        "temporal": [str(d.temporal_start), str(d.temporal_end)], "spatial": [d.spatial_uri, d.spatial_label],
        "frequency": d.frequency.code if d.frequency else None, "language": d.language.code if d.language else None,
        "version": d.version, "issued": str(d.issued), "landing_page": d.landing_page,
        "distributions": [
            [x.access_url, x.download_url, x.format.code if x.format else None, x.byte_size, x.checksum,
             x.checksum_algorithm, x.effective_licence.code if x.effective_licence else None, x.rights]
            for x in d.distributions.order_by("position", "id")
        ],
        "fields": [
            [f.name, f.title or f.name, f.definition, f.datatype, f.unit, f.required, f.concept_uri]
            for f in d.fields.order_by("position", "id")
        ],
        "derived_from": sorted(x.source.uri for x in Derivation.objects.current().filter(derived=d)),
    })
print(json.dumps(out))
"""


def describe(dataset: Dataset, page_url: str) -> dict:
    """What the second catalogue should hold for ``dataset`` (as DUMP prints it)."""
    return {
        "uri": dataset.uri,
        "title": dataset.title,
        "description": dataset.description or dataset.title,
        "status": "published",
        "keywords": sorted(k.name for k in dataset.keywords.all()),
        "themes": sorted(t.code for t in dataset.themes.all()),
        "licence": dataset.licence.code if dataset.licence else None,
        "access_rights": dataset.access_rights,
        "contact": [dataset.contact_name, dataset.contact_email],
        "temporal": [str(dataset.temporal_start), str(dataset.temporal_end)],
        "spatial": [dataset.spatial_uri, dataset.spatial_label],
        "frequency": dataset.frequency.code if dataset.frequency else None,
        "language": dataset.language.code if dataset.language else None,
        "version": dataset.version,
        "issued": str(dataset.issued),
        # Provcat's record names its own page as the landing page of a dataset that has none.
        "landing_page": dataset.landing_page or page_url + dataset.get_absolute_url(),
        "distributions": [
            [
                x.access_url,
                x.download_url,
                x.format.code if x.format else None,
                x.byte_size,
                x.checksum,
                x.checksum_algorithm,
                x.effective_licence.code if x.effective_licence else None,
                x.rights,
            ]
            for x in dataset.distributions.order_by("position", "id")
        ],
        "fields": [
            [f.name, f.title or f.name, f.definition, f.datatype, f.unit, f.required, f.concept_uri]
            for f in dataset.fields.order_by("position", "id")
        ],
        "derived_from": sorted(x.source.uri for x in Derivation.objects.current().filter(derived=dataset)),
    }


def manage(env, *args, check=True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=check,
        timeout=300,
    )


@pytest.mark.django_db(transaction=True)
def test_provcat_catalogue_harvested_into_an_empty_one_comes_back_the_same(live_server, ohs, dft, tmp_path, settings):
    settings.PROVCAT_BASE_URI = live_server.url
    first = full_dataset(ohs, "Hospital admissions", keywords=("health", "hospitals"))
    second = full_dataset(dft, "Road traffic counts", keywords=("roads",), fmt="JSON", version="")
    derived = full_dataset(ohs, "Admissions per road accident", keywords=("health", "roads"))
    derive(derived, first)
    derive(derived, second)
    services.field_save(
        dataset=derived,
        user=system_actor("tests"),
        data={"concept_uri": "https://vocab.example.gov/concept/admission"},
        field=derived.fields.get(name="admissions"),
    )
    full_dataset(ohs, "Unpublished draft", status=Dataset.Status.DRAFT)
    full_dataset(ohs, "Restricted register", access=Dataset.AccessRights.RESTRICTED)
    from catalogue import outbox

    outbox.sweep(min_age_seconds=0)

    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'second.sqlite3'}",
        "CELERY_BROKER_URL": "",
        "PROVCAT_LINK_CHECKS": "false",
        "PROVCAT_BASE_URI": "https://second.example.gov",
    }
    manage(env, "migrate", "-v0")
    manage(
        env,
        "shell",
        "-c",
        "from catalogue.models import Organisation; Organisation.objects.create(name='Mirror', slug='mirror')",
    )
    run = manage(
        env,
        "harvest",
        f"{live_server.url}/catalog.ttl",
        "--organisation",
        "mirror",
        "--allow-loopback",
        "--quiet",
        check=False,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    report = json.loads(run.stdout)
    assert report["status"] == "finished"
    assert report["counts"] == {"created": 3, "updated": 0, "unchanged": 0, "withdrawn": 0, "failed": 0}

    mirrored = json.loads(manage(env, "shell", "-c", DUMP).stdout.strip().splitlines()[-1])
    expected = [
        describe(d, live_server.url)
        for d in Dataset.objects.filter(pk__in=[first.pk, second.pk, derived.pk]).order_by("uri")
    ]
    assert [m["uri"] for m in mirrored] == [e["uri"] for e in expected]
    differences = {
        (e["title"], key): {"mirrored": m[key], "expected": e[key]}
        for m, e in zip(mirrored, expected, strict=True)
        for key in e
        if m[key] != e[key]
    }
    assert differences == {}

    # Harvested again: nothing changed, nothing written.
    again = json.loads(
        manage(env, "harvest", f"{live_server.url}/catalog.ttl", "--organisation", "mirror", "--quiet").stdout
    )
    assert again["counts"] == {"created": 0, "updated": 0, "unchanged": 3, "withdrawn": 0, "failed": 0}
