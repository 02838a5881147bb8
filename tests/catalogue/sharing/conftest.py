"""Sharing fixtures: two parties (OHS provides, DfT receives), their admins and members, and a
factory for agreements in any state, made through the services as the pages make them."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from catalogue import services as catalogue_services
from catalogue.actors import system_actor
from catalogue.models import Dataset, Membership
from catalogue.sharing import services
from catalogue.sharing.models import SharingAgreement


def _member(username, organisation, role):
    user = get_user_model().objects.create_user(username, f"{username}@example.gov", "correct-horse-battery")
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def ruth(dft):
    """An admin of the recipient (DfT)."""
    return _member("ruth", dft, Membership.Role.ADMIN)


@pytest.fixture
def ravi(dft):
    """A viewer at the recipient (DfT): sees what DfT receives, approves nothing."""
    return _member("ravi", dft, Membership.Role.VIEWER)


@pytest.fixture
def shared_dataset(make_dataset):
    """OHS's restricted dataset with a data dictionary."""
    dataset = make_dataset("Patient episodes", access_rights=Dataset.AccessRights.RESTRICTED)
    catalogue_services.fields_replace(
        dataset=dataset,
        user=system_actor("tests"),
        rows=[
            {"name": "nhs_number", "title": "NHS number"},
            {"name": "postcode", "title": "Postcode of residence"},
            {"name": "admitted_on", "title": "Date of admission", "datatype": "date"},
        ],
    )
    return dataset


@pytest.fixture
def open_dataset(make_dataset):
    """OHS's public dataset with a data dictionary."""
    dataset = make_dataset("Road casualties by hospital")
    catalogue_services.fields_replace(
        dataset=dataset,
        user=system_actor("tests"),
        rows=[{"name": "casualty_id", "title": "Casualty reference"}, {"name": "severity", "title": "Injury severity"}],
    )
    return dataset


def terms(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "name": "Road casualty hospital follow-up",
        "purpose": "To link police road casualty reports with hospital admissions so DfT can count serious injuries.",
        "benefits": "Better estimates of seriously injured casualties for road safety policy.",
        "legal_gateway": "dea-s35",
        "lawful_basis": "gdpr-6-1-e",
        "special_category_condition": "gdpr-9-2-i",
        "processors": "NHS Digital Data Processing Service",
        "sharing_method": SharingAgreement.Method.SECURE_FILE_TRANSFER,
        "security_classification": SharingAgreement.Classification.OFFICIAL_SENSITIVE,
        "security_handling": "Encrypted at rest; access limited to the DfT casualty statistics team.",
        "retention_period": "Two years from receipt, then securely deleted.",
        "start_date": today - datetime.timedelta(days=30),
        "end_date": today + datetime.timedelta(days=335),
        "review_date": today + datetime.timedelta(days=150),
        "contact_name": "OHS data sharing team",
        "contact_email": "sharing@ohs.example.gov",
        "costs_borne_by": SharingAgreement.CostBearer.SHARED,
        "charge": "",
        "outputs_owner": SharingAgreement.OutputsOwner.RECIPIENT,
        "published": True,
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_agreement(ohs, dft, alice, ruth, shared_dataset):
    """make_agreement(approved=True, **terms): OHS -> DfT covering ``shared_dataset``."""

    def make(*, approved=True, datasets=None, items=None, proposer=None, **overrides) -> SharingAgreement:
        datasets = datasets if datasets is not None else [shared_dataset]
        if items is None:
            items = [(shared_dataset.pk, "postcode"), (shared_dataset.pk, "admitted_on")]
        agreement = services.agreement_propose(
            user=proposer or alice,
            provider=ohs,
            recipient=dft,
            proposed_by=ohs,
            data=terms(**overrides),
            datasets=datasets,
            data_items=items,
        )
        if approved:
            services.agreement_approve(agreement=agreement, user=alice, side="provider")
            services.agreement_approve(agreement=agreement, user=ruth, side="recipient")
        return agreement

    return make
