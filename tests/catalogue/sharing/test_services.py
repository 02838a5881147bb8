"""The agreement workflow: both sides approve before access; a change needs both again;
either side suspends or ends with a reason; beat expires and reminds; every step is kept."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from catalogue.access import can_view_dataset, visible_datasets
from catalogue.models import Organisation
from catalogue.sharing import services
from catalogue.sharing.models import AgreementEvent, SharingAgreement

Status = SharingAgreement.Status


def test_access_only_after_both_sides_approve(make_agreement, alice, ruth, ravi, shared_dataset):
    agreement = make_agreement(approved=False)
    assert agreement.status == Status.PROPOSED
    assert not can_view_dataset(ravi, shared_dataset)
    services.agreement_approve(agreement=agreement, user=alice, side="provider")
    assert agreement.status == Status.PROPOSED
    ravi = type(ravi).objects.get(pk=ravi.pk)
    assert not can_view_dataset(ravi, shared_dataset)
    services.agreement_approve(agreement=agreement, user=ruth, side="recipient")
    assert agreement.status == Status.ACTIVE and agreement.activated_at is not None
    ravi = type(ravi).objects.get(pk=ravi.pk)
    assert can_view_dataset(ravi, shared_dataset)
    assert shared_dataset in visible_datasets(ravi)
    actions = list(agreement.events.values_list("action", "organisation__slug", "user__username"))
    assert actions == [
        ("proposed", "ohs", "alice"),
        ("approved", "ohs", "alice"),
        ("approved", "dft", "ruth"),
        ("activated", "dft", "ruth"),
    ]


def test_only_admins_approve_and_only_for_their_own_side(make_agreement, alice, bob, ruth, ravi):
    agreement = make_agreement(approved=False)
    with pytest.raises(PermissionDenied):
        services.agreement_approve(agreement=agreement, user=alice, side="recipient")
    with pytest.raises(PermissionDenied):
        services.agreement_approve(agreement=agreement, user=bob, side="provider")  # an editor
    with pytest.raises(PermissionDenied):
        services.agreement_approve(agreement=agreement, user=ravi, side="recipient")  # a viewer
    services.agreement_approve(agreement=agreement, user=ruth)  # her only side
    with pytest.raises(ValidationError):
        services.agreement_approve(agreement=agreement, user=ruth)


def test_a_change_after_approval_needs_both_sides_again(make_agreement, alice, ruth, ravi, shared_dataset):
    agreement = make_agreement()
    services.agreement_update(agreement=agreement, user=alice, data={"retention_period": "Five years."})
    assert agreement.status == Status.PROPOSED
    assert agreement.provider_approved_at is None and agreement.recipient_approved_at is None
    assert not can_view_dataset(type(ravi).objects.get(pk=ravi.pk), shared_dataset)
    change = agreement.events.get(action=AgreementEvent.Action.CHANGED)
    assert change.changes["retention_period"] == ["Two years from receipt, then securely deleted.", "Five years."]
    services.agreement_approve(agreement=agreement, user=ruth)
    services.agreement_approve(agreement=agreement, user=alice)
    assert agreement.status == Status.ACTIVE


def test_changing_nothing_keeps_the_approvals(make_agreement, alice):
    agreement = make_agreement()
    services.agreement_update(agreement=agreement, user=alice, data={"name": agreement.name})
    assert agreement.status == Status.ACTIVE
    assert not agreement.events.filter(action=AgreementEvent.Action.CHANGED).exists()


def test_data_items_must_come_from_the_covered_datasets_dictionaries(make_agreement, shared_dataset, make_dataset):
    with pytest.raises(ValidationError) as error:
        make_agreement(items=[(shared_dataset.pk, "salary")])
    assert "salary" in str(error.value)
    with pytest.raises(ValidationError):
        make_agreement(items=[])  # the dataset has a dictionary: say which fields travel
    stranger = Organisation.objects.create(name="Elsewhere", slug="elsewhere")
    foreign = make_dataset("Foreign data", publisher=stranger)
    with pytest.raises(ValidationError) as error:
        make_agreement(datasets=[shared_dataset, foreign])
    assert "not published by the provider" in str(error.value)


@pytest.mark.parametrize(
    "overrides, key",
    [
        ({"legal_gateway": "", "lawful_basis": "", "special_category_condition": ""}, "legal_gateway"),
        ({"legal_gateway": "other-statute", "legal_citation": ""}, "legal_citation"),
        ({"lawful_basis": ""}, "lawful_basis"),  # Art 9 condition without an Art 6 basis
        ({"legal_gateway": "no-such-power"}, "legal_gateway"),
    ],
)
def test_the_legal_power_is_validated(make_agreement, overrides, key):
    with pytest.raises(ValidationError) as error:
        make_agreement(**overrides)
    assert key in error.value.message_dict


def test_suspending_and_ending_need_a_party_admin_and_a_reason(make_agreement, ruth, ravi, shared_dataset, charlie):
    agreement = make_agreement()
    with pytest.raises(ValidationError):
        services.agreement_suspend(agreement=agreement, user=ruth, reason="  ")
    with pytest.raises(PermissionDenied):
        services.agreement_suspend(agreement=agreement, user=charlie, reason="Not mine.")
    services.agreement_suspend(agreement=agreement, user=ruth, reason="Security incident under investigation.")
    assert agreement.status == Status.SUSPENDED
    assert not can_view_dataset(type(ravi).objects.get(pk=ravi.pk), shared_dataset)
    services.agreement_resume(agreement=agreement, user=ruth)
    assert agreement.status == Status.PROPOSED and agreement.recipient_approved_at is None
    services.agreement_end(agreement=agreement, user=ruth, reason="The analysis is complete.")
    assert agreement.status == Status.ENDED
    event = agreement.events.get(action=AgreementEvent.Action.ENDED)
    assert (event.user.username, event.organisation.slug, event.reason) == ("ruth", "dft", "The analysis is complete.")


def test_beat_expires_agreements_past_their_end_date(make_agreement, ravi, shared_dataset):
    today = timezone.localdate()
    agreement = make_agreement(end_date=today)
    assert services.agreements_expire(today) == 0
    assert services.agreements_expire(today + datetime.timedelta(days=1)) == 1
    agreement.refresh_from_db()
    assert agreement.status == Status.EXPIRED
    assert agreement.events.filter(action=AgreementEvent.Action.EXPIRED).exists()
    assert not can_view_dataset(type(ravi).objects.get(pk=ravi.pk), shared_dataset)


def test_review_reminder_emails_both_parties_admins_once(make_agreement, settings):
    today = timezone.localdate()
    agreement = make_agreement(review_date=today + datetime.timedelta(days=10))
    mail.outbox.clear()
    assert services.review_reminders_send(today) == 1
    assert services.review_reminders_send(today) == 0
    sent = [m for m in mail.outbox if "due for review" in m.subject]
    assert len(sent) == 1 and sorted(sent[0].to) == ["alice@example.gov", "ruth@example.gov"]
    assert agreement.get_absolute_url() in sent[0].body
