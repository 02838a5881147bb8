"""Datasets with every part the DCAT mapping shows, for the DCAT and CKAN tests."""

import datetime

from django.utils import timezone
from rdflib import Graph

from catalogue import services
from catalogue.actors import system_actor
from catalogue.models import (
    CollectionMethod,
    Dataset,
    Distribution,
    Field,
    QualityMeasurement,
    ValidationCheck,
    VocabularyTerm,
)
from catalogue.models.records import unique_slug
from provenance import services as provenance_services


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
    """A dataset with every part, imported in one change through the service (so its
    search entry, stored record and score follow through the outbox, as for any import)."""
    slug = extra.pop("slug", None) or unique_slug(Dataset, title)
    parts = [
        Distribution(
            title=f"{title} ({fmt})",
            access_url=f"https://files.example.gov/{slug}/",
            download_url=f"https://files.example.gov/{slug}.{fmt.lower()}",
            format=term("file-type", fmt),
            byte_size=12345,
            checksum="a" * 64,
            checksum_algorithm="sha256",
            rights="Crown copyright.",
        ),
        Field(position=1, name="region_code", title="Region code", definition="ONS region code.", required=True),
        Field(position=2, name="admissions", datatype="integer", unit="people"),
        CollectionMethod(
            method_type="administrative",
            description="Extracted monthly from hospital records.",
            population="All NHS hospitals in England",
            period_start=datetime.date(2020, 1, 1),
            source_systems="HES\nPAS",
        ),
        ValidationCheck(
            name="No missing regions",
            rule="region_code is not null",
            run_by="QA bot",
            outcome="pass",
            records_checked=1000,
            records_failed=0,
        ),
        QualityMeasurement(dimension="completeness", metric="Share of rows with a region", value=0.98, unit="ratio"),
    ]
    # The quality score is not set here: the outbox's quality work computes it from the parts.
    return services.dataset_import(
        user=system_actor("tests"),
        organisation=publisher,
        data={
            "title": title,
            "slug": slug,
            "description": f"{title}: counts by region and month.",
            "status": status,
            "access_rights": access,
            "licence": term("licence", "OGL_3_0"),
            "contact_name": "Statistics team",
            "contact_email": "stats@example.gov",
            "temporal_start": datetime.date(2020, 1, 1),
            "temporal_end": datetime.date(2024, 12, 31),
            "spatial_uri": "http://publications.europa.eu/resource/authority/country/GBR",
            "spatial_label": "United Kingdom",
            "frequency": VocabularyTerm.objects.filter(scheme="frequency").first(),
            "language": VocabularyTerm.objects.filter(scheme="language").first(),
            "version": "1.2",
            "issued": datetime.date(2021, 3, 1),
            "modified": timezone.now(),
            "published_at": timezone.now() if status == Dataset.Status.PUBLISHED else None,
            "withdrawn_reason": "Superseded." if status == Dataset.Status.WITHDRAWN else "",
            **extra,
        },
        keywords=keywords,
        themes=[term("theme", "HEAL")],
        parts=parts,
    )


def derive(derived, source, name="Aggregate"):
    """``derived`` is made from ``source`` by a pipeline run, recorded through the provenance services."""
    actor = system_actor("tests")
    agent = provenance_services.agent_record(user=actor, data={"name": "Pipeline", "kind": "software"})
    activity = provenance_services.activity_record(
        user=actor, data={"name": name, "agent": agent, "started_at": timezone.now()}
    )
    return provenance_services.derivation_add(
        derived=derived, source=source, activity=activity, user=actor, description="Aggregated."
    )


def parse(response, fmt: str) -> Graph:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return Graph().parse(data=body.decode(), format=fmt)
