"""Move a loaded demo to the address the server now runs on.

The demo's links (downloads, landing pages, its harvest source) and the URIs it minted
start with PROVCAT_BASE_URI as it was when the demo was loaded. `make run` on another port
(PORT=8106) derives a new base, so loading the demo again must move what it stored, or every
link points at a server that is not there and every link check fails.

Only stored addresses that start with the old base move; what the records were harvested,
measured or checked against stays. Link checks of the old addresses are dropped (they say
nothing about the new ones) and the outbox asks for new checks, scores, search entries and
stored records, in the same transaction.
"""

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Concat, Substr

from catalogue import outbox
from catalogue.harvest.models import HarvestSource
from catalogue.models import Dataset, Distribution, LinkCheck, Organisation
from provenance.models import Activity

# How the demo's own harvest source is found: it is served by the demo, under the base.
DEMO_SOURCE_PATH = "/demo/catalogues/welsh-government.ttl"
# Derived state, remade by the outbox rather than moved: link checks are dropped, stored
# records and harvested pages are made again from the records.
NOT_MOVED = {"catalogue.LinkCheck", "catalogue.RdfRecord", "harvest.HarvestPage"}
PROJECT_APPS = ("catalogue", "provenance", "harvest", "sharing", "glossary")


def demo_base_uri() -> str | None:
    """The base the demo was loaded under, read from its harvest source's address; None when
    no demo is loaded."""
    source = HarvestSource.objects.filter(url__endswith=DEMO_SOURCE_PATH).order_by("pk").first()
    return source.url.removesuffix(DEMO_SOURCE_PATH) if source else None


def _address_fields():
    """Every stored address of the project's records: (model, field name). History tables
    keep what was true then."""
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or model._meta.label in NOT_MOVED:
            continue
        if model.__name__.startswith("Historical"):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.URLField) or (
                isinstance(field, models.CharField) and any(part in field.name for part in ("uri", "url", "iri"))
            ):
                yield model, field.name


def demo_rebase(*, new_base: str | None = None) -> int:
    """Move every stored address under the demo's old base to ``new_base`` (default
    PROVCAT_BASE_URI); returns how many values moved (0 when nothing needed to)."""
    new_base = (new_base or settings.PROVCAT_BASE_URI).rstrip("/")
    old_base = demo_base_uri()
    if old_base is None or old_base == new_base:
        return 0
    prefix = old_base + "/"
    moved = 0
    with transaction.atomic():
        distribution_ids = set(
            Distribution.objects.filter(
                models.Q(access_url__startswith=prefix) | models.Q(download_url__startswith=prefix)
            ).values_list("pk", flat=True)
        )
        for model, name in _address_fields():
            moved += model.objects.filter(**{f"{name}__startswith": prefix}).update(
                **{
                    name: Concat(
                        models.Value(new_base + "/"), Substr(name, len(prefix) + 1), output_field=models.TextField()
                    )
                }
            )
        LinkCheck.objects.filter(distribution_id__in=distribution_ids).delete()
        outbox.datasets_changed(Dataset.objects.values_list("pk", flat=True))
        outbox.distribution_links_changed(distribution_ids)
        outbox.activities_changed(Activity.objects.values_list("pk", flat=True))
        for organisation_id in Organisation.objects.values_list("pk", flat=True):
            outbox.organisation_changed(organisation_id)
    return moved
