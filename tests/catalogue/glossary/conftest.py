"""Glossary fixtures: two departments' schemes, made through the services as the pages make
them. OHS (alice admin, bob editor) owns "Population and household definitions"; DfT (dora,
an editor) owns "Transport survey definitions"."""

import pytest
from django.contrib.auth import get_user_model

from catalogue.glossary import services
from catalogue.glossary.models import ConceptScheme
from catalogue.models import Membership

HOUSEHOLD = (
    "One person living alone, or a group of people (not necessarily related) living at the same "
    "address who share cooking facilities and share a living room or sitting room or dining area."
)
TRAVEL_HOUSEHOLD = "All people who live at the same address and travel together at least once a week."


@pytest.fixture
def dora(dft):
    """An editor at DfT."""
    user = get_user_model().objects.create_user("dora", "dora@example.gov", "correct-horse-battery")
    Membership.objects.create(user=user, organisation=dft, role=Membership.Role.EDITOR)
    return user


@pytest.fixture
def ohs_scheme(alice, ohs):
    return services.scheme_create(
        alice,
        organisation=ohs,
        title="Population and household definitions",
        status=ConceptScheme.Status.PUBLISHED,
    )


@pytest.fixture
def dft_scheme(dora, dft):
    return services.scheme_create(
        dora, organisation=dft, title="Transport survey definitions", status=ConceptScheme.Status.PUBLISHED
    )


@pytest.fixture
def household(alice, ohs_scheme):
    return services.concept_create(
        alice,
        ohs_scheme,
        pref_label="Household",
        alt_labels=["Private household"],
        definition=HOUSEHOLD,
        source="GSS harmonised standard: household (2020)",
    )


@pytest.fixture
def travel_household(dora, dft_scheme):
    return services.concept_create(dora, dft_scheme, pref_label="Household", definition=TRAVEL_HOUSEHOLD)
