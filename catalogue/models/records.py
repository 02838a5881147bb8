"""The catalogue's records: organisations, DCAT-AP 3 datasets and their parts.

One record's own rules live here (validation in ``clean()``, URIs minted on save);
who may see or change a record is decided in catalogue/access.py, writes live in
catalogue/services.py and reads in catalogue/queries.py (who may see what: catalogue/access.py).
"""

import re
import uuid
from collections import Counter

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from lib.iri import iri_problem

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    "Use lower-case letters, digits and single hyphens, e.g. 'road-traffic-counts'.",
)


def validate_iri(value: str) -> None:
    """A stored URI becomes an RDF IRI in every export, so it must be one RDF can carry (lib.iri)."""
    if value and (problem := iri_problem(value)) is not None:
        raise ValidationError(f"Not a usable URI: {problem}.", code="invalid_iri")


def mint_uri(kind: str, key: str) -> str:
    """A URI under PROVCAT_BASE_URI, e.g. https://data.example.gov/id/dataset/<uuid>."""
    return f"{settings.PROVCAT_BASE_URI}/id/{kind}/{key}"


def _slug_base(text: str, max_length: int) -> str:
    # slugify keeps underscores, which slug_validator (and every URL pattern) refuses.
    return re.sub(r"[-_]+", "-", slugify(text))[: max_length - 8].strip("-") or "item"


def unique_slug(model, text: str, *, max_length: int = 100, exclude_pk=None, taken=frozenset()) -> str:
    """A slug from ``text`` no row of ``model`` has (nor any of ``taken``): ``text``'s own, or
    with -2, -3, ... after it."""
    base = _slug_base(text, max_length)
    slug, n = base, 2
    qs = model.objects.all()
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    while slug in taken or qs.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def unique_slugs(model, texts: list[str], *, max_length: int = 100) -> list[str]:
    """``unique_slug`` for new rows made together, in order: each slug the one it would get if
    the rows before it had been saved first. Two queries: the texts' own slugs, and the first
    numbered ones (-2 to -9) of those that clash; a slug that many rows share already goes on
    to ``unique_slug``'s own search."""
    bases = [_slug_base(text, max_length) for text in texts]
    in_use = set(model.objects.filter(slug__in=set(bases)).values_list("slug", flat=True))
    counts = Counter(bases)
    clashing = {base for base in bases if base in in_use or counts[base] > 1}
    numbered = [f"{base}-{n}" for base in sorted(clashing) for n in range(2, 10)]
    if numbered:
        in_use |= set(model.objects.filter(slug__in=numbered).values_list("slug", flat=True))
    slugs: list[str] = []
    taken: set[str] = set()
    for text, base in zip(texts, bases, strict=True):
        candidates = [base] + ([f"{base}-{n}" for n in range(2, 10)] if base in clashing else [])
        slug = next((c for c in candidates if c not in in_use and c not in taken), None)
        if slug is None:
            slug = unique_slug(model, text, max_length=max_length, taken=taken)
        taken.add(slug)
        slugs.append(slug)
    return slugs


class VocabularyTerm(models.Model):
    """A term of a controlled vocabulary, with its official URI.

    The vocabularies (EU data themes, frequencies, access rights, file types, IANA
    media types, licences, languages) are loaded by the migrations.
    """

    class Scheme(models.TextChoices):
        THEME = "theme", "Data theme"
        FREQUENCY = "frequency", "Update frequency"
        ACCESS_RIGHT = "access-right", "Access right"
        FILE_TYPE = "file-type", "File type"
        MEDIA_TYPE = "media-type", "Media type"
        LICENCE = "licence", "Licence"
        LANGUAGE = "language", "Language"

    scheme = models.CharField(max_length=20, choices=Scheme.choices, db_index=True)
    code = models.CharField(max_length=100, help_text="The term's notation in its scheme, e.g. CSV or CC_BY_4_0.")
    uri = models.URLField(max_length=300, unique=True)
    label = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # File types: the MQA's machine-readable and non-proprietary lists.
    machine_readable = models.BooleanField(default=False)
    non_proprietary = models.BooleanField(default=False)
    # File types: the IANA media type usually served for this format.
    media_type = models.CharField(max_length=100, blank=True)
    # Licences: an open licence in the Open Definition's sense; the licence text's own page.
    is_open = models.BooleanField(default=False)
    homepage = models.URLField(max_length=300, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["scheme", "sort_order", "label"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="vocabularyterm_unique_code")]

    def __str__(self) -> str:
        return self.label


def _scheme(scheme: str) -> dict:
    return {"scheme": scheme}


def _vocabulary_error(label: str) -> dict:
    return {"invalid": f"%(value)r is not a term of the {label} vocabulary: choose one of its terms."}


class Organisation(models.Model):
    """A department, agency or public body that publishes datasets (foaf:Organization)."""

    class Kind(models.TextChoices):
        MINISTERIAL_DEPARTMENT = "ministerial-department", "Ministerial department"
        NON_MINISTERIAL_DEPARTMENT = "non-ministerial-department", "Non-ministerial department"
        AGENCY = "agency", "Executive agency"
        PUBLIC_BODY = "public-body", "Public body"
        LOCAL_AUTHORITY = "local-authority", "Local authority"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True, validators=[slug_validator])
    uri = models.URLField(max_length=500, unique=True, blank=True, validators=[validate_iri])
    kind = models.CharField(max_length=40, choices=Kind.choices, default=Kind.MINISTERIAL_DEPARTMENT)
    abbreviation = models.CharField(max_length=20, blank=True)
    description = models.TextField(blank=True)
    homepage = models.URLField(max_length=300, blank=True, validators=[validate_iri])
    email = models.EmailField(blank=True)
    requires_review = models.BooleanField(
        default=False, help_text="Publishing a dataset needs the approval of a second editor."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="organisations")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Organisation, self.name, exclude_pk=self.pk)
        if not self.uri:
            self.uri = mint_uri("organisation", self.slug)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("catalogue:organisation-detail", kwargs={"slug": self.slug})


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin (manages members and harvest sources)"
        EDITOR = "editor", "Editor (edits and publishes datasets)"
        VIEWER = "viewer", "Viewer (sees restricted and draft datasets)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique_user_org")]
        ordering = ["organisation__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.role})"

    @property
    def can_edit(self) -> bool:
        return self.role in (self.Role.ADMIN, self.Role.EDITOR)


class Keyword(models.Model):
    """A free keyword (dcat:keyword), shared between datasets so it can be a facet."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Dataset(models.Model):
    """A dcat:Dataset: one described collection of data."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class AccessRights(models.TextChoices):
        # Codes of the EU access-right vocabulary; the URIs are VocabularyTerm rows.
        PUBLIC = "PUBLIC", "Public"
        RESTRICTED = "RESTRICTED", "Restricted"
        NON_PUBLIC = "NON_PUBLIC", "Non-public"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uri = models.URLField(
        "identifier",
        max_length=500,
        unique=True,
        blank=True,
        help_text="The dataset's permanent URI. Leave blank and Provcat mints one under its base URI.",
        validators=[validate_iri],
    )
    slug = models.SlugField(max_length=100, unique=True, validators=[slug_validator])
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    publisher = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="datasets")
    keywords = models.ManyToManyField(Keyword, blank=True, related_name="datasets")
    themes = models.ManyToManyField(
        VocabularyTerm, blank=True, related_name="themed_datasets", limit_choices_to=_scheme("theme")
    )
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    licence = models.ForeignKey(
        VocabularyTerm,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="licensed_datasets",
        limit_choices_to=_scheme("licence"),
        error_messages=_vocabulary_error("licence"),
    )
    access_rights = models.CharField(max_length=12, choices=AccessRights.choices, default=AccessRights.PUBLIC)
    temporal_start = models.DateField(null=True, blank=True)
    temporal_end = models.DateField(null=True, blank=True)
    spatial_uri = models.URLField(
        max_length=300, blank=True, help_text="A place URI, e.g. a country or region.", validators=[validate_iri]
    )
    spatial_label = models.CharField(max_length=200, blank=True)
    frequency = models.ForeignKey(
        VocabularyTerm,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="frequency_datasets",
        limit_choices_to=_scheme("frequency"),
        error_messages=_vocabulary_error("update frequency"),
    )
    language = models.ForeignKey(
        VocabularyTerm,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="language_datasets",
        limit_choices_to=_scheme("language"),
        error_messages=_vocabulary_error("language"),
    )
    version = models.CharField(max_length=50, blank=True)
    version_notes = models.TextField(blank=True)
    conforms_to = models.URLField(max_length=500, blank=True, validators=[validate_iri])
    landing_page = models.URLField(max_length=500, blank=True, validators=[validate_iri])
    issued = models.DateField(null=True, blank=True)
    modified = models.DateTimeField(null=True, blank=True, help_text="When the data last changed.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)
    # The computed metadata-quality score (MQA points) and its band; maintained by a task.
    quality_score = models.PositiveIntegerField(null=True, blank=True)
    quality_band = models.CharField(max_length=12, blank=True)
    # When the score was last computed; changes ask for a new one through the outbox.
    quality_scored_at = models.DateTimeField(null=True, blank=True)
    # Publisher: optimistic-concurrency token; every saved edit increments it, and an edit
    # based on an older revision is refused (forms carry it, the API sends it as the ETag).
    revision = models.PositiveIntegerField(default=1)
    # Publisher: who asked for publication while the organisation requires a second editor's review.
    review_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords(m2m_fields=[keywords, themes])

    # What a publisher writes about the dataset (besides keywords and themes), as opposed to
    # its identity, workflow state and computed score: the one list the services, the form,
    # the API and the history page all use.
    DESCRIPTION_FIELDS = (
        "title",
        "description",
        "contact_name",
        "contact_email",
        "licence",
        "access_rights",
        "temporal_start",
        "temporal_end",
        "spatial_uri",
        "spatial_label",
        "frequency",
        "language",
        "version",
        "version_notes",
        "conforms_to",
        "landing_page",
        "issued",
        "modified",
    )

    class Meta:
        ordering = ["title"]
        indexes = [
            models.Index(fields=["status", "access_rights"], name="dataset_visibility_idx"),
            models.Index(fields=["publisher", "status"], name="dataset_publisher_status_idx"),
            # The REST API's cursor pages seek on (updated_at, id), newest first, or (title, id).
            models.Index(fields=["updated_at", "id"], name="dataset_updated_id_idx"),
            models.Index(fields=["title", "id"], name="dataset_title_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(temporal_start__isnull=True)
                | Q(temporal_end__isnull=True)
                | Q(temporal_end__gte=models.F("temporal_start")),
                name="dataset_temporal_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        errors = {}
        if self.temporal_start and self.temporal_end and self.temporal_end < self.temporal_start:
            errors["temporal_end"] = "The end of the period covered cannot be before its start."
        if self.spatial_label and not self.spatial_uri:
            errors["spatial_uri"] = "Give the URI of the place as well as its name."
        if self.status == self.Status.WITHDRAWN and not self.withdrawn_reason:
            errors["withdrawn_reason"] = "Say why the dataset is withdrawn; readers see this notice."
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Dataset, self.title, exclude_pk=self.pk)
        if not self.uri:
            self.uri = mint_uri("dataset", str(self.uuid))
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("catalogue:dataset-detail", kwargs={"slug": self.slug})

    @property
    def access_rights_uri(self) -> str:
        return f"http://publications.europa.eu/resource/authority/access-right/{self.access_rights}"


class Distribution(models.Model):
    """A dcat:Distribution: one way to get the data (a file, an API)."""

    class ChecksumAlgorithm(models.TextChoices):
        SHA256 = "sha256", "SHA-256"
        SHA1 = "sha1", "SHA-1"
        MD5 = "md5", "MD5"

    class Availability(models.TextChoices):
        """How long the publisher plans to keep the distribution available (dcatap:availability):
        the codes of the EU planned-availability vocabulary
        (http://publications.europa.eu/resource/authority/planned-availability)."""

        TEMPORARY = "TEMPORARY", "Temporary"
        EXPERIMENTAL = "EXPERIMENTAL", "Experimental"
        AVAILABLE = "AVAILABLE", "Available"
        STABLE = "STABLE", "Stable"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uri = models.URLField(max_length=500, unique=True, blank=True, validators=[validate_iri])
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="distributions")
    title = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    access_url = models.URLField(
        max_length=1000,
        help_text="A page or service where the data can be reached (dcat:accessURL).",
        validators=[validate_iri],
    )
    download_url = models.URLField(
        max_length=1000, blank=True, help_text="A direct link to the file, if there is one.", validators=[validate_iri]
    )
    format = models.ForeignKey(
        VocabularyTerm,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="format_distributions",
        limit_choices_to=_scheme("file-type"),
        error_messages=_vocabulary_error("file type"),
    )
    media_type = models.ForeignKey(
        VocabularyTerm,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="media_type_distributions",
        limit_choices_to=_scheme("media-type"),
        error_messages=_vocabulary_error("media type"),
    )
    byte_size = models.BigIntegerField(null=True, blank=True, validators=[MinValueValidator(0)])
    checksum = models.CharField(max_length=128, blank=True)
    checksum_algorithm = models.CharField(max_length=10, choices=ChecksumAlgorithm.choices, blank=True)
    licence = models.ForeignKey(
        VocabularyTerm,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="licensed_distributions",
        limit_choices_to=_scheme("licence"),
        error_messages=_vocabulary_error("licence"),
        help_text="Leave blank to use the dataset's licence.",
    )
    rights = models.TextField(blank=True, help_text="Any rights statement beyond the licence.")
    conforms_to = models.URLField(max_length=500, blank=True, validators=[validate_iri])
    # Empty only where nobody said: a harvested distribution whose source gives no availability.
    availability = models.CharField(
        max_length=12,
        choices=Availability.choices,
        blank=True,
        default=Availability.AVAILABLE,
        help_text="How long you plan to keep it available (dcatap:availability).",
    )
    issued = models.DateField(null=True, blank=True)
    modified = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    AVAILABILITY_MEANINGS = {
        Availability.TEMPORARY: "kept for days or weeks",
        Availability.EXPERIMENTAL: "kept for up to about a year",
        Availability.AVAILABLE: "kept for some years",
        Availability.STABLE: "kept at this address for the long term",
    }

    class Meta:
        ordering = ["dataset", "position", "id"]

    def __str__(self) -> str:
        return self.title or (self.format.label if self.format_id else self.access_url)

    @property
    def availability_meaning(self) -> str:
        """What the planned availability promises, in words ("" when not stated)."""
        return self.AVAILABILITY_MEANINGS.get(self.availability, "")

    def clean(self):
        errors = {}
        if self.checksum and not self.checksum_algorithm:
            errors["checksum_algorithm"] = "Say which algorithm produced the checksum."
        if self.checksum and self.checksum_algorithm:
            lengths = {"sha256": 64, "sha1": 40, "md5": 32}
            expected = lengths[self.checksum_algorithm]
            if len(self.checksum) != expected or any(c not in "0123456789abcdefABCDEF" for c in self.checksum):
                errors["checksum"] = f"A {self.checksum_algorithm} checksum is {expected} hexadecimal characters."
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if not self.uri:
            self.uri = mint_uri("distribution", str(self.uuid))
        super().save(*args, **kwargs)

    @property
    def effective_licence(self):
        return self.licence if self.licence_id else self.dataset.licence


class Field(models.Model):
    """One column of the data dictionary (csvw:Column)."""

    class Datatype(models.TextChoices):
        STRING = "string", "Text"
        INTEGER = "integer", "Whole number"
        DECIMAL = "decimal", "Decimal number"
        BOOLEAN = "boolean", "True / false"
        DATE = "date", "Date"
        DATETIME = "datetime", "Date and time"
        TIME = "time", "Time"
        YEAR = "gYear", "Year"
        DURATION = "duration", "Duration"
        ANYURI = "anyURI", "Link (URI)"
        GEOMETRY = "geometry", "Geometry"

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(
        max_length=128,
        validators=[RegexValidator(r"^\S(.*\S)?$", "A column name cannot start or end with spaces.")],
        help_text="The column name exactly as it appears in the file, e.g. 'la_code'.",
    )
    title = models.CharField(max_length=200, blank=True, help_text="A human name, e.g. 'Local authority code'.")
    definition = models.TextField(blank=True, help_text="What a value in this column means.")
    datatype = models.CharField(max_length=20, choices=Datatype.choices, default=Datatype.STRING)
    unit = models.CharField(max_length=50, blank=True, help_text="Unit of measure, e.g. 'GBP' or 'people'.")
    required = models.BooleanField(default=False)
    constraints = models.JSONField(
        default=dict, blank=True, help_text="Frictionless-style constraints: minimum, maximum, pattern, enum..."
    )
    # The glossary links by IRI (catalogue.glossary): the concept this column measures, and
    # the scheme its codes come from. Indexed with the dataset (see Meta): a concept's page and
    # the glossary search count the datasets that measure a concept from the index alone.
    concept_uri = models.URLField(
        max_length=500,
        blank=True,
        help_text="The glossary concept this column measures.",
        validators=[validate_iri],
    )
    code_list_uri = models.URLField(
        max_length=500,
        blank=True,
        help_text="The code list (a concept scheme) this column's values come from.",
        validators=[validate_iri],
    )
    history = HistoricalRecords()

    ALLOWED_CONSTRAINTS = {"minimum", "maximum", "minLength", "maxLength", "pattern", "enum", "unique"}

    class Meta:
        ordering = ["dataset", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["dataset", "name"], name="field_unique_name_per_dataset")]
        indexes = [models.Index(fields=["concept_uri", "dataset"], name="field_concept_uri")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if not isinstance(self.constraints, dict):
            raise ValidationError({"constraints": 'Constraints are a JSON object, e.g. {"minimum": 0}.'})
        unknown = set(self.constraints) - self.ALLOWED_CONSTRAINTS
        if unknown:
            raise ValidationError(
                {
                    "constraints": f"Unknown constraint(s): {', '.join(sorted(unknown))}. "
                    f"Use: {', '.join(sorted(self.ALLOWED_CONSTRAINTS))}."
                }
            )
        if "enum" in self.constraints and not isinstance(self.constraints["enum"], list):
            raise ValidationError({"constraints": "'enum' is a list of allowed values."})


class CollectionMethod(models.Model):
    """How the data was collected (dct:provenance and a PROV collection activity)."""

    class MethodType(models.TextChoices):
        SURVEY = "survey", "Survey"
        CENSUS = "census", "Census"
        ADMINISTRATIVE = "administrative", "Administrative records"
        REGISTER = "register", "Register"
        SENSOR = "sensor", "Sensor or automatic measurement"
        DERIVED = "derived", "Derived from other datasets"
        MODELLED = "modelled", "Modelled or estimated"
        OTHER = "other", "Other"

    dataset = models.OneToOneField(Dataset, on_delete=models.CASCADE, related_name="collection_method")
    method_type = models.CharField(max_length=20, choices=MethodType.choices)
    description = models.TextField(help_text="How the data is gathered, in plain English.")
    population = models.TextField(
        blank=True, help_text="Who or what the data covers, e.g. 'All households in England'."
    )
    sample_size = models.PositiveIntegerField(null=True, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    source_systems = models.TextField(blank=True, help_text="The systems the data comes from, one per line.")
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.get_method_type_display()} – {self.dataset}"

    def clean(self):
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": "The collection period cannot end before it starts."})


class ValidationCheck(models.Model):
    """One run of a validation rule on a dataset (dqv:QualityAnnotation + prov:Activity)."""

    class Outcome(models.TextChoices):
        PASS = "pass", "Passed"
        WARN = "warn", "Passed with warnings"
        FAIL = "fail", "Failed"

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="validation_checks")
    name = models.CharField(max_length=200, help_text="A short name for the rule, e.g. 'No missing postcodes'.")
    rule = models.TextField(blank=True, help_text="What the check tests, precisely enough to repeat it.")
    run_at = models.DateTimeField(default=timezone.now)
    run_by = models.CharField(max_length=200, blank=True, help_text="The person or system that ran the check.")
    outcome = models.CharField(max_length=4, choices=Outcome.choices)
    records_checked = models.PositiveIntegerField(null=True, blank=True)
    records_failed = models.PositiveIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)
    activity = models.ForeignKey(
        "provenance.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="validation_checks"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["dataset", "-run_at"]
        indexes = [models.Index(fields=["dataset", "name", "-run_at"], name="check_latest_idx")]

    def __str__(self) -> str:
        return f"{self.name}: {self.outcome}"

    def clean(self):
        if self.records_failed is not None and self.records_checked is not None:
            if self.records_failed > self.records_checked:
                raise ValidationError({"records_failed": "More records failed than were checked."})


class QualityMeasurement(models.Model):
    """A measured quality value (dqv:QualityMeasurement), e.g. completeness 0.98."""

    class Dimension(models.TextChoices):
        # ISO/IEC 25012 dimensions, as used with DQV.
        ACCURACY = "accuracy", "Accuracy"
        COMPLETENESS = "completeness", "Completeness"
        CONSISTENCY = "consistency", "Consistency"
        CREDIBILITY = "credibility", "Credibility"
        CURRENTNESS = "currentness", "Currentness (timeliness)"
        UNIQUENESS = "uniqueness", "Uniqueness"
        VALIDITY = "validity", "Validity"
        PRECISION = "precision", "Precision"

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="quality_measurements")
    distribution = models.ForeignKey(
        Distribution, null=True, blank=True, on_delete=models.CASCADE, related_name="quality_measurements"
    )
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    metric = models.CharField(max_length=200, help_text="What was measured, e.g. 'Share of rows with a postcode'.")
    value = models.FloatField()
    unit = models.CharField(max_length=50, blank=True, help_text="e.g. 'percent' or 'ratio'.")
    measured_at = models.DateTimeField(default=timezone.now)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["dataset", "dimension", "-measured_at"]

    def __str__(self) -> str:
        return f"{self.metric} = {self.value}"

    def clean(self):
        if self.unit in ("percent", "%") and not 0 <= self.value <= 100:
            raise ValidationError({"value": "A percentage lies between 0 and 100."})
        if self.unit == "ratio" and not 0 <= self.value <= 1:
            raise ValidationError({"value": "A ratio lies between 0 and 1."})
