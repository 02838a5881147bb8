"""The demo's data-sharing agreements between its departments, made through the workflow
services (catalogue.sharing.services) as the parties' own editors and admins would make them.

- a benefits-fraud data match under the Digital Economy Act 2017 s.56: MHCLG's restricted
  case-level homelessness returns go to HMRC (active, on the register): HMRC's members read
  the restricted dataset's metadata while it is in force;
- a public-health share of death registrations under DEA 2017 Part 5 Ch.2 with UK GDPR
  Art. 6(1)(e) and Art. 9(2)(i): ONS to OHS (active, on the register). OHS's public-health
  outcomes and air-pollution burden are derived from those registrations, so the demo's
  lineage shows edges crossing an agreement and their PROV-O names it as the plan;
- a research share of Labour Force Survey responses (restricted) with DfE under s.64 that
  ran from April 2023 to March 2025 and has expired;
- a road-casualty linkage from DfT to OHS, suspended while an incident is investigated;
- a school-census share proposed by OHS and not yet approved (not on the register).

Loading is idempotent: an agreement already there (by name) is left as it is.

The expired agreement is agreed with dates that are valid today (approval refuses an end
date that has passed), then its dates are set to those of the past sharing it records, a
step kept in its history as a change made by the demo, and beat's expiry marks it expired.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone

from catalogue.models import Dataset, Organisation
from catalogue.sharing import services as sharing_services
from catalogue.sharing.models import AgreementEvent, SharingAgreement

Method = SharingAgreement.Method
Classification = SharingAgreement.Classification
CostBearer = SharingAgreement.CostBearer
OutputsOwner = SharingAgreement.OutputsOwner

# The past sharing the expired agreement records.
EXPIRED_DATES = {
    "start_date": dt.date(2023, 4, 1),
    "end_date": dt.date(2025, 3, 31),
    "review_date": dt.date(2024, 3, 29),
}


@dataclass
class AgreementSpec:
    name: str
    provider: str
    recipient: str
    proposer: str  # "provider" or "recipient"
    items: dict[str, list[str]]  # covered dataset slug -> the data dictionary fields disclosed
    terms: dict
    state: str = "active"  # active, proposed, suspended, expired
    reason: str = ""  # why it was suspended
    dates: dict = field(default_factory=dict)  # start, end and review dates (see _dates)


def _end_of_financial_year(years_ahead: int) -> dt.date:
    """31 March, ``years_ahead`` financial years on: an active agreement's end is always ahead."""
    today = timezone.localdate()
    year = today.year + (1 if today.month > 3 else 0) + years_ahead - 1
    return dt.date(year, 3, 31)


def _dates(spec: AgreementSpec) -> dict:
    if spec.state == "expired":
        # Agreed with an end still ahead; set back to EXPIRED_DATES after approval.
        return {
            "start_date": EXPIRED_DATES["start_date"],
            "end_date": timezone.localdate(),
            "review_date": None,
        }
    today = timezone.localdate()
    return {
        "start_date": spec.dates.get("start_date", dt.date(2024, 4, 1)),
        "end_date": _end_of_financial_year(spec.dates.get("years", 2)),
        # Within the reminder notice for the fraud match, so the dashboards show a review due.
        "review_date": today + dt.timedelta(days=spec.dates.get("review_in_days", 180)),
    }


AGREEMENTS = [
    AgreementSpec(
        name="Homelessness relief and tax credit fraud data match",
        provider="mhclg",
        recipient="hmrc",
        proposer="recipient",
        items={"homelessness-statistics": ["la_code", "period", "households"]},
        dates={"start_date": dt.date(2025, 6, 2), "years": 2, "review_in_days": 21},
        terms={
            "purpose": (
                "HMRC compares the households that local authorities owed a homelessness prevention or relief duty "
                "with tax credit and Universal Credit childcare claims, to find claims that state a different "
                "household or address. Matches are checked by an HMRC officer before anyone is contacted."
            ),
            "benefits": (
                "Less fraud and error in tax credit and childcare payments (the 2024 pilot estimated £2.1m a year); "
                "households wrongly refused help because of another household's claim are found sooner."
            ),
            "legal_gateway": "dea-s56",
            "lawful_basis": "gdpr-6-1-e",
            "processors": "HMRC Risk and Intelligence Service data platform\nCabinet Office Counter Fraud Function",
            "sharing_method": Method.SECURE_FILE_TRANSFER,
            "sharing_method_detail": "Quarterly extract over the government SFTP service, encrypted with HMRC's key.",
            "security_classification": Classification.OFFICIAL_SENSITIVE,
            "security_handling": (
                "Encrypted in transit and at rest; held in HMRC's fraud analytics environment; access limited to "
                "12 named analysts with security clearance; every query logged and audited monthly."
            ),
            "retention_period": "Matched records 12 months from receipt; unmatched records deleted within 30 days.",
            "contact_name": "MHCLG data protection officer",
            "contact_email": "data.sharing@mhclg.example.gov.uk",
            "costs_borne_by": CostBearer.RECIPIENT,
            "charge": "",
            "outputs_owner": OutputsOwner.RECIPIENT,
            "outputs_terms": "Only counts of 10 or more households may be published from the matches.",
            "published": True,
        },
    ),
    AgreementSpec(
        name="Death registrations for public health surveillance",
        provider="ons",
        recipient="ohs",
        proposer="recipient",
        items={
            "deaths-registrations": ["la_code", "year", "age_band", "sex", "icd10_chapter", "deaths"],
            "mid-year-population-estimates": ["la_code", "year", "age_band", "sex", "population"],
        },
        dates={"start_date": dt.date(2024, 4, 1), "years": 3, "review_in_days": 240},
        terms={
            "purpose": (
                "OHS uses death registrations by cause, with the population estimates they are rated against, to "
                "publish the public health outcomes indicators and the burden of disease from air pollution, and to "
                "spot unusual rises in deaths by area and cause."
            ),
            "benefits": (
                "Local directors of public health see avoidable deaths in their area within weeks rather than a "
                "year; national air quality policy rests on up-to-date estimates of deaths it causes."
            ),
            "legal_gateway": "dea-s19aa",
            "lawful_basis": "gdpr-6-1-e",
            "special_category_condition": "gdpr-9-2-i",
            "processors": "",
            "sharing_method": Method.API,
            "sharing_method_detail": "Weekly pull from the ONS secure API, mutual TLS with OHS's certificate.",
            "security_classification": Classification.OFFICIAL_SENSITIVE,
            "security_handling": (
                "Record-level data stays in OHS's analysis environment; cells under 3 deaths are suppressed in "
                "anything published; access reviewed every quarter."
            ),
            "retention_period": "Five years, then aggregated and the record-level data deleted.",
            "contact_name": "ONS data sharing team",
            "contact_email": "data.sharing@ons.example.gov.uk",
            "costs_borne_by": CostBearer.SHARED,
            "charge": "",
            "outputs_owner": OutputsOwner.RECIPIENT,
            "outputs_terms": "Published statistics acknowledge ONS as the source of the registrations.",
            "published": True,
        },
    ),
    AgreementSpec(
        name="Labour Force Survey responses for school leavers' employment research",
        provider="ons",
        recipient="dfe",
        proposer="recipient",
        state="expired",
        items={"lfs-responses": ["respondent_id", "interview_date", "economic_activity", "hours_worked"]},
        terms={
            "purpose": (
                "DfE researchers studied whether young people who left school at 16, 17 and 18 were in work, "
                "training or neither, to evaluate the raising of the participation age."
            ),
            "benefits": "Evidence for the 16 to 19 funding review, published in the research report of 2025.",
            "legal_gateway": "dea-s64",
            "lawful_basis": "gdpr-6-1-e",
            "processors": "ONS Secure Research Service",
            "sharing_method": Method.TRUSTED_RESEARCH_ENVIRONMENT,
            "sharing_method_detail": "",
            "security_classification": Classification.OFFICIAL_SENSITIVE,
            "security_handling": (
                "De-identified data seen only inside the ONS Secure Research Service by accredited researchers; "
                "every output checked by ONS before it leaves."
            ),
            "retention_period": "No data left the research service; project space deleted when the agreement ended.",
            "contact_name": "DfE research data team",
            "contact_email": "research.data@dfe.example.gov.uk",
            "costs_borne_by": CostBearer.RECIPIENT,
            "charge": "£4,800 for the project's research service space",
            "outputs_owner": OutputsOwner.JOINT,
            "outputs_terms": "Outputs cleared by ONS statistical disclosure control before publication.",
            "published": True,
        },
    ),
    AgreementSpec(
        name="Road casualties and hospital admissions linkage",
        provider="dft",
        recipient="ohs",
        proposer="provider",
        state="suspended",
        reason=(
            "Suspended by DfT while a misdirected file at the linkage processor is investigated; "
            "no data is sent until both sides approve again."
        ),
        items={"road-casualties": ["collision_id", "collision_date", "severity", "la_code"]},
        dates={"start_date": dt.date(2025, 1, 6), "years": 2, "review_in_days": 120},
        terms={
            "purpose": (
                "Police-recorded road casualties are linked with hospital admissions so that OHS and DfT can "
                "count seriously injured casualties consistently, whoever recorded them."
            ),
            "benefits": "Better estimates of serious injuries for road safety policy and for the NHS's trauma services.",
            "legal_gateway": "other-statute",
            "legal_citation": "Road Traffic Act 1988 s.39 (road safety studies)",
            "lawful_basis": "gdpr-6-1-e",
            "special_category_condition": "gdpr-9-2-i",
            "processors": "Trusted third party linkage service (Northgate Data Linkage Ltd)",
            "sharing_method": Method.SECURE_FILE_TRANSFER,
            "sharing_method_detail": "",
            "security_classification": Classification.OFFICIAL_SENSITIVE,
            "security_handling": (
                "Identifiers are pseudonymised by the linkage service; neither department sees the other's identifiers."
            ),
            "retention_period": "Linked file kept three years, then deleted.",
            "contact_name": "DfT road safety statistics",
            "contact_email": "roadsafety.stats@dft.example.gov.uk",
            "costs_borne_by": CostBearer.SHARED,
            "charge": "",
            "outputs_owner": OutputsOwner.JOINT,
            "outputs_terms": "",
            "published": True,
        },
    ),
    AgreementSpec(
        name="School census for child health monitoring",
        provider="dfe",
        recipient="ohs",
        proposer="recipient",
        state="proposed",
        items={"school-census": ["urn", "la_code", "year_group", "pupils"]},
        dates={"start_date": dt.date(2026, 9, 1), "years": 3, "review_in_days": 400},
        terms={
            "purpose": (
                "OHS would relate the National Child Measurement Programme to school and year group, to target "
                "healthy-weight programmes at the schools where they are needed most."
            ),
            "benefits": "Programmes reach more of the children who need them for the same cost.",
            "legal_gateway": "dea-s35",
            "lawful_basis": "gdpr-6-1-e",
            "processors": "",
            "sharing_method": Method.API,
            "sharing_method_detail": "",
            "security_classification": Classification.OFFICIAL,
            "security_handling": "School-level counts only; no pupil records.",
            "retention_period": "Kept while the programme runs, reviewed every year.",
            "contact_name": "OHS child health team",
            "contact_email": "child.health@ohs.example.gov.uk",
            "costs_borne_by": CostBearer.RECIPIENT,
            "charge": "",
            "outputs_owner": OutputsOwner.RECIPIENT,
            "outputs_terms": "",
            "published": True,
        },
    ),
]


class AgreementLoader:
    """Makes each agreement as its parties would: an editor of the proposing side proposes,
    an admin of each side approves; suspension is by an admin with a reason."""

    def __init__(self, actor, note):
        self.actor = actor
        self.note = note
        self.users = {u.username: u for u in get_user_model().objects.filter(username__regex=r"-(admin|editor)$")}

    def load(self, orgs: dict[str, Organisation]) -> None:
        for spec in AGREEMENTS:
            if not SharingAgreement.objects.filter(name=spec.name).exists():
                self.load_agreement(spec, orgs)
                self.note("sharing agreements")

    def load_agreement(self, spec: AgreementSpec, orgs: dict[str, Organisation]) -> SharingAgreement:
        provider, recipient = orgs[spec.provider], orgs[spec.recipient]
        proposer = provider if spec.proposer == "provider" else recipient
        datasets = list(Dataset.objects.filter(slug__in=spec.items))
        by_slug = {d.slug: d for d in datasets}
        agreement = sharing_services.agreement_propose(
            user=self.users[f"{proposer.slug}-editor"],
            provider=provider,
            recipient=recipient,
            proposed_by=proposer,
            data={"name": spec.name, **spec.terms, **_dates(spec)},
            datasets=datasets,
            data_items=[(by_slug[slug].pk, name) for slug, names in spec.items.items() for name in names],
        )
        if spec.state == "proposed":
            return agreement
        for side, organisation in (("provider", provider), ("recipient", recipient)):
            sharing_services.agreement_approve(
                agreement=agreement, user=self.users[f"{organisation.slug}-admin"], side=side
            )
        if spec.state == "suspended":
            sharing_services.agreement_suspend(
                agreement=agreement, user=self.users[f"{proposer.slug}-admin"], side=spec.proposer, reason=spec.reason
            )
        elif spec.state == "expired":
            self.set_past_dates(agreement)
            sharing_services.agreements_expire()
            agreement.refresh_from_db()
        return agreement

    def set_past_dates(self, agreement: SharingAgreement) -> None:
        """Give the expired agreement the dates of the past sharing it records, and say so in its
        history (the demo, not a party, changed them: approval is not asked again)."""
        changes = {
            term: [str(getattr(agreement, term) or ""), str(value)]
            for term, value in EXPIRED_DATES.items()
            if getattr(agreement, term) != value
        }
        SharingAgreement.objects.filter(pk=agreement.pk).update(**EXPIRED_DATES)
        AgreementEvent.objects.create(
            agreement=agreement,
            action=AgreementEvent.Action.CHANGED,
            user=self.actor,
            reason="Demo data: the dates set to those of the past sharing this agreement records.",
            changes=changes,
        )
        agreement.refresh_from_db()


def agreements_load(actor, orgs: dict[str, Organisation], note) -> None:
    """Load the demo's agreements (after its datasets and users); ``note(kind)`` counts what is created."""
    AgreementLoader(actor, note).load(orgs)
