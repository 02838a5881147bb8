"""The glossary: SKOS concept schemes owned by organisations, their concepts, the links
between concepts (broader, narrower, related within a scheme; exact, close, broad, narrow
and related matches across schemes), and every version of a concept's definition.

A data dictionary field measures a concept when its ``concept_uri`` is the concept's
``uri`` (and uses a code list when its ``code_list_uri`` is a scheme's ``uri``). Linking by
IRI keeps the link meaningful outside Provcat: the CSVW column carries it, a harvested
field keeps it, and a concept imported later picks up the fields that already name it.

A link is stored once, on the concept whose scheme stated it, with ``target_uri`` the other
concept's IRI (in this catalogue or not). Reading a concept's relations looks in both
directions and inverts what the other side stated (``INVERSE``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from catalogue.models import Organisation, slug_validator
from catalogue.models.records import validate_iri


class ConceptScheme(models.Model):
    """A skos:ConceptScheme: one organisation's set of definitions (or a code list)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="concept_schemes")
    slug = models.SlugField(max_length=100, unique=True, validators=[slug_validator])
    uri = models.CharField(max_length=500, unique=True, validators=[validate_iri])
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    version = models.CharField(max_length=50, blank=True, help_text="The scheme's own version label, e.g. '2.1'.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("glossary:scheme", args=[self.slug])


class Concept(models.Model):
    """A skos:Concept in one scheme. ``version`` counts the changes to what it means
    (labels, definition, notes, source); each one is kept as a ConceptVersion."""

    # The fields whose change makes a new version (and re-indexes the fields that measure it).
    MEANING = (
        "pref_label",
        "alt_labels",
        "hidden_labels",
        "definition",
        "scope_note",
        "example",
        "source",
        "source_url",
    )

    scheme = models.ForeignKey(ConceptScheme, on_delete=models.CASCADE, related_name="concepts")
    slug = models.SlugField(max_length=100, validators=[slug_validator])
    uri = models.CharField(max_length=500, unique=True, validators=[validate_iri])
    notation = models.CharField(max_length=100, blank=True, help_text="A code, e.g. 'T58.5'.")
    pref_label = models.CharField("preferred label", max_length=200)
    alt_labels = models.JSONField(default=list, blank=True, help_text="Other names people use for it.")
    hidden_labels = models.JSONField(default=list, blank=True, help_text="Misspellings and codes, for search only.")
    definition = models.TextField(blank=True)
    scope_note = models.TextField(blank=True, help_text="What it includes and excludes.")
    example = models.TextField(blank=True)
    history_note = models.TextField(blank=True, help_text="How the definition changed before it was recorded here.")
    source = models.CharField(max_length=300, blank=True, help_text="The legislation or standard that defines it.")
    source_url = models.CharField(max_length=500, blank=True, validators=[validate_iri])
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scheme", "pref_label", "id"]
        constraints = [models.UniqueConstraint(fields=["scheme", "slug"], name="concept_unique_slug_per_scheme")]

    def __str__(self) -> str:
        return self.pref_label

    def get_absolute_url(self) -> str:
        return reverse("glossary:concept", args=[self.scheme.slug, self.slug])

    @property
    def labels(self) -> list[str]:
        return [self.pref_label, *self.alt_labels]


class ConceptVersion(models.Model):
    """What a concept meant from one version until the next: a changed definition keeps its history."""

    concept = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    pref_label = models.CharField(max_length=200)
    alt_labels = models.JSONField(default=list, blank=True)
    hidden_labels = models.JSONField(default=list, blank=True)
    definition = models.TextField(blank=True)
    scope_note = models.TextField(blank=True)
    example = models.TextField(blank=True)
    source = models.CharField(max_length=300, blank=True)
    source_url = models.CharField(max_length=500, blank=True)
    change_note = models.TextField(blank=True, help_text="Why it changed.")
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["concept", "-version"]
        constraints = [models.UniqueConstraint(fields=["concept", "version"], name="concept_version_unique")]

    def __str__(self) -> str:
        return f"{self.pref_label} (version {self.version})"


class ConceptLink(models.Model):
    """One SKOS semantic relation stated by the concept's scheme, to the concept at ``target_uri``."""

    class Kind(models.TextChoices):
        BROADER = "broader", "broader"
        NARROWER = "narrower", "narrower"
        RELATED = "related", "related"
        EXACT_MATCH = "exactMatch", "exact match"
        CLOSE_MATCH = "closeMatch", "close match"
        BROAD_MATCH = "broadMatch", "broad match"
        NARROW_MATCH = "narrowMatch", "narrow match"
        RELATED_MATCH = "relatedMatch", "related match"

    concept = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    target_uri = models.CharField(max_length=500, db_index=True, validators=[validate_iri])
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["concept", "kind", "target_uri"]
        constraints = [
            models.UniqueConstraint(fields=["concept", "kind", "target_uri"], name="concept_link_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.concept} {self.kind} {self.target_uri}"


Kind = ConceptLink.Kind
# What the other concept states when this one states ``kind`` (SKOS: broader/narrower and
# broadMatch/narrowMatch are inverses; the rest are symmetric).
INVERSE = {
    Kind.BROADER: Kind.NARROWER,
    Kind.NARROWER: Kind.BROADER,
    Kind.RELATED: Kind.RELATED,
    Kind.EXACT_MATCH: Kind.EXACT_MATCH,
    Kind.CLOSE_MATCH: Kind.CLOSE_MATCH,
    Kind.BROAD_MATCH: Kind.NARROW_MATCH,
    Kind.NARROW_MATCH: Kind.BROAD_MATCH,
    Kind.RELATED_MATCH: Kind.RELATED_MATCH,
}
# Relations within a scheme, and mapping relations between schemes.
HIERARCHY = (Kind.BROADER, Kind.NARROWER, Kind.RELATED)
MATCHES = (Kind.EXACT_MATCH, Kind.CLOSE_MATCH, Kind.BROAD_MATCH, Kind.NARROW_MATCH, Kind.RELATED_MATCH)
