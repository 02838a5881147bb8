"""Datasets with every part the DCAT mapping shows, for the DCAT and CKAN tests."""

import datetime

from django.utils import timezone
from rdflib import Graph

from catalogue.models import (
    CollectionMethod,
    Dataset,
    Distribution,
    Field,
    Keyword,
    QualityMeasurement,
    ValidationCheck,
    VocabularyTerm,
)
from provenance.models import Activity, Agent, Derivation


def term(scheme, code):
    return VocabularyTerm.objects.get(scheme=scheme, code=code)


def full_dataset(
    publisher,
    title,
    *,
    status=Dataset.Status.PUBLISHED,
    access=Dataset.AccessRights.PUBLIC,
    keywords=("health",),
    fmt="CSV",
    **extra,
):
    dataset = Dataset.objects.create(
        title=title,
        description=f"{title}: counts by region and month.",
        publisher=publisher,
        status=status,
        access_rights=access,
        licence=term("licence", "OGL_3_0"),
        contact_name="Statistics team",
        contact_email="stats@example.gov",
        temporal_start=datetime.date(2020, 1, 1),
        temporal_end=datetime.date(2024, 12, 31),
        spatial_uri="http://publications.europa.eu/resource/authority/country/GBR",
        spatial_label="United Kingdom",
        frequency=VocabularyTerm.objects.filter(scheme="frequency").first(),
        language=VocabularyTerm.objects.filter(scheme="language").first(),
        version="1.2",
        issued=datetime.date(2021, 3, 1),
        modified=timezone.now(),
        published_at=timezone.now() if status == Dataset.Status.PUBLISHED else None,
        withdrawn_reason="Superseded." if status == Dataset.Status.WITHDRAWN else "",
        quality_score=300,
        quality_band="good",
        **extra,
    )
    dataset.keywords.set([Keyword.objects.get_or_create(name=k)[0] for k in keywords])
    dataset.themes.set([term("theme", "HEAL")])
    Distribution.objects.create(
        dataset=dataset,
        title=f"{title} ({fmt})",
        access_url=f"https://files.example.gov/{dataset.slug}/",
        download_url=f"https://files.example.gov/{dataset.slug}.{fmt.lower()}",
        format=term("file-type", fmt),
        byte_size=12345,
        checksum="a" * 64,
        checksum_algorithm="sha256",
        rights="Crown copyright.",
    )
    Field.objects.create(
        dataset=dataset,
        position=1,
        name="region_code",
        title="Region code",
        definition="ONS region code.",
        required=True,
    )
    Field.objects.create(dataset=dataset, position=2, name="admissions", datatype="integer", unit="people")
    CollectionMethod.objects.create(
        dataset=dataset,
        method_type="administrative",
        description="Extracted monthly from hospital records.",
        population="All NHS hospitals in England",
        period_start=datetime.date(2020, 1, 1),
        source_systems="HES\nPAS",
    )
    ValidationCheck.objects.create(
        dataset=dataset,
        name="No missing regions",
        rule="region_code is not null",
        run_by="QA bot",
        outcome="pass",
        records_checked=1000,
        records_failed=0,
    )
    QualityMeasurement.objects.create(
        dataset=dataset, dimension="completeness", metric="Share of rows with a region", value=0.98, unit="ratio"
    )
    return dataset


def derive(derived, source, name="Aggregate"):
    agent = Agent.objects.create(name="Pipeline", kind="software")
    activity = Activity.objects.create(name=name, agent=agent, started_at=timezone.now())
    return Derivation.objects.create(derived=derived, source=source, activity=activity, description="Aggregated.")


def parse(response, fmt: str) -> Graph:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return Graph().parse(data=body.decode(), format=fmt)
