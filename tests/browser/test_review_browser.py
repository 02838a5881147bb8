"""A change to a published dataset through draft and review, in a real browser at desktop and
phone width: an editor saves a draft (the public still sees the published version), asks for
review; a second editor sees the difference and returns it with a comment; the first sees it
on their dashboard, fixes it and asks again; the second approves, and only then does the
public page show the new version. Every page is checked with axe and photographed."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from catalogue import services
from catalogue.models import Dataset, Membership
from tests.browser.conftest import axe_violations, sideways_overflow, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"
OLD, NEW = "Hospital admissions", "Hospital admissions by trust"


@pytest.fixture
def reviewed(ohs, alice, bob, make_dataset):
    """OHS requires review; ``bob`` edits and ``alice`` (an admin) reviews a published dataset."""
    services.organisation_set_review(organisation=ohs, user=alice, requires_review=True)
    return make_dataset(OLD, description="Admissions by region and month.")


def public_title(dataset) -> bool:
    """Whether the public dataset page shows the new title (read as an anonymous visitor)."""
    return f"<h1>{NEW}" in Client().get(f"/datasets/{dataset.slug}/").content.decode()


def check(page, screenshot, name, *, narrow: bool):
    assert axe_violations(page) == [], name
    if narrow:
        assert sideways_overflow(page) == 0, name
    screenshot(page, name)


def journey(page, base, dataset, screenshot, width: str):
    narrow = width == "390"
    edit_url = f"{base}/publish/datasets/{dataset.slug}/edit/"

    # bob saves a draft of the published dataset: the public still sees the old title.
    sign_in(page, base, "bob")
    page.goto(edit_url)
    assert "This dataset is published" in page.inner_text("main")
    page.fill("#id_title", NEW)
    page.click("button[name=action][value=save]")
    page.wait_for_load_state()
    assert "Draft saved. The public still sees the published version." in page.inner_text("main")
    assert "You are editing a draft of a published dataset" in page.inner_text("main")
    assert page.input_value("#id_title") == NEW
    check(page, screenshot, f"review-{width}-1-draft-saved", narrow=narrow)
    assert not public_title(dataset)

    # bob asks for review.
    page.click("button[name=action][value=publish]")
    page.wait_for_load_state()
    assert "Saved and sent for review" in page.inner_text("main")
    assert "Waiting for review by Office for Health Statistics editors" in page.inner_text("main")
    assert not public_title(dataset)
    assert any("Review requested" in m.subject for m in mail.outbox)

    # alice finds it on her dashboard, sees the difference and returns it with a comment.
    sign_in(page, base, "alice")
    page.goto(base + "/publish/")
    section = page.locator("h2:has-text('Waiting for your review') + ul")
    assert OLD in section.inner_text() or NEW in section.inner_text()
    section.locator("a").first.click()
    page.wait_for_load_state()
    assert page.locator("del", has_text=OLD).count() >= 1 and page.locator("ins", has_text=NEW).count() >= 1
    check(page, screenshot, f"review-{width}-2-reviewer-sees-diff", narrow=narrow)
    page.click("text=Return with comments")
    page.wait_for_load_state()
    assert "Write a comment" in page.inner_text("main")
    check(page, screenshot, f"review-{width}-3-comment-required", narrow=narrow)
    page.fill("#id_comment", "Say which trusts are included.")
    page.click("text=Return with comments")
    page.wait_for_load_state()
    assert "Returned with your comment" in page.inner_text("main")

    # bob sees it returned on his dashboard, fixes the draft and asks again.
    sign_in(page, base, "bob")
    page.goto(base + "/publish/")
    returned = page.locator("h2:has-text('Returned to you with comments') + ul")
    assert "Say which trusts are included." in returned.inner_text()
    check(page, screenshot, f"review-{width}-4-returned-on-dashboard", narrow=narrow)
    returned.locator("a").first.click()
    page.wait_for_load_state()
    assert "Say which trusts are included." in page.inner_text("main")
    page.fill("#id_description", "Admissions by NHS trust (all 215 acute trusts), region and month.")
    page.click("button[name=action][value=publish]")
    page.wait_for_load_state()
    assert "Saved and sent for review" in page.inner_text("main")
    assert not public_title(dataset)

    # alice approves: now, and only now, the public sees the new version.
    sign_in(page, base, "alice")
    page.goto(f"{base}/publish/datasets/{dataset.slug}/review/")
    assert page.locator("ins", has_text="215 acute trusts").count() == 1
    page.click("text=Approve and publish")
    page.wait_for_load_state()
    assert "Approved and published" in page.inner_text("main")
    assert page.locator("h1").inner_text().startswith(NEW)
    check(page, screenshot, f"review-{width}-5-published", narrow=narrow)
    assert public_title(dataset)
    dataset.refresh_from_db()
    assert (dataset.status, dataset.review_requested_by) == (Dataset.Status.PUBLISHED, None)
    assert any("Approved" in m.subject for m in mail.outbox)


def test_draft_review_return_fix_and_approve_at_desktop_width(live_server, page, screenshot, reviewed):
    journey(page, live_server.url, reviewed, screenshot, "1280")


def test_draft_review_return_fix_and_approve_at_phone_width(live_server, phone, screenshot, reviewed):
    journey(phone, live_server.url, reviewed, screenshot, "390")


def test_the_only_editor_sees_who_can_approve(live_server, page, screenshot, dft, make_dataset):
    dora = get_user_model().objects.create_user("dora", "dora@example.gov", PASSWORD)
    Membership.objects.create(user=dora, organisation=dft, role=Membership.Role.ADMIN)
    dft.requires_review = True
    dft.save()
    dataset = make_dataset("Road counts", publisher=dft)
    sign_in(page, live_server.url, "dora")
    page.goto(f"{live_server.url}/publish/datasets/{dataset.slug}/edit/")
    page.click("button[name=action][value=publish]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/publish/")
    assert "No one else at Department for Transport can approve this yet" in page.inner_text("main")
    assert page.locator(f"a[href='/publish/organisations/{dft.slug}/members/']").count() >= 1
    assert axe_violations(page) == []
    screenshot(page, "review-1280-only-editor")
