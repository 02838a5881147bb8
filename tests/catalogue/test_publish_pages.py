"""The publisher's pages: the one-page dataset form, errors beside fields, publishing, stale
edits, history and restore, the live score, the dashboard, members, and who may do what."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model

from catalogue import services
from catalogue.models import CollectionMethod, Dataset, Distribution, Field, Membership, VocabularyTerm
from tests.writes import add_field, record_check

BROWSER_VALUE_PATTERNS = {"date": r"\d{4}-\d{2}-\d{2}", "datetime-local": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?"}


class FormReader(HTMLParser):
    """Reads a page's form the way a browser would submit it."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, []
        self.select, self.textarea, self.text = None, None, ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "template":
            self.inside = "template"
        if self.inside == "template":
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                value = a.get("value", "")
                # A browser drops a value its date controls cannot read.
                if kind in BROWSER_VALUE_PATTERNS and not re.fullmatch(BROWSER_VALUE_PATTERNS[kind], value):
                    value = ""
                self.data.append((a["name"], value))
        elif tag == "select":
            self.select, self.first_option, self.chosen = a.get("name"), None, "multiple" in a
        elif tag == "option" and self.select:
            if self.first_option is None:
                self.first_option = a.get("value", "")
            if "selected" in a:
                self.data.append((self.select, a.get("value", "")))
                self.chosen = True
        elif tag == "textarea":
            self.textarea, self.text = a.get("name"), ""

    def handle_endtag(self, tag):
        if tag == "template" and self.inside == "template":
            self.inside = True
        elif tag == "form" and self.inside:
            self.inside = False
        elif tag == "select":
            # A single select with nothing selected submits its first option, as browsers do.
            if self.select and not self.chosen and self.first_option is not None:
                self.data.append((self.select, self.first_option))
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.data.append((self.textarea, self.text.strip("\n")))
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.text += data


def form_data(html: str, form_id="dataset-form", **overrides) -> dict:
    reader = FormReader(form_id)
    reader.feed(html)
    data = {}
    for name, value in reader.data:
        data.setdefault(name, []).append(value)
    for name, value in overrides.items():
        data[name.replace("__", "-")] = value if isinstance(value, list) else [value]
    return data


def term_id(scheme, code):
    return str(VocabularyTerm.objects.get(scheme=scheme, code=code).pk)


def errors_in(response) -> list[str]:
    import re

    return re.findall(r'class="error-message"[^>]*>(?:<span[^>]*>[^<]*</span>)?([^<]*)', response.content.decode())


def error_beside(html: str, field_id: str) -> str:
    """The error shown inside the field's own wrapper, or ''."""
    start = html.find(f'id="{field_id}-wrap"')
    assert start != -1, f"no field {field_id}"
    end = html.find('<div class="form-field', start + 10)
    chunk = html[start : end if end != -1 else None]
    marker = chunk.find('class="error-message"')
    return chunk[marker : chunk.find("</p>", marker)] if marker != -1 else ""


@pytest.fixture
def dft_editor(dft):
    user = get_user_model().objects.create_user("dora", "dora@example.gov", "correct-horse-battery")
    Membership.objects.create(user=user, organisation=dft, role=Membership.Role.EDITOR)
    return user


def new_dataset(client, **fields):
    page = client.get("/publish/datasets/new/")
    assert page.status_code == 200
    data = form_data(page.content.decode(), **fields)
    return client.post("/publish/datasets/new/", data)


def test_a_draft_with_distributions_and_fields_is_saved_from_one_page(db, ohs, bob, client_for):
    client = client_for(bob)
    response = new_dataset(
        client,
        title="Hospital admissions",
        description="Admissions by region.",
        keywords="hospitals, admissions",
        themes=[term_id("theme", "HEAL")],
        licence=term_id("licence", "OGL_3_0"),
        distributions__0__access_url="https://data.example.gov/admissions",
        distributions__0__format=term_id("file-type", "CSV"),
        fields__0__name="region",
        fields__0__definition="ONS region code",
        checks__0__name="No gaps",
        checks__0__outcome="pass",
        checks__0__run_at="2026-01-01T10:00",
        method__method_type="administrative",
        method__description="Hospital episode statistics.",
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    dataset = Dataset.objects.get(title="Hospital admissions")
    assert dataset.status == "draft" and dataset.publisher == ohs
    assert sorted(dataset.keywords.values_list("name", flat=True)) == ["admissions", "hospitals"]
    assert list(dataset.distributions.values_list("format__code", flat=True)) == ["CSV"]
    assert list(dataset.fields.values_list("name", "definition")) == [("region", "ONS region code")]
    assert dataset.validation_checks.get().name == "No gaps"
    assert dataset.collection_method.method_type == "administrative"

    # The edit page adds a second distribution and removes the field.
    page = client.get(f"/publish/datasets/{dataset.slug}/edit/").content.decode()
    data = form_data(
        page,
        distributions__1__access_url="https://data.example.gov/admissions.json",
        fields__0__DELETE="on",
    )
    response = client.post(f"/publish/datasets/{dataset.slug}/edit/", data)
    assert response.status_code == 302, errors_in(response)
    assert dataset.distributions.count() == 2 and dataset.fields.count() == 0


def test_every_error_is_shown_next_to_its_field(db, ohs, bob, client_for):
    response = new_dataset(
        client_for(bob),
        title="",
        contact_email="not an email",
        landing_page="not a url",
        temporal_start="2024-05-01",
        temporal_end="2024-01-01",
        distributions__0__title="CSV",
        distributions__0__access_url="",
        distributions__0__byte_size="-5",
        fields__0__definition="A column without a name",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a title for the dataset" in error_beside(html, "id_title")
    assert "Enter the contact email as an email address" in error_beside(html, "id_contact_email")
    assert "Enter the landing page as a full web address, starting with https://" in error_beside(
        html, "id_landing_page"
    )
    assert "cannot be before its start" in error_beside(html, "id_temporal_end")
    assert "Enter the access address" in error_beside(html, "id_distributions-0-access_url")
    assert "File size in bytes must be 0 or more" in error_beside(html, "id_distributions-0-byte_size")
    assert "Enter the column name" in error_beside(html, "id_fields-0-name")
    # The summary at the top links to each field at fault.
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    for field_id in ("id_title", "id_contact_email", "id_distributions-0-access_url", "id_fields-0-name"):
        assert f'href="#{field_id}"' in summary
    assert not Dataset.objects.exists()


def test_publishing_needs_a_description_and_says_so_beside_it(db, ohs, bob, client_for):
    client = client_for(bob)
    response = new_dataset(client, title="Bare", action="publish")
    assert response.status_code == 400
    assert "description" in error_beside(response.content.decode(), "id_description").lower()
    dataset = Dataset.objects.get(title="Bare")
    assert dataset.status == "draft"
    page = client.get(f"/publish/datasets/{dataset.slug}/edit/").content.decode()
    response = client.post(
        f"/publish/datasets/{dataset.slug}/edit/", form_data(page, description="Now described.", action="publish")
    )
    assert response.status_code == 302
    dataset.refresh_from_db()
    assert dataset.status == "published"
    assert client_for(None).get(dataset.get_absolute_url()).status_code == 200


def test_a_stale_edit_is_refused_and_nothing_is_overwritten(db, make_dataset, alice, bob, client_for):
    dataset = make_dataset("Bed occupancy", status=Dataset.Status.DRAFT)
    bobs_page = client_for(bob).get(f"/publish/datasets/{dataset.slug}/edit/").content.decode()
    alices_page = client_for(alice).get(f"/publish/datasets/{dataset.slug}/edit/").content.decode()
    assert (
        client_for(alice)
        .post(f"/publish/datasets/{dataset.slug}/edit/", form_data(alices_page, title="Alice's title"))
        .status_code
        == 302
    )
    response = client_for(bob).post(
        f"/publish/datasets/{dataset.slug}/edit/", form_data(bobs_page, title="Bob's title")
    )
    assert response.status_code == 400
    assert "Someone else changed this dataset" in response.content.decode()
    dataset.refresh_from_db()
    assert dataset.title == "Alice's title"


def test_history_lists_every_change_shows_the_difference_and_restores(db, make_dataset, bob, client_for):
    dataset = make_dataset("Bed occupancy", status=Dataset.Status.DRAFT)
    client = client_for(bob)
    for title, url in (("Beds v2", "https://data.example.gov/v2"), ("Beds v3", "https://data.example.gov/v3")):
        page = client.get(f"/publish/datasets/{dataset.slug}/edit/").content.decode()
        override = {"title": title}
        if dataset.distributions.exists():
            override["distributions__0__access_url"] = url
        else:
            override["distributions__0__access_url"] = url
        assert client.post(f"/publish/datasets/{dataset.slug}/edit/", form_data(page, **override)).status_code == 302
    history = dataset.history.order_by("history_date")
    assert [h.title for h in history][-3:] == ["Bed occupancy", "Beds v2", "Beds v3"]
    assert history.last().history_user == bob
    first, second = history[0].history_id, history.last().history_id
    page = client.get(f"/publish/datasets/{dataset.slug}/history/?a={first}&b={second}").content.decode()
    assert "<del>Bed occupancy</del>" in page and "<ins>Beds v3</ins>" in page
    assert "https://data.example.gov/v3" in page
    v2 = next(h for h in history if h.title == "Beds v2")
    response = client.post(f"/publish/datasets/{dataset.slug}/restore/", {"history_id": v2.history_id})
    assert response.status_code == 302
    dataset.refresh_from_db()
    assert dataset.title == "Beds v2"
    assert list(dataset.distributions.values_list("access_url", flat=True)) == ["https://data.example.gov/v2"]
    assert dataset.history.first().history_change_reason.startswith("Restored")


def test_restore_puts_back_the_collection_method_but_not_what_happened_since(db, make_dataset, bob, client_for):
    dataset = make_dataset("Hospital beds", status=Dataset.Status.DRAFT)
    services.collection_method_save(
        dataset=dataset,
        user=bob,
        data={"method_type": "survey", "description": "A sample survey of trusts each quarter."},
    )
    dataset.refresh_from_db()
    good = dataset.history.first()
    services.collection_method_save(
        dataset=dataset,
        user=bob,
        data={"method_type": "administrative", "description": "Counted from trust returns."},
    )
    dataset.refresh_from_db()
    latest = dataset.history.first()
    record_check(dataset, "No negative counts", "fail", user=bob)
    client = client_for(bob)
    page = client.get(f"/publish/datasets/{dataset.slug}/history/?a={good.history_id}&b={latest.history_id}")
    text = page.content.decode()
    assert "Collection method" in text
    assert "<del>Survey: A sample survey of trusts each quarter.</del>" in text
    assert "<ins>Administrative records: Counted from trust returns.</ins>" in text

    response = client.post(f"/publish/datasets/{dataset.slug}/restore/", {"history_id": good.history_id})
    assert response.status_code == 302
    restored = CollectionMethod.objects.get(dataset=dataset)
    assert (restored.method_type, restored.description) == ("survey", "A sample survey of trusts each quarter.")
    assert list(dataset.validation_checks.values_list("outcome", flat=True)) == ["fail"]
    assert restored.history.first().history_user == bob


def test_live_score_rises_as_the_form_is_filled(db, ohs, bob, client_for):
    client = client_for(bob)
    page = client.get("/publish/datasets/new/").content.decode()
    bare = client.post("/publish/score/", form_data(page, title="Beds")).json()
    richer = client.post(
        "/publish/score/",
        form_data(
            page,
            title="Beds",
            description="Beds in use.",
            keywords="beds",
            themes=[term_id("theme", "HEAL")],
            distributions__0__access_url="https://data.example.gov/beds",
            distributions__0__format=term_id("file-type", "CSV"),
        ),
    ).json()
    assert bare["mqa_score"] < richer["mqa_score"]
    assert "Add keywords: +30" in bare["hints"] and "Add keywords: +30" not in richer["hints"]
    assert not Dataset.objects.exists()


def test_data_dictionary_import_previews_then_saves(db, make_dataset, bob, client_for):
    dataset = make_dataset("Admissions", status=Dataset.Status.DRAFT)
    add_field(dataset, name="region", definition="ONS region code", user=bob)
    client = client_for(bob)
    url = f"/publish/datasets/{dataset.slug}/fields/import/"
    csv_text = "region,month,admissions,rate\nE12000001,2024-01-01,120,0.5\nE12000002,2024-02-01,98,1.25\n"
    preview = client.post(url, {"text": csv_text}).content.decode()
    assert "<code>admissions</code>" in preview and "<td>Whole number</td>" in preview
    assert "<td>Decimal number</td>" in preview
    assert dataset.fields.count() == 1  # nothing saved yet
    rows_json = preview.split('name="rows" value="')[1].split('"')[0]
    import html

    response = client.post(
        url, {"confirm": "1", "rows": html.unescape(rows_json), "revision": Dataset.objects.get(pk=dataset.pk).revision}
    )
    assert response.status_code == 302
    assert list(dataset.fields.values_list("name", "datatype")) == [
        ("region", "string"),
        ("month", "date"),
        ("admissions", "integer"),
        ("rate", "decimal"),
    ]
    assert dataset.fields.get(name="region").definition == "ONS region code"


def test_data_dictionary_import_errors_name_the_line_or_field(db, make_dataset, bob, client_for):
    dataset = make_dataset("Admissions", status=Dataset.Status.DRAFT)
    url = f"/publish/datasets/{dataset.slug}/fields/import/"
    client = client_for(bob)
    page = client.post(url, {"text": "a,b,a\n1,2,3\n4,5\n"}).content.decode()
    assert "Line 1, column 3: &#x27;a&#x27; repeats the name of column 1." in page
    page = client.post(url, {"text": '{"fields": [{"name": "x", "type": "integr"}]}'}).content.decode()
    assert "Field 1 (&#x27;x&#x27;): unknown type &#x27;integr&#x27;" in page
    page = client.post(url, {"text": '{"tableSchema": {"columns": [{"titles": "no name"}]}}'}).content.decode()
    assert "Column 1: has no &#x27;name&#x27;." in page
    page = client.post(url, {"text": '{"fields": [\n  {"name": "x",}\n]}'}).content.decode()
    assert "Line 2" in page
    assert dataset.fields.count() == 0


def test_dashboard_shows_status_band_review_and_overdue(db, make_dataset, ohs, alice, bob, client_for):
    from datetime import timedelta

    from django.utils import timezone

    monthly = VocabularyTerm.objects.get(scheme="frequency", code="MONTHLY")
    make_dataset("Stale monthly", frequency=monthly, modified=timezone.now() - timedelta(days=90))
    make_dataset("Fresh monthly", frequency=monthly, modified=timezone.now() - timedelta(days=3))
    services.organisation_set_review(organisation=ohs, user=alice, requires_review=True)
    waiting = services.dataset_publish(dataset=make_dataset("Waiting", status=Dataset.Status.DRAFT), user=bob)
    assert waiting.review_requested_by == bob
    failing = make_dataset("Broken")
    record_check(failing, "Totals add up", "fail", user=bob)
    page = client_for(alice).get("/publish/").content.decode()
    overdue = page.split("Overdue for update")[1].split("<h2>")[0]
    assert "Stale monthly" in overdue and "Fresh monthly" not in overdue
    review = page.split("Waiting for your review")[1].split("<h2>")[0]
    assert f"/publish/datasets/{waiting.slug}/review/" in review and waiting.title in review
    assert "Broken" in page.split("Failed checks")[1].split("<h2>")[0]
    # bob asked for the review: he sees whom it waits for, and cannot review it himself.
    bobs = client_for(bob).get("/publish/").content.decode()
    assert waiting.title not in bobs.split("Waiting for your review")[1].split("<h2>")[0]
    others = bobs.split("Waiting for review by others")[1].split("<h2>")[0]
    assert waiting.title in others and "Waiting for review by Office for Health Statistics editors" in others


def test_admins_manage_members_and_keep_one_admin(db, ohs, alice, bob, charlie, client_for):
    client = client_for(alice)
    url = "/publish/organisations/ohs/members/"
    assert client.post(url, {"username": "charlie", "role": "viewer"}).status_code == 302
    assert Membership.objects.get(user=charlie).role == "viewer"
    response = client.post(url, {"username": "alice", "role": "editor"})
    assert "at least one admin" in response.content.decode()
    assert Membership.objects.get(user=alice).role == "admin"
    assert client_for(bob).get(url).status_code == 403
    assert client.post(url, {"requires_review": "1"}).status_code == 302
    ohs.refresh_from_db()
    assert ohs.requires_review is True
    assert client_for(bob).post(url, {"requires_review": "0"}).status_code == 403
    ohs.refresh_from_db()
    assert ohs.requires_review is True


# Every page route that changes something, tried by people who must not succeed.

PAGE_ROUTES = [
    ("get", "/publish/datasets/{slug}/edit/", None),
    ("post", "/publish/datasets/{slug}/edit/", {"title": "Hijacked", "revision": "{revision}"}),
    ("post", "/publish/datasets/{slug}/publish/", {}),
    ("post", "/publish/datasets/{slug}/withdraw/", {"reason": "Hijacked"}),
    ("post", "/publish/datasets/{slug}/restore/", {"history_id": "{history_id}"}),
    ("post", "/publish/datasets/{slug}/fields/import/", {"text": "hijacked\n1\n"}),
    ("post", "/publish/datasets/{slug}/fields/import/", {"confirm": "1", "rows": "[]", "revision": "{revision}"}),
    ("post", "/publish/organisations/ohs/members/", {"username": "{username}", "role": "admin"}),
    ("post", "/publish/organisations/ohs/members/", {"requires_review": "1"}),
    ("post", "/publish/datasets/new/", {"title": "Hijacked", "publisher": "{ohs}"}),
]


@pytest.mark.parametrize("who", ["anon", "charlie", "vera", "dft_editor"])
@pytest.mark.parametrize(("method", "path", "body"), PAGE_ROUTES)
def test_outsiders_and_viewers_cannot_change_through_any_page(
    db, request, make_dataset, ohs, client_for, who, method, path, body
):
    dataset = make_dataset("Bed occupancy")
    add_field(dataset, name="beds")
    user = request.getfixturevalue(who)
    values = {
        "slug": dataset.slug,
        "revision": dataset.revision,
        "history_id": dataset.history.earliest().history_id,
        "username": getattr(user, "username", "nobody"),
        "ohs": ohs.pk,
    }
    payload = {k: str(v).format(**values) for k, v in (body or {}).items()}
    before = (
        Dataset.objects.count(),
        Distribution.objects.count(),
        Field.objects.count(),
        Membership.objects.count(),
        Dataset.objects.get(pk=dataset.pk).revision,
    )
    response = getattr(client_for(user), method)(path.format(**values), payload)
    if who == "anon":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code in (400, 403, 404), response.status_code
    after = (
        Dataset.objects.count(),
        Distribution.objects.count(),
        Field.objects.count(),
        Membership.objects.count(),
        Dataset.objects.get(pk=dataset.pk).revision,
    )
    assert after == before
    dataset.refresh_from_db()
    assert (dataset.title, dataset.status) == ("Bed occupancy", "published")
    ohs.refresh_from_db()
    assert ohs.requires_review is False


def test_hints_on_the_dataset_page_are_for_its_editors_only(
    db, make_dataset, bob, charlie, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dataset = make_dataset("Bed occupancy")
    dataset.refresh_from_db()
    for user, sees_hints in ((bob, True), (charlie, False), (None, False)):
        page = client_for(user).get(dataset.get_absolute_url()).content.decode()
        assert f"<strong>{dataset.quality_score} of 405 points</strong>" in page
        # Everyone is told how an indicator is earned; its editors, what it would add.
        assert "How to earn it:</span> Add keywords" in page
        assert ("Add keywords: +30" in page) is sees_hints


def test_derivations_are_named_by_dataset_address_and_recorded_in_lineage(db, make_dataset, dft, bob, client_for):
    from provenance.models import Derivation

    census = make_dataset("Census population counts", publisher=dft)
    hidden = make_dataset("Unpublished register", publisher=dft, status=Dataset.Status.DRAFT)
    rates = make_dataset("Admission rates", status=Dataset.Status.DRAFT)
    client = client_for(bob)
    url = f"/publish/datasets/{rates.slug}/edit/"
    page = client.get(url).content.decode()
    response = client.post(url, form_data(page, derivation__sources=f"{census.slug}, {hidden.slug}"))
    assert response.status_code == 400
    assert hidden.slug in error_beside(response.content.decode(), "id_derivation-sources")
    assert not Derivation.objects.exists()
    response = client.post(
        url,
        form_data(
            page,
            derivation__sources=f"http://testserver/datasets/{census.slug}/",
            derivation__description="Admissions divided by the census count.",
        ),
    )
    assert response.status_code == 302
    derivation = Derivation.objects.current().get(derived=rates)
    assert (derivation.source, derivation.description) == (census, "Admissions divided by the census count.")
    # Clearing the field ends the derivation (kept for "as of" questions).
    page = client.get(url).content.decode()
    assert census.slug in page
    assert client.post(url, form_data(page, derivation__sources="")).status_code == 302
    assert not Derivation.objects.current().filter(derived=rates).exists()
    assert Derivation.objects.filter(derived=rates).count() == 1


def test_withdrawing_needs_a_reason_and_leaves_the_page_with_a_notice(db, make_dataset, bob, client_for):
    dataset = make_dataset("Bed occupancy")
    url = f"/publish/datasets/{dataset.slug}/withdraw/"
    response = client_for(bob).post(url, {"reason": ""})
    assert "Enter why the dataset is withdrawn" in error_beside(response.content.decode(), "id_reason")
    assert client_for(bob).post(url, {"reason": "Replaced by the 2025 edition."}).status_code == 302
    dataset.refresh_from_db()
    assert dataset.status == "withdrawn"
    page = client_for(None).get(dataset.get_absolute_url())
    assert page.status_code == 200 and "Replaced by the 2025 edition." in page.content.decode()


def test_saving_an_unchanged_form_keeps_every_date(db, make_dataset, bob, client_for):
    from datetime import date

    dataset = make_dataset(
        "Bed occupancy",
        status=Dataset.Status.DRAFT,
        temporal_start=date(2020, 1, 1),
        temporal_end=date(2024, 12, 31),
        issued=date(2021, 3, 1),
    )
    services.collection_method_save(
        dataset=dataset,
        user=bob,
        data={"method_type": "survey", "description": "A survey.", "period_start": date(2019, 6, 1)},
    )
    client = client_for(bob)
    url = f"/publish/datasets/{dataset.slug}/edit/"
    page = client.get(url).content.decode()
    assert 'value="2020-01-01"' in page
    assert client.post(url, form_data(page)).status_code == 302
    dataset.refresh_from_db()
    assert (dataset.temporal_start, dataset.temporal_end, dataset.issued) == (
        date(2020, 1, 1),
        date(2024, 12, 31),
        date(2021, 3, 1),
    )
    assert dataset.collection_method.period_start == date(2019, 6, 1)


def test_review_through_the_pages_needs_a_second_editor(db, make_dataset, ohs, alice, bob, client_for):
    services.organisation_set_review(organisation=ohs, user=alice, requires_review=True)
    dataset = make_dataset("Bed occupancy", status=Dataset.Status.DRAFT)
    url = f"/publish/datasets/{dataset.slug}/edit/"
    page = client_for(bob).get(url).content.decode()
    assert client_for(bob).post(url, form_data(page, action="publish")).status_code == 302
    dataset.refresh_from_db()
    assert (dataset.status, dataset.review_requested_by) == ("draft", bob)
    # Asking again himself does not publish it.
    response = client_for(bob).post(f"/publish/datasets/{dataset.slug}/publish/", follow=True)
    assert "A different editor must approve" in response.content.decode()
    dataset.refresh_from_db()
    assert dataset.status == "draft"
    response = client_for(alice).post(f"/publish/datasets/{dataset.slug}/publish/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == f"/publish/datasets/{dataset.slug}/edit/"
    dataset.refresh_from_db()
    assert (dataset.status, dataset.review_requested_by) == ("published", None)
