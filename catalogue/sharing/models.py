"""Data-sharing agreements between organisations, the data items they disclose, and the
history of every step of their workflow.

An agreement has a provider and a recipient (both controllers of the data), covers some of
the provider's published datasets and, of those, names the data dictionary fields that
travel. It is proposed by either side and becomes active only when an admin of each side
has approved the terms as they stand; changing the terms afterwards clears both approvals.

An agreement is *in force* on a day when it is active and the day lies between its start
date and its end date (inclusive). Members of the recipient organisation read the covered
datasets' metadata exactly while it is in force: ``covered_datasets`` is the clause the
access rule (catalogue.access) adds, evaluated at request time, so access stops the moment
the end date passes even before beat marks the agreement expired.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Dataset, Organisation, mint_uri
from catalogue.sharing import legal

# The public register lists the agreements the parties published and agreed at least once
# (whatever their status since): the one definition, as a condition and as ``is_on_register``.
ON_REGISTER = Q(published=True, activated_at__isnull=False)


class AgreementQuerySet(models.QuerySet):
    def in_force(self, on: datetime.date | None = None) -> AgreementQuerySet:
        """Agreements active on ``on`` (today by default): status active, within their dates."""
        on = on or timezone.localdate()
        return self.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on),
            status=SharingAgreement.Status.ACTIVE,
            start_date__lte=on,
        )

    def on_register(self) -> AgreementQuerySet:
        """Agreements the public register lists: published by the parties and agreed at least once."""
        return self.filter(ON_REGISTER)

    def with_legal_power(self, code: str) -> AgreementQuerySet:
        return self.filter(Q(legal_gateway=code) | Q(lawful_basis=code) | Q(special_category_condition=code))

    def involving(self, organisation_ids) -> AgreementQuerySet:
        return self.filter(Q(provider_id__in=organisation_ids) | Q(recipient_id__in=organisation_ids))


def covered_datasets(recipient_ids, on: datetime.date | None = None) -> models.QuerySet:
    """The ids (``dataset_id``) of the datasets covered by agreements in force on ``on`` whose
    recipient is one of ``recipient_ids``, as a query: used as a subquery, the database
    answers it with the rest of the read, however many datasets agreements share."""
    Coverage = SharingAgreement.datasets.through
    return Coverage.objects.filter(
        sharingagreement__in=SharingAgreement.objects.in_force(on).filter(recipient_id__in=list(recipient_ids))
    ).values("dataset_id")


def covered_dataset_ids(recipient_ids, on: datetime.date | None = None) -> set[int]:
    """The same datasets, as a set of ids."""
    if not recipient_ids:
        return set()
    return set(covered_datasets(recipient_ids, on).values_list("dataset_id", flat=True))


def plans_for(pairs) -> dict[tuple[int, int], SharingAgreement]:
    """The agreement under which each derivation was made, for lineage and PROV-O (prov:hadPlan).

    ``pairs`` are (source id, derived id, valid_from) of derivations. A derivation of D from
    S was made under the agreement that covers S, with S's publisher as provider and D's as
    recipient, agreed at least once, whose dates contain the day (site time zone) the
    derivation was recorded; if several do, the latest to start. Whether the reader may see
    the agreement is the caller's question (catalogue.sharing.queries). One query, whatever
    the number of pairs; the recipient comes with each agreement (the association's agent).
    """
    wanted = {(source, derived): timezone.localdate(at) for source, derived, at in pairs}
    if not wanted:
        return {}
    candidates = (
        SharingAgreement.objects.filter(
            activated_at__isnull=False,
            datasets__in={source for source, _ in wanted},
            datasets__publisher_id=models.F("provider_id"),
            recipient__datasets__in={derived for _, derived in wanted},
        )
        .annotate(covered_id=models.F("datasets"), derived_id=models.F("recipient__datasets"))
        .select_related("recipient")
        .order_by("-start_date", "-id")
    )
    plans: dict[tuple[int, int], SharingAgreement] = {}
    for agreement in candidates:
        key = (agreement.covered_id, agreement.derived_id)
        day = wanted.get(key)
        if day is None or key in plans:
            continue
        if agreement.start_date <= day and (agreement.end_date is None or day <= agreement.end_date):
            plans[key] = agreement
    return plans


class SharingAgreement(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        EXPIRED = "expired", "Expired"
        ENDED = "ended", "Ended"

    class Method(models.TextChoices):
        API = "api", "Application programming interface (API)"
        SECURE_FILE_TRANSFER = "secure-file-transfer", "Secure file transfer (SFTP)"
        SECURE_EMAIL = "secure-email", "Secure email"
        TRUSTED_RESEARCH_ENVIRONMENT = "trusted-research-environment", "Trusted research environment"
        DIRECT_ACCESS = "direct-access", "Direct access to the provider's system"
        ENCRYPTED_MEDIA = "encrypted-media", "Encrypted physical media"
        OTHER = "other", "Other (described below)"

    class Classification(models.TextChoices):
        OFFICIAL = "official", "OFFICIAL"
        OFFICIAL_SENSITIVE = "official-sensitive", "OFFICIAL-SENSITIVE"
        SECRET = "secret", "SECRET"

    class CostBearer(models.TextChoices):
        PROVIDER = "provider", "The provider"
        RECIPIENT = "recipient", "The recipient"
        SHARED = "shared", "Shared between them"

    class OutputsOwner(models.TextChoices):
        PROVIDER = "provider", "The provider"
        RECIPIENT = "recipient", "The recipient"
        JOINT = "joint", "Jointly owned"

    # The terms: changing any of them after approval needs both sides to approve again.
    TERMS = (
        "name",
        "purpose",
        "benefits",
        "legal_gateway",
        "legal_citation",
        "lawful_basis",
        "special_category_condition",
        "provider",
        "recipient",
        "processors",
        "sharing_method",
        "sharing_method_detail",
        "security_classification",
        "security_handling",
        "retention_period",
        "start_date",
        "end_date",
        "review_date",
        "contact_name",
        "contact_email",
        "costs_borne_by",
        "charge",
        "outputs_owner",
        "outputs_terms",
        "published",
    )
    # Shown only to members of the two parties (and site administrators).
    RESTRICTED_TERMS = ("processors", "security_handling")

    name = models.CharField(max_length=200, help_text="A short name, e.g. 'Childcare double-funding data match'.")
    purpose = models.TextField(
        help_text="Why the data is shared, in plain English: what the recipient will do with it."
    )
    benefits = models.TextField("expected benefits", help_text="What the sharing is expected to achieve, and for whom.")
    legal_gateway = models.CharField(
        "legal power",
        max_length=20,
        blank=True,
        choices=legal.choices(legal.GATEWAYS),
        help_text="The statutory power that permits the disclosure.",
    )
    legal_citation = models.CharField(
        "citation",
        max_length=300,
        blank=True,
        help_text="The statute and section, when the power is 'Other statute' (e.g. 'Health and Social Care Act 2012 s.261').",
    )
    lawful_basis = models.CharField(
        "lawful basis (UK GDPR Article 6)",
        max_length=20,
        blank=True,
        choices=legal.choices(legal.LAWFUL_BASES),
        help_text="Needed when personal data is shared.",
    )
    special_category_condition = models.CharField(
        "special category condition (UK GDPR Article 9)",
        max_length=20,
        blank=True,
        choices=legal.choices(legal.SPECIAL_CATEGORY_CONDITIONS),
        help_text="Needed when health, ethnicity or other special-category data is shared.",
    )
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="agreements_as_provider")
    recipient = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="agreements_as_recipient")
    datasets = models.ManyToManyField(Dataset, blank=True, related_name="sharing_agreements")
    processors = models.TextField(
        blank=True, help_text="Organisations processing the data on behalf of the controllers, one per line."
    )
    sharing_method = models.CharField(max_length=40, choices=Method.choices, default=Method.SECURE_FILE_TRANSFER)
    sharing_method_detail = models.CharField("how, in detail", max_length=300, blank=True)
    security_classification = models.CharField(
        max_length=20, choices=Classification.choices, default=Classification.OFFICIAL_SENSITIVE
    )
    security_handling = models.TextField(
        blank=True, help_text="How the data is protected in transit and at rest, who may access it."
    )
    retention_period = models.CharField(
        max_length=300, help_text="How long the recipient keeps the data, and what happens then."
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Leave empty for an agreement that runs until ended.")
    review_date = models.DateField(null=True, blank=True)
    contact_name = models.CharField(max_length=200, help_text="Who the public may contact about this sharing.")
    contact_email = models.EmailField()
    costs_borne_by = models.CharField(
        "costs borne by", max_length=10, choices=CostBearer.choices, default=CostBearer.PROVIDER
    )
    charge = models.CharField(
        max_length=200, blank=True, help_text="Any charge the recipient pays, e.g. '£1,200 a year'. Empty means none."
    )
    outputs_owner = models.CharField(
        "outputs derived from the data are owned by",
        max_length=10,
        choices=OutputsOwner.choices,
        default=OutputsOwner.RECIPIENT,
    )
    outputs_terms = models.CharField("conditions on derived outputs", max_length=500, blank=True)
    published = models.BooleanField(
        "published on the public register",
        default=True,
        help_text="The register shows the agreement's purpose, legal power, parties, data items and dates.",
    )

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED, db_index=True)
    status_reason = models.TextField(blank=True, help_text="Why it was last suspended or ended.")
    proposed_by = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    provider_approved_at = models.DateTimeField(null=True, blank=True)
    provider_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient_approved_at = models.DateTimeField(null=True, blank=True)
    recipient_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When it first became active: agreed at least once (the register lists only these).
    activated_at = models.DateTimeField(null=True, blank=True)
    # The review date a reminder was last sent for (a reminder is sent once per review date).
    review_reminded_for = models.DateField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(provider=models.F("recipient")), name="agreement_two_parties"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="agreement_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "status"], name="agreement_recipient_status")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sharing:detail", args=[self.pk])

    @property
    def uri(self) -> str:
        """The agreement's identifier in RDF (an odrl:Agreement and a prov:Plan)."""
        return mint_uri("agreement", str(self.pk))

    @property
    def is_on_register(self) -> bool:
        """The per-object form of ON_REGISTER."""
        return self.published and self.activated_at is not None

    def in_force_on(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return (
            self.status == self.Status.ACTIVE
            and self.start_date <= on
            and (self.end_date is None or self.end_date >= on)
        )

    @property
    def legal_powers(self) -> list[legal.LegalPower]:
        """The gateway, lawful basis and special-category condition that apply, in that order."""
        codes = (self.legal_gateway, self.lawful_basis, self.special_category_condition)
        return [legal.ALL[code] for code in codes if code in legal.ALL]

    def side_of(self, organisation_id: int) -> str | None:
        if organisation_id == self.provider_id:
            return "provider"
        if organisation_id == self.recipient_id:
            return "recipient"
        return None

    @property
    def processor_names(self) -> list[str]:
        return [line.strip() for line in self.processors.splitlines() if line.strip()]


class AgreementDataItem(models.Model):
    """One data dictionary field of a covered dataset that the agreement discloses.

    The field is named, not referenced: what was agreed stays on the record even if the
    dictionary is later changed or re-imported (the register then says the field is no
    longer in the dictionary)."""

    agreement = models.ForeignKey(SharingAgreement, on_delete=models.CASCADE, related_name="data_items")
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="+")
    field_name = models.CharField(max_length=128)
    field_title = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["agreement", "dataset_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "dataset", "field_name"], name="agreement_item_unique")
        ]

    def __str__(self) -> str:
        return self.field_title or self.field_name


class AgreementEvent(models.Model):
    """One step in an agreement's life: who did what, for which side, when, and why."""

    class Action(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        CHANGED = "changed", "Terms changed"
        APPROVED = "approved", "Approved"
        ACTIVATED = "activated", "Became active"
        SUSPENDED = "suspended", "Suspended"
        RESUMED = "resumed", "Put forward again for approval"
        ENDED = "ended", "Ended"
        EXPIRED = "expired", "Expired"
        REVIEW_REMINDER = "review-reminder", "Review reminder sent"

    agreement = models.ForeignKey(SharingAgreement, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(blank=True)
    # For "changed": the terms that changed, as {term: [before, after]} (text).
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["agreement", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"
