"""The public sharing register: the page lists exactly the register's entries, its CSV and
JSON exports carry the same ones with the same filters, restricted details reach only the
parties' members, and bad input gets a clear 4xx."""

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone

from catalogue import services as catalogue_services
from catalogue.actors import system_actor
from catalogue.sharing import services

ENTRY_LINK = re.compile(r'href="(/sharing/[^"?#]+/)"')  # as /work/shared/checks/sharing reads the page


@pytest.fixture
def register(make_agreement, open_dataset, shared_dataset, alice):
    """Five agreements: three on the register (active, a fraud share, ended), two not
    (proposed, unpublished)."""
    today = timezone.localdate()
    on_open = {"datasets": [open_dataset], "items": [(open_dataset.pk, "severity")]}
    agreements = {
        "active": make_agreement(),
        "fraud": make_agreement(
            name="Casualty claims fraud match",
            purpose="To find false injury claims.",
            legal_gateway="dea-s56",
            special_category_condition="",
            end_date=None,
            **on_open,
        ),
        "ended": make_agreement(name="Old severity study", legal_gateway="dea-s64", **on_open),
        "proposed": make_agreement(name="Proposed postcode share", approved=False),
        "unpublished": make_agreement(name="Quiet unpublished share", published=False, **on_open),
    }
    services.agreement_end(agreement=agreements["ended"], user=alice, reason="The study finished.")
    assert agreements["active"].end_date > today
    return agreements


def page_ids(html: str) -> set[int]:
    return {int(link.strip("/").split("/")[1]) for link in ENTRY_LINK.findall(html)}


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def listed(client, query: str = "") -> tuple[set[int], set[int], set[int]]:
    """The entries of the page, the CSV and the JSON for the same query string."""
    suffix = f"?{query}" if query else ""
    page = client.get(f"/sharing/{suffix}")
    assert page.status_code == 200
    rows = csv_rows(client.get(f"/sharing.csv{suffix}"))
    data = client.get(f"/sharing.json{suffix}").json()
    assert data["count"] == len(data["entries"])
    return page_ids(page.content.decode()), {int(r["id"]) for r in rows}, {e["id"] for e in data["entries"]}


def test_the_page_lists_exactly_the_agreements_on_the_register(client, register):
    html = client.get("/sharing/").content.decode()
    expected = {register[k].pk for k in ("active", "fraud", "ended")}
    assert page_ids(html) == expected
    assert "Proposed postcode share" not in html and "Quiet unpublished share" not in html
    assert "Office for Health Statistics" in html and "Department for Transport" in html
    # Newest first (the latest start date); all three start on the same day here, so by id.
    positions = [html.index(register[k].name) for k in ("ended", "fraud", "active")]
    assert positions == sorted(positions)


def test_page_csv_and_json_carry_the_same_entries_as_the_acceptance_check_counts(client, register):
    page, rows, entries = listed(client)
    assert page == rows == entries == {register[k].pk for k in ("active", "fraud", "ended")}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("organisation=dft", {"active", "fraud", "ended"}),
        ("organisation=ohs", {"active", "fraud", "ended"}),
        ("legal_power=dea-s56", {"fraud"}),
        ("legal_power=gdpr-9-2-i", {"active", "ended"}),
        ("legal_power=dea-s64", {"ended"}),
        ("status=ended", {"ended"}),
        ("status=active", {"active", "fraud"}),
        ("q=false+injury", {"fraud"}),
        ("q=Postcode+of+residence", {"active"}),  # a data item's title
        ("q=transport", {"active", "fraud", "ended"}),  # the recipient's name
        ("q=nothing+matches+this", set()),
    ],
)
def test_each_filter_narrows_the_page_and_both_exports_alike(client, register, query, expected):
    page, rows, entries = listed(client, query)
    assert page == rows == entries == {register[k].pk for k in expected}


def test_the_dataset_filter_and_the_download_links_keep_the_filters(client, register, open_dataset, make_dataset):
    page, rows, entries = listed(client, f"dataset={open_dataset.slug}")
    assert page == rows == entries == {register["fraud"].pk, register["ended"].pk}
    html = client.get(f"/sharing/?dataset={open_dataset.slug}&status=ended").content.decode()
    assert f'href="/sharing.csv?status=ended&amp;dataset={open_dataset.slug}"' in html
    other = make_dataset("Unshared dataset")
    assert listed(client, f"dataset={other.slug}") == (set(), set(), set())


def test_an_organisation_on_neither_side_has_no_entries(client, register, make_dataset):
    from catalogue.models import Organisation

    Organisation.objects.create(name="Met Office", slug="met-office")
    assert listed(client, "organisation=met-office") == (set(), set(), set())


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("legal_power=bogus", "is not a legal power"),
        ("organisation=no-such-body", "There is no organisation"),
        ("status=pending", "is not a status"),
        ("dataset=no-such-dataset", "There is no dataset"),
        ("q=" + "x" * 5000, "at most 200 characters"),
    ],
)
def test_bad_filter_values_get_a_clear_message_and_no_entries(client, register, query, message):
    page = client.get(f"/sharing/?{query}")
    assert page.status_code == 400
    html = page.content.decode()
    assert message in html and page_ids(html) == set()
    assert client.get(f"/sharing.csv?{query}").status_code == 400
    response = client.get(f"/sharing.json?{query}")
    assert response.status_code == 400 and any(message in e for e in response.json()["errors"])
    assert client.get(f"/sharing.ttl?{query}").status_code == 400


@pytest.mark.parametrize("query", ["q=fraud%00", "organisation=dft%00", "legal_power=%00", "dataset=%00x"])
@pytest.mark.parametrize("path", ["/sharing/", "/sharing.csv", "/sharing.json", "/sharing.ttl"])
def test_nul_bytes_are_refused_with_400(client, register, path, query):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400 and b"NUL" in response.content


def test_a_restricted_dataset_cannot_be_probed_through_the_dataset_filter(client_for, register, shared_dataset, ruth):
    query = f"dataset={shared_dataset.slug}"
    assert client_for(None).get(f"/sharing/?{query}").status_code == 400  # as if it did not exist
    # The recipient's member sees it while the agreement is in force.
    page, rows, entries = listed(client_for(ruth), query)
    assert page == rows == entries == {register["active"].pk}


def test_unknown_agreements_and_formats_are_404(client, register):
    assert client.get("/sharing/999999/").status_code == 404
    assert client.get("/sharing/999999.ttl").status_code == 404
    assert client.get(f"/sharing/{register['active'].pk}.exe").status_code == 404
    assert client.get("/sharing.exe").status_code == 404


def test_csv_columns_and_values(client, register, shared_dataset):
    rows = {int(r["id"]): r for r in csv_rows(client.get("/sharing.csv"))}
    response = client.get("/sharing.csv")
    assert 'filename="sharing-register.csv"' in response["Content-Disposition"]
    row = rows[register["active"].pk]
    assert row["url"] == f"http://testserver/sharing/{register['active'].pk}/"
    assert row["provider"] == "Office for Health Statistics" and row["recipient"] == "Department for Transport"
    assert row["legal_power"].startswith("Digital Economy Act 2017 s.35")
    assert row["lawful_basis"] == "UK GDPR Art. 6(1)(e) public task"
    assert row["special_category_condition"] == "UK GDPR Art. 9(2)(i) public health"
    # The restricted dataset is not named to the public; its data items are (the parties published them).
    assert row["datasets"] == "a restricted dataset of Office for Health Statistics"
    assert "postcode" in row["data_items"] and "admitted_on" in row["data_items"]
    assert shared_dataset.title not in response.content.decode()
    assert row["status"] == "active" and row["charge"] == "" and row["end_date"] == str(register["active"].end_date)
    assert rows[register["fraud"].pk]["end_date"] == ""


def test_csv_cells_a_spreadsheet_would_run_are_neutralised(client, make_agreement, ruth):
    make_agreement(name='=HYPERLINK("http://evil.example/")')
    rows = csv_rows(client.get("/sharing.csv"))
    assert rows[0]["name"] == '\'=HYPERLINK("http://evil.example/")'


@pytest.mark.parametrize(("persona", "party"), [("anon", False), ("charlie", False), ("alice", True), ("ravi", True)])
def test_processors_and_security_handling_only_reach_the_parties_members(request, client_for, register, persona, party):
    user = None if persona == "anon" else request.getfixturevalue(persona)
    client = client_for(user)
    agreement = register["active"]
    processor, handling = "NHS Digital Data Processing Service", "Encrypted at rest"
    page = client.get(f"/sharing/{agreement.pk}/").content.decode()
    assert (processor in page) is party and (handling in page) is party
    row = next(r for r in csv_rows(client.get("/sharing.csv")) if int(r["id"]) == agreement.pk)
    assert (row["processors"] == processor) is party and (handling in row["security_handling"]) is party
    if not party:
        assert row["processors"] == row["security_handling"] == ""
    entry = next(e for e in client.get("/sharing.json").json()["entries"] if e["id"] == agreement.pk)
    assert (entry["processors"] == [processor]) is party and (entry["security_handling"] is not None) is party
    ttl = client.get(f"/sharing/{agreement.pk}.ttl").content.decode()
    assert (processor in ttl) is party and (handling in ttl) is party


def test_the_agreement_page_says_it_in_plain_english(client, register, shared_dataset):
    agreement = register["active"]
    response = client.get(f"/sharing/{agreement.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "<strong>Office for Health Statistics</strong> gives data to <strong>Department for Transport</strong>",
        "so DfT can count serious injuries",  # purpose
        "Better estimates of seriously injured casualties",  # benefits
        "Digital Economy Act 2017 s.35 (public service delivery)",
        "to improve the wellbeing of individuals or households",  # the power explained
        "UK GDPR Art. 9(2)(i) public health",
        "A restricted dataset of Office for Health Statistics",
        "<code>postcode</code>",
        "Postcode of residence",
        "Secure file transfer (SFTP)",
        "OFFICIAL-SENSITIVE",
        "Two years from receipt, then securely deleted.",
        f"Until {agreement.end_date:%-d %B %Y}",
        "OHS data sharing team",
        "sharing@ohs.example.gov",
        "Shared between them",
        "No charge",
        "The recipient",
        "Became active",
    ):
        assert text in html, text
    assert shared_dataset.title not in html
    assert "alice" not in html and "ruth" not in html  # who did it: only the parties see names
    assert f'<link rel="alternate" type="text/turtle" href="/sharing/{agreement.pk}.ttl"' in html
    assert f'href="/sharing/{agreement.pk}.ttl"' in html


def test_the_parties_see_the_dataset_named_and_who_approved(client_for, register, shared_dataset, ruth):
    html = client_for(ruth).get(f"/sharing/{register['active'].pk}/").content.decode()
    assert f'<a href="/datasets/{shared_dataset.slug}/">{shared_dataset.title}</a>' in html
    assert "(ruth)" in html and "(alice)" in html


def test_an_ended_agreement_gives_its_reason_and_a_field_gone_from_the_dictionary_is_marked(
    client, register, open_dataset
):
    catalogue_services.fields_replace(
        dataset=open_dataset, user=system_actor("tests"), rows=[{"name": "casualty_id", "title": "Casualty reference"}]
    )
    html = client.get(f"/sharing/{register['ended'].pk}/").content.decode()
    assert "The study finished." in html and "Ended" in html
    assert "No longer in the dataset's dictionary" in html
    assert f'<a href="/datasets/{open_dataset.slug}/">' in html


def test_an_agreement_with_no_end_date_runs_until_ended(client, register):
    assert "Runs until ended" in client.get(f"/sharing/{register['fraud'].pk}/").content.decode()


@pytest.mark.parametrize(("persona", "status"), [("anon", 404), ("charlie", 404), ("alice", 200), ("ravi", 200)])
def test_agreements_off_the_register_open_only_for_the_parties(request, client_for, register, persona, status):
    user = None if persona == "anon" else request.getfixturevalue(persona)
    client = client_for(user)
    for key in ("proposed", "unpublished"):
        response = client.get(f"/sharing/{register[key].pk}/")
        assert response.status_code == status
        assert client.get(f"/sharing/{register[key].pk}.ttl").status_code == status
        if status == 200:
            assert "Not on the public register" in response.content.decode()
    # Never on the register, even for the parties: the register is the public list.
    assert register["proposed"].pk not in listed(client)[0]


def test_the_agreement_uri_leads_to_its_page(client, register):
    agreement = register["active"]
    response = client.get(f"/id/agreement/{agreement.pk}")
    assert response.status_code == 302 and response["Location"] == f"/sharing/{agreement.pk}/"
    assert client.get(f"/id/agreement/{register['proposed'].pk}").status_code == 404


def test_an_agreement_past_its_end_date_says_it_ended(client, make_agreement):
    today = timezone.localdate()
    agreement = make_agreement(start_date=today - datetime.timedelta(days=30), end_date=today)
    assert f"Until {today:%-d %B %Y}" in client.get(f"/sharing/{agreement.pk}/").content.decode()


def test_an_agreement_a_party_ended_says_so_instead_of_its_dates(client, register):
    ended = register["ended"]
    html = client.get(f"/sharing/{ended.pk}/").content.decode()
    assert f"Ended by the parties (it was to run until {ended.end_date:%-d %B %Y})" in html
    assert "ended by the parties" in client.get("/sharing/?status=ended").content.decode()


@pytest.mark.parametrize("path", ["/sharing/", "/sharing.csv", "/sharing.json", "/sharing.ttl"])
def test_the_register_takes_the_same_queries_for_1_and_4_entries(client_for, make_agreement, ravi, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(ravi)
    client.get("/")  # warms what a process loads once

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    make_agreement()
    one = count()
    for n in range(3):
        make_agreement(name=f"Another share {n}")
    assert count() == one


@pytest.mark.parametrize("path", ["/sharing.csv", "/sharing.json"])
def test_exports_carry_an_etag_and_answer_304_until_the_register_changes(client, make_agreement, alice, path):
    agreement = make_agreement()
    first = client.get(path)
    etag = first["ETag"]
    assert etag and "Cookie" in first["Vary"]
    again = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    services.agreement_suspend(agreement=agreement, user=alice, reason="Audit.")
    changed = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_an_other_statute_agreement_gives_its_citation(client, make_agreement):
    agreement = make_agreement(legal_gateway="other-statute", legal_citation="Health and Social Care Act 2012 s.261")
    html = client.get(f"/sharing/{agreement.pk}/").content.decode()
    assert "Another law permits this sharing" in html and "Health and Social Care Act 2012 s.261" in html
    row = next(r for r in csv_rows(client.get("/sharing.csv")) if int(r["id"]) == agreement.pk)
    assert row["legal_power"] == "Other statute (see citation)"
    assert row["citation"] == "Health and Social Care Act 2012 s.261"


def test_an_expired_agreement_is_listed_as_expired_with_its_reason(client, make_agreement):
    today = timezone.localdate()
    agreement = make_agreement(start_date=today - datetime.timedelta(days=30), end_date=today)
    assert services.agreements_expire(on=today + datetime.timedelta(days=1)) == 1
    assert listed(client, "status=expired")[0] == {agreement.pk}
    assert listed(client, "status=active") == (set(), set(), set())
    html = client.get(f"/sharing/{agreement.pk}/").content.decode()
    assert f"The end date, {today:%-d %B %Y}, has passed." in html
