"""PROV-O records: agents, activities and derivations between datasets."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from catalogue.models import mint_uri
from catalogue.models.records import validate_iri  # noqa: F401  (named by migration 0007)

# The organisation that holds the datasets OpenLineage events named before anyone catalogued them.
STUB_ORGANISATION_SLUG = "unclaimed-lineage-stubs"


class Agent(models.Model):
    """A prov:Agent: a person, an organisation or a piece of software."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"
        SOFTWARE = "software", "Software"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uri = models.URLField(max_length=500, unique=True, blank=True, validators=[validate_iri])
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PERSON)
    email = models.EmailField(blank=True)
    homepage = models.URLField(max_length=300, blank=True, validators=[validate_iri])
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
    uri = models.URLField(max_length=500, unique=True, blank=True, validators=[validate_iri])
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TRANSFORMATION)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True, help_text="How the data was transformed, in plain English.")
    code_reference = models.URLField(
        max_length=500,
        blank=True,
        validators=[validate_iri],
        help_text="Where the code that did this lives, e.g. a repository URL at a commit.",
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


class LineageEdge(models.Model):
    """One pair of the lineage closure: ``ancestor`` feeds ``descendant`` through ``depth`` derivations.

    Holds every (ancestor, descendant) pair over the *current* derivations, with the
    shortest path length. Maintained by provenance.lineage from the outbox's lineage
    work; never edited by hand. Historical ("as of") questions are answered from
    Derivation rows instead, because the closure only knows the present.
    """

    # No database-level foreign keys: the rows are derived from Derivation (whose keys are enforced),
    # and one edge above a hub writes tens of thousands of pairs, each of which would queue two
    # deferred constraint checks. Nor a cascade: when a dataset is deleted, its derivations go and
    # their rebuild requests remove its pairs, and that recompute needs the old pairs to find the
    # region (a cascade would drop them first and leave pairs that only ran through it).
    ancestor = models.ForeignKey(
        "catalogue.Dataset", on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    descendant = models.ForeignKey(
        "catalogue.Dataset", on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    depth = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ancestor", "descendant"], name="lineageedge_unique_pair")]
        # Nearest-first reads in both directions are index-only scans on these.
        indexes = [
            models.Index(fields=["ancestor", "depth", "descendant"], name="lineageedge_down_idx"),
            models.Index(fields=["descendant", "depth", "ancestor"], name="lineageedge_up_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ancestor_id} -[{self.depth}]-> {self.descendant_id}"


class FieldDerivation(models.Model):
    """Column lineage: the derived field's values come from the source field."""

    class Kind(models.TextChoices):
        IDENTITY = "identity", "Identity (copied unchanged)"
        TRANSFORMATION = "transformation", "Transformation"
        AGGREGATION = "aggregation", "Aggregation"
        FILTER = "filter", "Filter"
        JOIN = "join", "Join"
        GROUP_BY = "group-by", "Group by"
        SORT = "sort", "Sort"
        MASKING = "masking", "Masking"
        OTHER = "other", "Other"

    derived = models.ForeignKey("catalogue.Field", on_delete=models.CASCADE, related_name="derivations_as_derived")
    source = models.ForeignKey("catalogue.Field", on_delete=models.CASCADE, related_name="derivations_as_source")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.IDENTITY)
    description = models.TextField(blank=True)
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="field_derivations"
    )
    valid_from = models.DateTimeField(default=timezone.now)
    valid_to = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    objects = DerivationQuerySet.as_manager()

    class Meta:
        ordering = ["derived", "source"]
        constraints = [
            models.CheckConstraint(condition=~Q(derived=F("source")), name="fieldderivation_not_self"),
            models.UniqueConstraint(
                fields=["derived", "source"], condition=Q(valid_to__isnull=True), name="fieldderivation_unique_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.derived_id} <- {self.source_id} ({self.kind})"


class DatasetAlias(models.Model):
    """A name another system uses for a catalogue dataset, e.g. an OpenLineage (namespace, name)."""

    namespace = models.CharField(max_length=500)
    name = models.CharField(max_length=500)
    dataset = models.ForeignKey("catalogue.Dataset", on_delete=models.CASCADE, related_name="aliases")
    is_stub = models.BooleanField(
        default=False, help_text="Provcat made the dataset as a placeholder when an OpenLineage event named it."
    )
    # Whose stub this is: the organisations whose editors sent events naming it. Their editors
    # see and may claim it; a stub only site administrators named belongs to none (only they claim it).
    named_by = models.ManyToManyField(
        "catalogue.Organisation",
        blank=True,
        related_name="+",
        help_text="Organisations whose OpenLineage events named this stub; their editors may claim it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["namespace", "name"]
        verbose_name_plural = "dataset aliases"
        constraints = [models.UniqueConstraint(fields=["namespace", "name"], name="datasetalias_unique_name")]

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


class OpenLineageEvent(models.Model):
    """One OpenLineage event as received, kept so the graph can be rebuilt from it."""

    class Kind(models.TextChoices):
        RUN = "run", "RunEvent"
        JOB = "job", "JobEvent"
        DATASET = "dataset", "DatasetEvent"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    event_type = models.CharField(max_length=20, blank=True, help_text="START, COMPLETE, FAIL... for run events.")
    run_id = models.CharField(max_length=64, blank=True, db_index=True)
    job_namespace = models.CharField(max_length=500, blank=True)
    job_name = models.CharField(max_length=500, blank=True)
    event_time = models.DateTimeField()
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    # What could not be applied (e.g. an output the sender may not edit), for the sender to read.
    problems = models.JSONField(default=list, blank=True)
    # Set when applying the event raised (a poison event): it is not tried again until an admin
    # asks, so it never blocks the events after it. ``error`` is the exception's message, no traceback.
    failed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["processed_at", "id"], name="olevent_pending_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_type} {self.job_namespace}/{self.job_name}"
