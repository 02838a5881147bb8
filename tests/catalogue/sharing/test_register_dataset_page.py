"""'Who receives this data and why' on a dataset's page: the register's agreements covering
it (current ones, then past sharing), with recipient, purpose, legal power, the fields that
travel and until when; the parties also see their agreements not on the register."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone

from catalogue.sharing import services


@pytest.fixture
def on_open(open_dataset):
    return {"datasets": [open_dataset], "items": [(open_dataset.pk, "severity")]}


def section(html: str) -> str:
    match = re.search(r'<section id="sharing".*?</section>', html, re.S)
    assert match, "no sharing section on the page"
    return match.group(0)


def past_part(html: str) -> str:
    text = section(html)
    return text.split("<h3>Past sharing</h3>", 1)[1] if "<h3>Past sharing</h3>" in text else ""


def test_a_dataset_nobody_receives_says_so(client, open_dataset):
    html = client.get(f"/datasets/{open_dataset.slug}/").content.decode()
    assert "Who receives this data and why" in section(html)
    assert "This dataset is not shared under any agreement on the register." in section(html)


def test_the_section_shows_recipient_purpose_legal_power_fields_and_until_when(
    client, make_agreement, open_dataset, on_open
):
    agreement = make_agreement(**on_open)
    text = section(client.get(f"/datasets/{open_dataset.slug}/").content.decode())
    assert f'href="/sharing/{agreement.pk}/"' in text
    assert "Department for Transport" in text
    assert "so DfT can count serious injuries" in text
    assert "Digital Economy Act 2017 s.35 (public service delivery)" in text
    assert "UK GDPR Art. 6(1)(e) public task" in text
    assert "<code>severity</code> (Injury severity)" in text and "casualty_id" not in text
    assert f"until {agreement.end_date:%-d %B %Y}" in text
    assert "not shared under any agreement" not in text and past_part(text) == ""


def test_suspended_and_ended_agreements_move_to_past_sharing_at_once_even_for_a_cached_page(
    client, make_agreement, open_dataset, on_open, alice, settings
):
    settings.PROVCAT_PAGE_CACHE_SECONDS = 300
    agreement = make_agreement(**on_open)
    url = f"/datasets/{open_dataset.slug}/"
    assert agreement.name not in past_part(client.get(url).content.decode())  # now cached
    services.agreement_suspend(agreement=agreement, user=alice, reason="Security review.")
    past = past_part(client.get(url).content.decode())
    assert agreement.name in past and "Suspended" in past
    services.agreement_end(agreement=agreement, user=alice, reason="No longer needed.")
    past = past_part(client.get(url).content.decode())
    assert agreement.name in past and "Ended" in past


def test_an_agreement_whose_end_date_passed_moves_to_past_sharing_on_a_cached_page_the_next_day(
    client, make_agreement, open_dataset, on_open, settings
):
    """Nothing is written when the end date passes (beat marks it expired later), so the
    anonymous rendering is kept per day: the next morning's page says it ended."""
    settings.PROVCAT_PAGE_CACHE_SECONDS = 300
    today = timezone.localdate()
    agreement = make_agreement(end_date=today, **on_open)
    url = f"/datasets/{open_dataset.slug}/"
    last_second = datetime.datetime.combine(today, datetime.time(23, 59, 58), tzinfo=timezone.get_current_timezone())
    with time_machine.travel(last_second, tick=False):
        assert agreement.name not in past_part(client.get(url).content.decode())  # now cached
    with time_machine.travel(last_second + datetime.timedelta(seconds=2), tick=False):
        past = past_part(client.get(url).content.decode())
    assert agreement.name in past and "ended on" in past


@pytest.mark.parametrize(("persona", "sees"), [("anon", False), ("charlie", False), ("bob", True), ("ruth", True)])
def test_agreements_off_the_register_show_only_to_the_parties_marked_so(
    request, client_for, make_agreement, open_dataset, on_open, persona, sees
):
    proposed = make_agreement(name="Proposed severity share", approved=False, **on_open)
    quiet = make_agreement(name="Quiet severity share", published=False, **on_open)
    user = None if persona == "anon" else request.getfixturevalue(persona)
    text = section(client_for(user).get(f"/datasets/{open_dataset.slug}/").content.decode())
    assert (proposed.name in text) is sees and (quiet.name in text) is sees
    assert ("Not on the public register" in text) is sees
    if not sees:
        assert "This dataset is not shared under any agreement on the register." in text


def test_the_recipients_members_see_the_restricted_dataset_page_with_its_agreement(
    client_for, make_agreement, shared_dataset, ravi, alice
):
    agreement = make_agreement()
    url = f"/datasets/{shared_dataset.slug}/"
    response = client_for(ravi).get(url)
    assert response.status_code == 200
    text = section(response.content.decode())
    assert agreement.name in text and "<code>postcode</code> (Postcode of residence)" in text
    services.agreement_suspend(agreement=agreement, user=alice, reason="Audit.")
    assert client_for(ravi).get(url).status_code == 404
