"""Cursor pages of /api/v1/datasets/: the same datasets as the numbered pages, in the same order,
for every caller, filter and ordering; a cursor the catalogue did not give out is a 400."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser

from catalogue import access, services
from catalogue.actors import system_actor
from catalogue.dcat.pages import encode_cursor
from catalogue.models import Dataset
from tests.conftest import client_as, term

LIST = "/api/v1/datasets/"


@pytest.fixture
def catalogue(ohs, dft):
    """23 datasets of two publishers: published, draft, restricted, withdrawn; some share a
    moment of change, a quality score or none, a theme or a keyword."""
    actor = system_actor("tests")
    statuses = [Dataset.Status.PUBLISHED] * 3 + [Dataset.Status.DRAFT, Dataset.Status.WITHDRAWN]
    made = []
    for n in range(23):
        data = {
            "title": f"Series {n:02d} {'beds' if n % 3 else 'roads'}",
            "description": f"Series {n}: counts by region and month.",
            "licence": term("licence", "OGL_3_0"),
            "status": statuses[n % len(statuses)],
            "access_rights": Dataset.AccessRights.RESTRICTED if n % 7 == 6 else Dataset.AccessRights.PUBLIC,
        }
        if data["status"] == Dataset.Status.WITHDRAWN:
            data["withdrawn_reason"] = "Superseded"
        made.append(
            services.dataset_import(
                user=actor,
                organisation=ohs if n % 2 else dft,
                data=data,
                keywords=["hospital"] if n % 4 == 0 else ["transport"],
                themes=[term("theme", "HEAL")] if n % 3 else [term("theme", "TRAN")],
            )
        )
    # Ties: groups of four datasets changed at the same moment, scores in three values and NULL.
    moment = datetime.datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=datetime.UTC)
    for n, dataset in enumerate(made):
        Dataset.objects.filter(pk=dataset.pk).update(
            updated_at=moment + datetime.timedelta(minutes=n // 4),
            quality_score=None if n % 5 == 0 else (n % 3) * 40,
        )
    return made


def page_walk(client, query: str, size: int) -> list[str]:
    url = f"{LIST}?page_size={size}{query}"
    slugs = []
    while url:
        body = client.get(url).json()
        slugs += [d["slug"] for d in body["results"]]
        url = body["next"]
    return slugs


def cursor_walk(client, query: str, size: int) -> tuple[list[str], list[str]]:
    """Slugs walking forward from ``cursor=`` to the end, and then back from the end."""
    url = f"{LIST}?page_size={size}{query}&cursor="
    forward, pages = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert "count" not in body
        assert len(body["results"]) <= size
        forward += [d["slug"] for d in body["results"]]
        pages.append(body)
        url = body["next"]
    backward = [d["slug"] for d in pages[-1]["results"]]
    url = pages[-1]["previous"]
    while url:
        body = client.get(url).json()
        assert len(body["results"]) == size
        backward = [d["slug"] for d in body["results"]] + backward
        url = body["previous"]
    return forward, backward


QUERIES = ["", "&publisher=ohs", "&theme=HEAL&keyword=transport", "&status=draft", "&min_quality_score=40"]
ORDERINGS = ["title", "-title", "quality_score", "-quality_score", "updated_at", "-title,quality_score"]


def in_order(slugs: list[str], terms: list[str]) -> list[str]:
    """``slugs`` sorted as PostgreSQL sorts them by ``terms`` (NULLs last going up, first going down)."""
    rows = {d.slug: d for d in Dataset.objects.filter(slug__in=slugs)}
    ordered = list(slugs)
    for t in reversed(terms):  # stable sorts, last key first
        name, descending = t.lstrip("-"), t.startswith("-")
        present = sorted(
            (s for s in ordered if getattr(rows[s], name) is not None),
            key=lambda s: getattr(rows[s], name),
            reverse=descending,
        )
        absent = [s for s in ordered if getattr(rows[s], name) is None]
        ordered = absent + present if descending else present + absent
    return ordered


@pytest.mark.parametrize("who", [None, "bob", "charlie"])
def test_cursor_pages_list_what_numbered_pages_list_in_the_same_order(catalogue, request, who):
    user = request.getfixturevalue(who) if who else None
    client = client_as(user)
    visible = set(access.visible_datasets(user or AnonymousUser()).values_list("slug", flat=True))
    for size in (1, 4, 50):
        for query in QUERIES:
            numbered = page_walk(client, query, size)
            forward, backward = cursor_walk(client, query, size)
            assert forward == numbered and backward == numbered, (size, query)
            assert len(set(numbered)) == len(numbered)
            if query == "":
                assert set(forward) == visible
                assert forward == in_order(forward, ["-updated_at", "-pk"])
    for ordering in ORDERINGS:
        query = f"&ordering={ordering}"
        numbered = page_walk(client, query, 3)
        forward, backward = cursor_walk(client, query, 3)
        assert forward == numbered and backward == numbered, ordering
        assert set(forward) == visible
        # Among ties (the same score, the same title) the id decides, in the last term's direction.
        terms = ordering.split(",")
        assert forward == in_order(forward, [*terms, "-pk" if terms[-1].startswith("-") else "pk"])


def test_an_editor_walks_more_than_everyone(catalogue, bob):
    everyone = set(cursor_walk(client_as(None), "", 5)[0])
    editor = set(cursor_walk(client_as(bob), "", 5)[0])
    assert everyone < editor
    assert {d.slug for d in catalogue if d.publisher.slug == "ohs"} <= editor


def test_empty_result_and_past_the_end(catalogue):
    client = client_as(None)
    body = client.get(f"{LIST}?publisher=nobody&cursor=").json()
    assert body == {"next": None, "previous": None, "results": []}
    last = Dataset.objects.order_by("updated_at", "pk").first()
    cursor = encode_cursor({"o": "-updated_at,-pk", "v": [last.updated_at.isoformat(), last.pk], "d": "n"})
    past = client.get(f"{LIST}?cursor={cursor}")
    assert past.status_code == 200 and past.json()["results"] == [] and past.json()["next"] is None


GARBAGE = [
    "x",
    "%%%",
    "bnVsbA",  # null
    "W10",  # []
    encode_cursor({"o": "-updated_at,-pk", "v": ["2025-01-01T00:00:00Z"], "d": "n"}),
    encode_cursor({"o": "title,pk", "v": ["a", 1], "d": "n"}),  # another ordering
    encode_cursor({"o": "-updated_at,-pk", "v": ["2025-01-01T00:00:00Z", 1], "d": "sideways"}),
    encode_cursor({"o": "-updated_at,-pk", "v": ["not a date", 1], "d": "n"}),
    encode_cursor({"o": "-updated_at,-pk", "v": ["99999-01-01T00:00:00Z", 1], "d": "n"}),
    encode_cursor({"o": "-updated_at,-pk", "v": ["2025-01-01T00:00:00Z", 10**30], "d": "n"}),
    encode_cursor({"o": "-updated_at,-pk", "v": ["2025-01-01T00:00:00Z", "1"], "d": "p"}),
    encode_cursor({"o": "-updated_at,-pk", "v": ["2025-01-01T00:00:00Z", True], "d": "p"}),
    encode_cursor({"o": "-updated_at,-pk", "v": [None, 1], "d": "n"}),
    encode_cursor({"o": "-updated_at,-pk", "v": [{"a": 1}, [1]], "d": "n"}),
    encode_cursor({"o": "-updated_at,-pk", "v": "2025", "d": "n"}),
]


TAMPERED = [
    ("title", ["a\x00b", 1]),
    ("title", [None, 1]),
    ("quality_score", [-(10**20), 1]),
    ("quality_score", [1.5, 1]),
    ("quality_score", ["1", 1]),
]


def test_a_cursor_not_given_out_is_a_clear_400(catalogue):
    client = client_as(None)
    for cursor in GARBAGE:
        response = client.get(LIST, {"cursor": cursor})
        assert response.status_code == 400, cursor
        assert "cursor" in response.json()
    for ordering, values in TAMPERED:
        cursor = encode_cursor({"o": f"{ordering},pk", "v": values, "d": "n"})
        assert client.get(LIST, {"cursor": cursor, "ordering": ordering}).status_code == 400, (ordering, values)


def test_a_cursor_for_another_ordering_is_refused(catalogue):
    client = client_as(None)
    first = client.get(f"{LIST}?page_size=2&cursor=&ordering=title").json()
    cursor = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
    assert client.get(LIST, {"cursor": cursor, "ordering": "-title"}).status_code == 400
    assert client.get(LIST, {"cursor": cursor, "ordering": "title", "page_size": 2}).status_code == 200


def test_numbered_pages_answer_as_before(catalogue):
    body = client_as(None).get(f"{LIST}?page_size=2&page=2").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert "page=3" in body["next"] and "cursor" not in body["next"]
    assert client_as(None).get(f"{LIST}?page=999").status_code == 404


def test_history_pages_by_number_even_with_a_cursor(db, make_dataset, bob):
    dataset = make_dataset("Bed occupancy")
    body = client_as(bob).get(f"{LIST}{dataset.slug}/history/?cursor=").json()
    assert "count" in body and body["results"]


def test_cursor_pages_take_a_fixed_number_of_queries(catalogue, django_assert_num_queries):
    client = client_as(None)
    first = client.get(f"{LIST}?page_size=3&cursor=").json()
    # The page (no count), then the page's keywords and themes, one query each.
    with django_assert_num_queries(3):
        assert client.get(first["next"]).status_code == 200


def test_schema_documents_the_cursor(client, db):
    schema = client.get("/api/schema/?format=json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/datasets/"]["get"]["parameters"]}
    assert "cursor" in parameters and "slower" in parameters["page"]["description"]
    history = schema["paths"]["/api/v1/datasets/{slug}/history/"]["get"]["parameters"]
    assert "cursor" not in {p["name"] for p in history}


def test_the_api_guide_explains_both_ways_of_paging(client, db):
    page = client.get("/about/api/").content.decode()
    assert "/api/v1/datasets/?cursor=" in page and "deep pages are slower" in page


@pytest.mark.parametrize("who", [None, "bob"])
def test_a_theme_lists_exactly_the_datasets_with_that_theme(catalogue, request, who):
    """The theme filter (the terms read first, then the datasets by term id) lists what the
    datasets' own themes say, in cursor and numbered pages alike; an unknown code lists none."""
    user = request.getfixturevalue(who) if who else None
    client = client_as(user)
    visible = access.visible_datasets(user or AnonymousUser())
    for code in ("HEAL", "TRAN"):
        expected = set(visible.filter(themes__code=code).values_list("slug", flat=True))
        forward, _ = cursor_walk(client, f"&theme={code}", 4)
        assert set(forward) == expected and len(forward) == len(expected) > 0, code
        assert page_walk(client, f"&theme={code}", 4) == forward
    assert cursor_walk(client, "&theme=NOT-A-THEME", 4)[0] == []
    assert client.get(f"{LIST}?theme=NOT-A-THEME").json()["count"] == 0
