"""The parties' pages: proposing in two steps, each refusal shown on its field with nothing
saved, approving by each side, changing the terms after approval, suspending and ending with
a reason, and nobody but the parties' admins acting. Then beat, run as Celery runs it."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core import mail
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from catalogue.models import Dataset
from catalogue.sharing import services
from catalogue.sharing.models import AgreementEvent, SharingAgreement
from catalogue.sharing.tasks import sharing_daily
from tests.catalogue.sharing.conftest import terms

Status = SharingAgreement.Status
PROPOSE = "/publish/sharing/new/"


def _url(agreement, action=""):
    return f"/publish/sharing/{agreement.pk}/{action}/" if action else "/publish/sharing/"


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _field_errors(html: str, name: str) -> list[str]:
    """The error messages shown beside the form field ``name``."""
    wrap = re.search(rf'id="id_{name}-wrap">(.*?)</(?:div|fieldset)>', html, re.S)
    assert wrap, f"no field {name} on the page"
    return re.findall(r'class="error-message"[^>]*><span class="visually-hidden">Error: </span>(.*?)</p>', wrap[1])


def _post_data(**overrides) -> dict:
    """Step 2's fields as the browser sends them (dates as text, the box ticked or absent)."""
    data = {}
    for key, value in terms(**overrides).items():
        if isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, list):
            data[key] = value
        elif isinstance(value, datetime.date):
            data[key] = value.isoformat()
        else:
            data[key] = "" if value is None else str(value)
    return data


def _coverage(ohs, dft, datasets, side="provider", organisation=None):
    organisation = organisation or (ohs if side == "provider" else dft)
    other = dft if organisation == ohs else ohs
    query = f"?organisation={organisation.pk}&side={side}&other={other.pk}&step=datasets"
    return query + "".join(f"&datasets={d.pk}" for d in datasets)


# -- proposing ---------------------------------------------------------------------------


def test_proposing_takes_two_steps_and_the_other_side_is_asked_to_approve(
    client_for, alice, ruth, ohs, dft, shared_dataset
):
    client = client_for(alice)
    first = client.get(PROPOSE)
    assert first.status_code == 200
    assert 'name="organisation"' in first.content.decode() and "Patient episodes" not in first.content.decode()

    parties = client.get(f"{PROPOSE}?organisation={ohs.pk}&side=provider&other={dft.pk}")
    assert parties.status_code == 200
    assert f'value="{shared_dataset.pk}"' in parties.content.decode()  # the provider's datasets are offered

    none_chosen = client.get(f"{PROPOSE}?organisation={ohs.pk}&side=provider&other={dft.pk}&step=datasets")
    assert "Choose at least one of the provider" in " ".join(_field_errors(none_chosen.content.decode(), "datasets"))

    query = _coverage(ohs, dft, [shared_dataset])
    second = client.get(PROPOSE + query)
    page = second.content.decode()
    assert second.status_code == 200 and 'data-step="2"' in page
    assert "NHS number (nhs_number)" in page and "Postcode of residence (postcode)" in page
    mail.outbox.clear()
    data = _post_data(data_items=[f"{shared_dataset.pk}:postcode", f"{shared_dataset.pk}:admitted_on"])
    response = client.post(PROPOSE + query, data)

    agreement = SharingAgreement.objects.get()
    assert response.status_code == 302 and response["Location"] == agreement.get_absolute_url()
    assert (agreement.provider, agreement.recipient, agreement.proposed_by) == (ohs, dft, ohs)
    assert agreement.status == Status.PROPOSED and agreement.provider_approved_at is None
    assert list(agreement.datasets.all()) == [shared_dataset]
    assert sorted(agreement.data_items.values_list("field_name", flat=True)) == ["admitted_on", "postcode"]
    assert agreement.legal_gateway == "dea-s35" and agreement.special_category_condition == "gdpr-9-2-i"
    assert list(agreement.events.values_list("action", "user__username")) == [("proposed", "alice")]
    assert [m.to for m in mail.outbox] == [["ruth@example.gov"]]
    assert agreement.get_absolute_url() in mail.outbox[0].body


def test_a_recipient_proposing_is_offered_only_the_datasets_it_may_read(
    client_for, ruth, ohs, dft, shared_dataset, make_dataset
):
    public = make_dataset("Hospital admissions")
    make_dataset("Draft admissions", status=Dataset.Status.DRAFT)
    client = client_for(ruth)
    page = client.get(f"{PROPOSE}?organisation={dft.pk}&side=recipient&other={ohs.pk}").content.decode()
    assert "Hospital admissions" in page
    assert "Patient episodes" not in page and "Draft admissions" not in page

    query = _coverage(ohs, dft, [shared_dataset], side="recipient")
    response = client.post(PROPOSE + query, _post_data())
    assert response.status_code == 200 and 'data-step="1"' in response.content.decode()
    assert _field_errors(response.content.decode(), "datasets")  # not a choice: refused, nothing saved
    assert not SharingAgreement.objects.exists()

    response = client.post(PROPOSE + _coverage(ohs, dft, [public], side="recipient"), _post_data())
    agreement = SharingAgreement.objects.get()
    assert response.status_code == 302
    assert (agreement.provider, agreement.recipient, agreement.proposed_by) == (ohs, dft, dft)


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        ({"legal_gateway": "", "lawful_basis": "", "special_category_condition": ""}, "legal_gateway", "legal power"),
        ({"legal_gateway": "other-statute", "legal_citation": ""}, "legal_citation", "Cite the statute"),
        ({"lawful_basis": ""}, "lawful_basis", "Article 6 lawful basis"),
        ({"end_date": datetime.date(2000, 1, 1)}, "end_date", "before the start date"),
        ({"review_date": datetime.date(2000, 1, 1)}, "review_date", "before the start date"),
        ({"sharing_method": "other", "sharing_method_detail": ""}, "sharing_method_detail", "Describe how"),
        ({"name": ""}, "name", "required"),
        ({"contact_email": "not-an-address"}, "contact_email", "valid email"),
        ({"start_date": "next tuesday"}, "start_date", "valid date"),
        ({"legal_gateway": "dea-s999"}, "legal_gateway", "valid choice"),
        ({"data_items": []}, "data_items", "Choose the data items"),
        ({"data_items": ["1:not_a_field"]}, "data_items", "valid choice"),
    ],
)
def test_each_refusal_is_shown_beside_its_field_and_nothing_is_saved(
    client_for, alice, ohs, dft, shared_dataset, overrides, field, says
):
    data = _post_data(**{k: v for k, v in overrides.items() if k != "data_items"})
    data["data_items"] = overrides.get("data_items", [f"{shared_dataset.pk}:postcode"])
    response = client_for(alice).post(PROPOSE + _coverage(ohs, dft, [shared_dataset]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert any(says in error for error in _field_errors(page, field)), _field_errors(page, field)
    assert 'class="error-summary"' in page
    assert not SharingAgreement.objects.exists()
    assert not AgreementEvent.objects.exists()


def test_only_editors_and_admins_propose(client_for, ravi, charlie, anon):
    assert client_for(ravi).get(PROPOSE).status_code == 403
    assert client_for(charlie).get(PROPOSE).status_code == 403
    response = client_for(anon).get(PROPOSE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# -- approving -----------------------------------------------------------------------------


def test_each_side_approves_through_the_page_and_then_the_recipient_sees_the_dataset(
    client_for, make_agreement, alice, ruth, ravi, shared_dataset
):
    agreement = make_agreement(approved=False)
    dataset_page = f"/datasets/{shared_dataset.slug}/"
    response = client_for(alice).post(_url(agreement, "approve"), {"revision": agreement.revision})
    assert response.status_code == 302 and response["Location"] == agreement.get_absolute_url()
    agreement.refresh_from_db()
    assert agreement.provider_approved_by == alice and agreement.status == Status.PROPOSED
    assert client_for(ravi).get(dataset_page).status_code == 404

    response = client_for(ruth).post(_url(agreement, "approve"), {"revision": agreement.revision})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.recipient_approved_by == ruth and agreement.status == Status.ACTIVE
    assert "the agreement is active" in " ".join(_messages(response))
    assert client_for(ravi).get(dataset_page).status_code == 200


def test_a_stale_page_cannot_approve_terms_changed_since(client_for, make_agreement, alice, bob):
    agreement = make_agreement(approved=False)
    seen = agreement.revision
    services.agreement_approve(agreement=agreement, user=alice, side="provider")
    services.agreement_update(agreement=agreement, user=bob, data={"retention_period": "Ten years."})
    ruth = get_user_model().objects.get(username="ruth")
    response = client_for(ruth).post(_url(agreement, "approve"), {"revision": seen})
    assert response.status_code == 302
    assert "Someone else changed this agreement" in " ".join(_messages(response))
    agreement.refresh_from_db()
    assert agreement.recipient_approved_at is None and agreement.status == Status.PROPOSED
    response = client_for(ruth).post(_url(agreement, "approve"), {"revision": "not-a-number"})
    assert "out of date" in " ".join(_messages(response))
    agreement.refresh_from_db()
    assert agreement.recipient_approved_at is None


def test_an_admin_of_both_sides_chooses_the_side(client_for, make_agreement, dft, ohs):
    admin = get_user_model().objects.create_superuser("sam", "sam@example.gov", "correct-horse-battery")
    agreement = make_agreement(approved=False)
    panel = _panel(agreement, admin)
    assert 'value="provider"' in panel and 'value="recipient"' in panel
    client_for(admin).post(_url(agreement, "approve"), {"revision": agreement.revision, "side": "recipient"})
    agreement.refresh_from_db()
    assert agreement.recipient_approved_by == admin and agreement.provider_approved_at is None


def test_approving_what_is_not_waiting_is_a_message_not_an_error(client_for, make_agreement, alice):
    agreement = make_agreement()
    response = client_for(alice).post(_url(agreement, "approve"), {"revision": agreement.revision})
    assert response.status_code == 302
    assert _messages(response) == ["This agreement is active: there is nothing to approve."]
    assert client_for(alice).get(_url(agreement, "approve")).status_code == 405


# -- changing the terms --------------------------------------------------------------------


def test_changing_the_terms_after_approval_asks_both_sides_again(
    client_for, make_agreement, alice, ravi, shared_dataset
):
    agreement = make_agreement()
    client = client_for(alice)
    page = client.get(_url(agreement, "edit")).content.decode()
    assert "both organisations must approve again; the recipient's access stops until they do" in page
    assert f'name="revision" value="{agreement.revision}"' in page
    assert re.search(rf'value="{shared_dataset.pk}:postcode"[^>]*checked', page)

    data = _post_data(retention_period="Five years, then deleted.")
    data.update(revision=agreement.revision, data_items=[f"{shared_dataset.pk}:postcode"])
    response = client.post(_url(agreement, "edit"), data)
    assert response.status_code == 302 and response["Location"] == agreement.get_absolute_url()
    agreement.refresh_from_db()
    assert agreement.status == Status.PROPOSED
    assert agreement.provider_approved_at is None and agreement.recipient_approved_at is None
    assert agreement.retention_period == "Five years, then deleted."
    assert list(agreement.data_items.values_list("field_name", flat=True)) == ["postcode"]
    change = agreement.events.get(action=AgreementEvent.Action.CHANGED)
    assert "retention_period" in change.changes and change.user == alice
    assert client_for(ravi).get(f"/datasets/{shared_dataset.slug}/").status_code == 404


def test_a_change_from_a_stale_page_is_refused(client_for, make_agreement, alice, bob, shared_dataset):
    agreement = make_agreement()
    stale = agreement.revision
    services.agreement_update(agreement=agreement, user=bob, data={"charge": "£100 a year"})
    data = _post_data(retention_period="Forever.")
    data.update(revision=stale, data_items=[f"{shared_dataset.pk}:postcode"])
    response = client_for(alice).post(_url(agreement, "edit"), data)
    assert response.status_code == 400
    assert "Someone else changed this agreement" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.retention_period != "Forever." and agreement.charge == "£100 a year"


def test_changing_the_datasets_goes_back_to_step_one(client_for, make_agreement, alice, make_dataset, ohs, dft):
    agreement = make_agreement()
    other = make_dataset("Hospital admissions")
    client = client_for(alice)
    step_one = client.get(_url(agreement, "edit") + "?step=choose").content.decode()
    assert 'data-step="1"' in step_one and "Hospital admissions" in step_one and 'name="organisation"' not in step_one
    query = f"?step=datasets&datasets={other.pk}"
    data = _post_data()
    data.update(revision=agreement.revision)
    response = client.post(_url(agreement, "edit") + query, data)
    assert response.status_code == 302
    assert list(agreement.datasets.all()) == [other]
    assert not agreement.data_items.exists()


# -- suspending, resuming, ending ----------------------------------------------------------


@pytest.mark.parametrize(("action", "status"), [("suspend", Status.SUSPENDED), ("end", Status.ENDED)])
def test_suspending_and_ending_need_a_reason(client_for, make_agreement, ruth, ravi, shared_dataset, action, status):
    agreement = make_agreement()
    client = client_for(ruth)
    confirm = client.get(_url(agreement, action))
    assert confirm.status_code == 200 and 'name="reason"' in confirm.content.decode()
    refused = client.post(_url(agreement, action), {"reason": "   "})
    assert refused.status_code == 400 and _field_errors(refused.content.decode(), "reason")
    agreement.refresh_from_db()
    assert agreement.status == Status.ACTIVE
    response = client.post(_url(agreement, action), {"reason": "A security incident at the recipient."})
    assert response.status_code == 302 and response["Location"] == agreement.get_absolute_url()
    agreement.refresh_from_db()
    assert agreement.status == status and agreement.status_reason == "A security incident at the recipient."
    event = agreement.events.latest("at")
    assert (event.action, event.user, event.organisation) == (status, ruth, agreement.recipient)
    assert client_for(ravi).get(f"/datasets/{shared_dataset.slug}/").status_code == 404


def test_a_suspended_agreement_is_put_forward_again(client_for, make_agreement, alice, ruth):
    agreement = make_agreement()
    services.agreement_suspend(agreement=agreement, user=ruth, reason="Paused for audit.")
    response = client_for(alice).post(_url(agreement, "resume"))
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Status.PROPOSED and agreement.provider_approved_at is None
    again = client_for(alice).post(_url(agreement, "resume"))
    assert "Only a suspended agreement" in " ".join(_messages(again))
    suspend_page = client_for(alice).get(_url(agreement, "suspend"))
    assert suspend_page.status_code == 302 and "you cannot suspend it" in " ".join(_messages(suspend_page))


# -- who may act ---------------------------------------------------------------------------


def test_strangers_get_403_and_change_nothing(client_for, make_agreement, charlie):
    agreement = make_agreement()  # on the public register: strangers may open it
    client = client_for(charlie)
    assert client.post(_url(agreement, "approve"), {"revision": agreement.revision}).status_code == 403
    assert client.get(_url(agreement, "edit")).status_code == 403
    assert client.get(_url(agreement, "suspend")).status_code == 403
    assert client.post(_url(agreement, "end"), {"reason": "Mine now."}).status_code == 403
    assert client.post(_url(agreement, "resume")).status_code == 403
    hidden = make_agreement(approved=False, name="Not yet agreed")
    assert client.get(_url(hidden, "edit")).status_code == 404  # not on the register: not even its existence
    agreement.refresh_from_db()
    assert agreement.status == Status.ACTIVE and agreement.events.count() == 4


def test_viewers_see_the_state_but_cannot_act(client_for, make_agreement, ravi, bob):
    agreement = make_agreement(approved=False)
    client = client_for(ravi)
    assert client.post(_url(agreement, "approve"), {"revision": agreement.revision}).status_code == 403
    assert client.get(_url(agreement, "edit")).status_code == 403
    panel = _panel(agreement, ravi)
    assert "Not yet approved" in panel and "<button" not in panel and "/edit/" not in panel
    # An editor changes the terms but approves nothing.
    assert client_for(bob).post(_url(agreement, "approve"), {"revision": agreement.revision}).status_code == 403
    assert client_for(bob).get(_url(agreement, "edit")).status_code == 200
    active = make_agreement(name="Active one")
    assert client_for(bob).get(_url(active, "suspend")).status_code == 403
    agreement.refresh_from_db()
    assert agreement.provider_approved_at is None and agreement.recipient_approved_at is None


# -- the panel, the list, the dashboard ----------------------------------------------------


def _panel(agreement, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template('{% include "catalogue/sharing/_workflow_panel.html" %}')
    return template.render(Context({"agreement": agreement, "request": request}))


def test_the_panel_shows_each_sides_approval_and_only_the_buttons_the_user_may_use(
    make_agreement, alice, ruth, charlie, anon
):
    agreement = make_agreement(approved=False)
    services.agreement_approve(agreement=agreement, user=alice, side="provider")
    for_alice = _panel(agreement, alice)
    assert "Approved by alice" in for_alice and "Approve the terms" not in for_alice
    assert f"/publish/sharing/{agreement.pk}/edit/" in for_alice
    for_ruth = _panel(agreement, ruth)
    assert "Approve the terms for Department for Transport" in for_ruth
    assert f'name="revision" value="{agreement.revision}"' in for_ruth
    assert _panel(agreement, charlie).strip() == "" and _panel(agreement, anon).strip() == ""


def _groups(html: str) -> dict[str, list[str]]:
    sections = re.findall(r'data-group="([a-z-]+)">(.*?)</section>', html, re.S)
    return {key: re.findall(r'<a href="/sharing/\d+/">(.*?)</a>', body) for key, body in sections}


def test_the_list_groups_agreements_by_what_they_wait_for(client_for, make_agreement, alice, ruth, ravi, anon):
    today = timezone.localdate()
    waiting = make_agreement(approved=False, name="Waiting")
    services.agreement_approve(agreement=waiting, user=alice, side="provider")
    make_agreement(name="Running")
    make_agreement(name="Review soon", review_date=today + datetime.timedelta(days=3))
    suspended = make_agreement(name="Paused")
    services.agreement_suspend(agreement=suspended, user=ruth, reason="Audit.")
    ended = make_agreement(name="Over")
    services.agreement_end(agreement=ended, user=alice, reason="Done.")

    for_ruth = client_for(ruth).get("/publish/sharing/").content.decode()
    assert _groups(for_ruth) == {
        "waiting-you": ["Waiting"],
        "waiting-other": [],
        "review": ["Review soon"],
        "active": ["Running"],
        "suspended": ["Paused"],
        "over": ["Over"],
    }
    assert "Propose an agreement" in for_ruth
    for_alice = _groups(client_for(alice).get("/publish/sharing/").content.decode())
    assert for_alice["waiting-you"] == [] and for_alice["waiting-other"] == ["Waiting"]
    for_ravi = client_for(ravi).get("/publish/sharing/").content.decode()
    assert _groups(for_ravi)["waiting-other"] == ["Waiting"] and "Propose an agreement" not in for_ravi
    assert client_for(anon).get("/publish/sharing/").status_code == 302


def test_the_dashboard_lists_approvals_waiting_and_reviews_due(client_for, make_agreement, ruth, bob):
    today = timezone.localdate()
    waiting = make_agreement(approved=False, name="Needs DfT approval")
    due = make_agreement(name="Review this", review_date=today + datetime.timedelta(days=5))
    make_agreement(name="Review later", review_date=today + datetime.timedelta(days=300))
    page = client_for(ruth).get("/publish/").content.decode()
    assert re.search(
        rf'data-sharing-waiting>\s*<li><a href="{waiting.get_absolute_url()}">Needs DfT approval</a>', page
    )
    assert f'<a href="{due.get_absolute_url()}">Review this</a>' in page
    assert "Review later" not in page and 'href="/publish/sharing/"' in page
    for_bob = client_for(bob).get("/publish/").content.decode()  # an editor approves nothing
    assert "No agreement is waiting for your approval" in for_bob and "Review this" in for_bob


# -- beat ----------------------------------------------------------------------------------


def test_the_daily_task_expires_agreements_and_emails_both_parties(make_agreement, client_for, ravi, shared_dataset):
    today = timezone.localdate()
    agreement = make_agreement(name="Ending soon", start_date=today - datetime.timedelta(days=60))
    # Time passes: the agreement's last day was yesterday.
    SharingAgreement.objects.filter(pk=agreement.pk).update(end_date=today - datetime.timedelta(days=1))
    assert client_for(ravi).get(f"/datasets/{shared_dataset.slug}/").status_code == 404  # before beat runs
    mail.outbox.clear()
    result = sharing_daily.apply().get()
    assert result["expired"] == 1
    agreement.refresh_from_db()
    assert agreement.status == Status.EXPIRED
    sent = [m for m in mail.outbox if "expired" in m.subject]
    assert len(sent) == 1 and "Ending soon" in sent[0].subject and "“Ending soon” expired" in sent[0].body
    assert sorted(sent[0].to) == ["alice@example.gov", "ruth@example.gov"]
    assert f"/sharing/{agreement.pk}/" in sent[0].body
    assert sharing_daily.apply().get()["expired"] == 0


def test_the_daily_task_reminds_of_reviews_once(make_agreement):
    today = timezone.localdate()
    agreement = make_agreement(name="Review me", review_date=today + datetime.timedelta(days=2))
    mail.outbox.clear()
    assert sharing_daily.delay().get() == {"expired": 0, "review_reminders": 1}
    assert sharing_daily.delay().get() == {"expired": 0, "review_reminders": 0}
    (sent,) = mail.outbox
    assert "Review me" in sent.subject and agreement.get_absolute_url() in sent.body
    assert sorted(sent.to) == ["alice@example.gov", "ruth@example.gov"]


def test_junk_in_the_addresses_gets_a_form_message_or_a_4xx_never_a_500(
    client_for, make_agreement, alice, ohs, dft, shared_dataset
):
    client = client_for(alice)
    for query in (
        "?organisation=abc&side=sideways&other=999999",
        f"?organisation={ohs.pk}&side=provider&other={ohs.pk}",  # the same organisation twice
        f"?organisation={dft.pk}&side=provider&other={ohs.pk}",  # not alice's organisation
        f"?organisation={ohs.pk}&side=provider&other={dft.pk}&step=datasets&datasets=abc",
    ):
        response = client.get(PROPOSE + query)
        assert response.status_code == 200 and 'class="error-summary"' in response.content.decode(), query
    agreement = make_agreement()
    assert client.get(_url(agreement, "edit") + "?step=datasets&datasets=abc").status_code == 200
    assert client.post(_url(agreement, "approve"), {"revision": "1", "side": "sideways"}).status_code == 403
    assert client.get("/publish/sharing/999999/edit/").status_code == 404
    data = _post_data()
    data["data_items"] = ["no-colon", "x:y"]
    response = client.post(PROPOSE + _coverage(ohs, dft, [shared_dataset]), data)
    assert response.status_code == 400 and _field_errors(response.content.decode(), "data_items")
    assert SharingAgreement.objects.count() == 1


def test_a_party_that_may_not_read_a_covered_dataset_is_offered_only_the_fields_already_named(
    client_for, make_agreement, ruth, alice
):
    agreement = make_agreement()  # discloses postcode and admitted_on, not nhs_number
    services.agreement_suspend(agreement=agreement, user=alice, reason="Audit of the recipient's storage.")
    services.agreement_resume(agreement=agreement, user=alice)  # proposed again: not in force
    page = client_for(ruth).get(_url(agreement, "edit")).content.decode()
    assert "postcode" in page and "admitted_on" in page
    assert "nhs_number" not in page
    page = client_for(alice).get(_url(agreement, "edit")).content.decode()
    assert "nhs_number" in page  # the provider reads its own dictionary
