"""Writes for tests, through the public write path: the catalogue and provenance services,
acting as the tests' system actor unless a test names a persona."""

from catalogue import services
from catalogue.actors import system_actor
from provenance import services as provenance_services
from tests.conftest import term


def actor():
    return system_actor("tests")


def edit(dataset, *, user=None, data=None, keywords=None, themes=None, **parts):
    """Change a dataset's properties, keywords or themes (``keywords``/``themes`` replace them)."""
    return services.dataset_update(
        dataset=dataset,
        user=user or actor(),
        data=data or {},
        expected_revision=None,
        keywords=keywords,
        themes=themes,
        **parts,
    )


def add_keywords(dataset, *names, user=None):
    current = list(dataset.keywords.values_list("name", flat=True))
    return edit(dataset, user=user, keywords=[*current, *names])


def add_themes(dataset, *codes, user=None):
    current = list(dataset.themes.all())
    return edit(dataset, user=user, themes=[*current, *(term("theme", code) for code in codes)])


def add_distribution(dataset, *, user=None, format_code=None, **data):
    if format_code:
        data["format"] = term("file-type", format_code)
    return services.distribution_save(dataset=dataset, user=user or actor(), data=data)


def add_field(dataset, *, user=None, **data):
    return services.field_save(dataset=dataset, user=user or actor(), data=data)


def record_check(dataset, name, outcome, *, user=None, **data):
    return services.validation_check_record(
        dataset=dataset, user=user or actor(), data={"name": name, "outcome": outcome, **data}
    )


def derive(source, derived, *, user=None, **extra):
    return provenance_services.derivation_add(derived=derived, source=source, user=user or actor(), **extra)


def organisation_snapshot(organisation_slug: str) -> dict:
    """Everything of one organisation a write could touch, in comparable form."""
    from catalogue.models import (
        Dataset,
        Distribution,
        Field,
        Membership,
        QualityMeasurement,
        ValidationCheck,
    )
    from provenance.models import DatasetAlias, Derivation, FieldDerivation

    datasets = Dataset.objects.filter(publisher__slug=organisation_slug)
    ids = list(datasets.values_list("pk", flat=True))
    return {
        "datasets": sorted(datasets.values_list("pk", "slug", "title", "status", "revision", "access_rights")),
        "history": Dataset.history.filter(id__in=ids).count(),
        "distributions": sorted(Distribution.objects.filter(dataset__in=ids).values_list("pk", "access_url")),
        "fields": sorted(Field.objects.filter(dataset__in=ids).values_list("pk", "name", "definition")),
        "checks": ValidationCheck.objects.filter(dataset__in=ids).count(),
        "measurements": QualityMeasurement.objects.filter(dataset__in=ids).count(),
        "derivations": Derivation.objects.filter(derived__in=ids).count(),
        "field_derivations": FieldDerivation.objects.filter(derived__dataset__in=ids).count(),
        "aliases": DatasetAlias.objects.filter(dataset__in=ids).count(),
        "members": sorted(Membership.objects.filter(organisation__slug=organisation_slug).values_list("user", "role")),
    }
