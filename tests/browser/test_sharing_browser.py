"""A sharing agreement's life in a real browser: the provider's admin proposes it in two steps
and approves it, the recipient's admin approves it from the dashboard, a recipient member
then finds the restricted dataset it covers (its page and search), a citizen reads the
agreement's public page; when the end date passes the member's access stops at once, and beat
marks it expired. axe-core finds no violation on the workflow pages."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from catalogue import services as catalogue_services
from catalogue.actors import system_actor
from catalogue.models import Dataset, Membership
from catalogue.sharing import services
from catalogue.sharing.models import SharingAgreement
from tests.browser.conftest import axe_violations, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"
NAME = "Road casualty hospital follow-up"


def _member(username, organisation, role):
    user = get_user_model().objects.create_user(username, f"{username}@example.gov", PASSWORD)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def parties(live_server, ohs, dft, alice):
    """alice administers the provider (OHS); ruth administers and ravi views at the recipient (DfT)."""
    return {
        "ruth": _member("ruth", dft, Membership.Role.ADMIN),
        "ravi": _member("ravi", dft, Membership.Role.VIEWER),
    }


@pytest.fixture
def restricted(live_server, make_dataset):
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


def agreed(provider_admin, recipient_admin, dataset) -> SharingAgreement:
    """An agreement both sides approved, made through the services as the pages make it."""
    agreement = services.agreement_propose(
        user=provider_admin,
        provider=dataset.publisher,
        recipient=recipient_admin.memberships.get().organisation,
        proposed_by=dataset.publisher,
        data={
            "name": NAME,
            "purpose": "Linking casualty reports with admissions.",
            "benefits": "Better estimates.",
            "lawful_basis": "gdpr-6-1-e",
            "retention_period": "Two years.",
            "start_date": timezone.localdate(),
            "contact_name": "OHS data sharing team",
            "contact_email": "sharing@ohs.example.gov",
        },
        datasets=[dataset],
        data_items=[(dataset.pk, "postcode")],
    )
    services.agreement_approve(agreement=agreement, user=provider_admin, side="provider")
    services.agreement_approve(agreement=agreement, user=recipient_admin, side="recipient")
    return agreement


def sign_out(page, username):
    page.click(f"text=Sign out {username}")
    page.wait_for_load_state()


def no_violations(page):
    assert axe_violations(page) == [], page.url


def search_titles(page, base, words) -> list[str]:
    page.goto(f"{base}/?q={words}")
    return page.locator(".result-title").all_inner_texts()


def test_propose_approve_share_and_expire(live_server, page, screenshot, parties, restricted, ohs, dft):
    base = live_server.url
    today = timezone.localdate()
    dataset_page = f"{base}/datasets/{restricted.slug}/"

    # The provider's admin proposes: step 1, the parties and the datasets.
    sign_in(page, base, "alice")
    page.goto(base + "/publish/sharing/")
    no_violations(page)
    page.click("text=Propose an agreement")
    page.check("input[name=side][value=provider]")
    page.select_option("#id_other", label=dft.name)
    page.click("text=Show the provider's datasets")
    page.get_by_label("Patient episodes").check()
    no_violations(page)
    screenshot(page, "sharing-01-propose-step-1")
    page.click("text=Continue to the terms")

    # Step 2: the terms and the data items of the chosen dataset.
    page.fill("#id_name", NAME)
    page.fill("#id_purpose", "To link police road casualty reports with hospital admissions.")
    page.fill("#id_benefits", "Better estimates of seriously injured road casualties.")
    page.select_option("#id_legal_gateway", "dea-s35")
    page.select_option("#id_lawful_basis", "gdpr-6-1-e")
    page.select_option("#id_special_category_condition", "gdpr-9-2-i")
    page.get_by_label("Postcode of residence (postcode)").check()
    page.get_by_label("Date of admission (admitted_on)").check()
    page.fill("#id_retention_period", "Two years from receipt, then securely deleted.")
    page.fill("#id_start_date", (today - datetime.timedelta(days=1)).isoformat())
    page.fill("#id_end_date", (today + datetime.timedelta(days=365)).isoformat())
    page.fill("#id_review_date", (today + datetime.timedelta(days=180)).isoformat())
    page.fill("#id_contact_name", "OHS data sharing team")
    page.fill("#id_contact_email", "sharing@ohs.example.gov")
    no_violations(page)
    screenshot(page, "sharing-02-propose-step-2")
    page.click("text=Propose the agreement")
    page.wait_for_load_state()
    agreement = SharingAgreement.objects.get(name=NAME)
    assert page.url == base + agreement.get_absolute_url()
    assert sorted(agreement.data_items.values_list("field_name", flat=True)) == ["admitted_on", "postcode"]

    # The provider approves on the agreement's page.
    page.click(f"text=Approve the terms for {ohs.name}")
    page.wait_for_load_state()
    assert "Approved by alice" in page.locator("[data-side=provider]").inner_text()
    screenshot(page, "sharing-03-provider-approved")
    sign_out(page, "alice")

    # The recipient's admin finds it on the dashboard and approves it.
    sign_in(page, base, "ruth")
    page.goto(base + "/publish/")
    page.locator("[data-sharing-waiting]").get_by_role("link", name=NAME).click()
    page.wait_for_load_state()
    no_violations(page)
    page.click(f"text=Approve the terms for {dft.name}")
    page.wait_for_load_state()
    assert page.locator("[data-agreement-status]").inner_text() == "Active"
    screenshot(page, "sharing-04-recipient-approved-active")
    agreement.refresh_from_db()
    assert agreement.status == SharingAgreement.Status.ACTIVE
    sign_out(page, "ruth")

    # A member of the recipient now reads the restricted dataset's metadata: its page and search.
    sign_in(page, base, "ravi")
    response = page.goto(dataset_page)
    assert response.status == 200 and "Patient episodes" in page.locator("h1").inner_text()
    screenshot(page, "sharing-05-recipient-member-sees-dataset")
    assert "Patient episodes" in search_titles(page, base, "patient")
    screenshot(page, "sharing-06-recipient-member-search")
    sign_out(page, "ravi")

    # A citizen reads the agreement's public page, without the parties' buttons.
    # (The register list at /sharing/ and the page's full content come with the register pages.)
    response = page.goto(base + agreement.get_absolute_url())
    assert response.status == 200 and NAME in page.content()
    assert page.locator("[data-workflow]").count() == 0
    screenshot(page, "sharing-07-public-entry")

    # The end date passes: the member's access stops at once, before beat runs.
    SharingAgreement.objects.filter(pk=agreement.pk).update(
        start_date=today - datetime.timedelta(days=30), end_date=today - datetime.timedelta(days=1)
    )
    sign_in(page, base, "ravi")
    assert page.goto(dataset_page).status == 404
    screenshot(page, "sharing-08-after-end-date-404")
    assert "Patient episodes" not in search_titles(page, base, "patient")
    screenshot(page, "sharing-09-after-end-date-search")
    sign_out(page, "ravi")

    # Beat marks it expired; the parties' list says so.
    assert services.agreements_expire() == 1
    sign_in(page, base, "alice")
    page.goto(base + "/publish/sharing/")
    assert NAME in page.locator("[data-group=over]").inner_text()
    no_violations(page)
    screenshot(page, "sharing-10-expired")


def test_axe_finds_no_violation_on_the_confirm_and_edit_pages(live_server, page, parties, restricted, alice):
    agreement = agreed(alice, parties["ruth"], restricted)
    sign_in(page, live_server.url, "alice")
    for action in ("edit/", "edit/?step=choose", "suspend/", "end/"):
        page.goto(f"{live_server.url}/publish/sharing/{agreement.pk}/{action}")
        no_violations(page)
    page.click("text=End the agreement")  # no reason given: the form says so, beside the field
    assert "Error:" in page.locator("#id_reason-wrap").inner_text()
    no_violations(page)


def test_a_citizen_finds_the_agreement_on_the_public_register(
    live_server, page, screenshot, parties, restricted, alice
):
    agreement = agreed(alice, parties["ruth"], restricted)
    response = page.goto(live_server.url + "/sharing/")
    assert response.status == 200
    page.get_by_role("link", name=NAME).click()
    page.wait_for_load_state()
    assert page.url == live_server.url + agreement.get_absolute_url()
    entry = page.locator("main").inner_text()
    # Who receives it, which fields, why, under which power, until when; the restricted dataset unnamed.
    for expected in ("Department for Transport", "postcode", "Linking casualty reports with admissions.", "6(1)(e)"):
        assert expected in entry, expected
    assert "Runs until ended" in entry  # the agreement has no end date
    assert restricted.title not in entry and "restricted dataset" in entry.lower()
    screenshot(page, "sharing-11-public-register-entry")
    no_violations(page)
