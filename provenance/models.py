"""PROV-O records: agents, activities and derivations between datasets."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


def mint_uri(kind: str, key: str) -> str:
    return f"{settings.PROVCAT_BASE_URI}/id/{kind}/{key}"


class Agent(models.Model):
    """A prov:Agent: a person, an organisation or a piece of software."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"
        SOFTWARE = "software", "Software"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uri = models.URLField(max_length=500, unique=True, blank=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PERSON)
    email = models.EmailField(blank=True)
    homepage = models.URLField(max_length=300, blank=True)
    organisation = models.ForeignKey(
        "catalogue.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="agents"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.uri:
            self.uri = mint_uri("agent", str(self.uuid))
        super().save(*args, **kwargs)


class Activity(models.Model):
    """A prov:Activity: a collection, transformation, validation, harvest or pipeline run."""

    class Kind(models.TextChoices):
        COLLECTION = "collection", "Collection"
        TRANSFORMATION = "transformation", "Transformation"
        VALIDATION = "validation", "Validation"
        HARVEST = "harvest", "Harvest"
        OPENLINEAGE_RUN = "openlineage-run", "OpenLineage run"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uri = models.URLField(max_length=500, unique=True, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TRANSFORMATION)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True, help_text="How the data was transformed, in plain English.")
    code_reference = models.URLField(
        max_length=500, blank=True, help_text="Where the code that did this lives, e.g. a repository URL at a commit."
    )
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities")
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_at", "name"]
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.started_at and self.ended_at and self.ended_at < self.started_at:
            raise ValidationError({"ended_at": "An activity cannot end before it starts."})

    def save(self, *args, **kwargs):
        if not self.uri:
            self.uri = mint_uri("activity", str(self.uuid))
        super().save(*args, **kwargs)


class DerivationQuerySet(models.QuerySet):
    def current(self):
        return self.filter(valid_to__isnull=True)

    def as_of(self, moment):
        return self.filter(Q(valid_from__lte=moment), Q(valid_to__isnull=True) | Q(valid_to__gt=moment))


class Derivation(models.Model):
    """The derived dataset was made from the source dataset by an activity.

    Derivations are never deleted: removing or replacing one sets ``valid_to``, so
    lineage can be asked "as of" any date.
    """

    derived = models.ForeignKey("catalogue.Dataset", on_delete=models.CASCADE, related_name="derivations_as_derived")
    source = models.ForeignKey("catalogue.Dataset", on_delete=models.CASCADE, related_name="derivations_as_source")
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="derivations")
    description = models.TextField(blank=True)
    valid_from = models.DateTimeField(default=timezone.now)
    valid_to = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    objects = DerivationQuerySet.as_manager()

    class Meta:
        ordering = ["derived", "source", "-valid_from"]
        constraints = [
            models.CheckConstraint(condition=~Q(derived=F("source")), name="derivation_not_self"),
            models.UniqueConstraint(
                fields=["derived", "source"],
                condition=Q(valid_to__isnull=True),
                name="derivation_unique_current",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="derivation_valid_order",
            ),
        ]
        indexes = [
            models.Index(fields=["source", "valid_to"], name="derivation_source_idx"),
            models.Index(fields=["derived", "valid_to"], name="derivation_derived_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.derived_id} <- {self.source_id}"

    def clean(self):
        if self.derived_id and self.derived_id == self.source_id:
            raise ValidationError("A dataset cannot be derived from itself.")

    @property
    def is_current(self) -> bool:
        return self.valid_to is None
