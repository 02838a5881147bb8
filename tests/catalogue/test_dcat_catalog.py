"""/catalog, dumps and per-dataset RDF: negotiation, paging, conditional requests, no leaks."""

import pytest
from django.utils import timezone
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, RDF

from catalogue import services
from catalogue.models import Dataset
from catalogue.rdf.formats import FORMATS
from catalogue.rdf.namespaces import HYDRA
from tests.catalogue.dcat_data import derive, full_dataset, parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(ohs, dft):
    """Two catalogued datasets (one derived from the other) and one of every hidden kind."""
    source = full_dataset(ohs, "Hospital admissions")
    derived = full_dataset(dft, "Admissions by road", keywords=("transport",), fmt="JSON")
    derive(derived, source)
    hidden = {
        "draft": full_dataset(ohs, "Draft admissions", status=Dataset.Status.DRAFT),
        "withdrawn": full_dataset(ohs, "Withdrawn admissions", status=Dataset.Status.WITHDRAWN),
        "restricted": full_dataset(ohs, "Restricted admissions", access=Dataset.AccessRights.RESTRICTED),
        "non-public": full_dataset(ohs, "Secret admissions", access=Dataset.AccessRights.NON_PUBLIC),
    }
    # A public dataset derived from a restricted one must not name its source.
    orphan = full_dataset(ohs, "Public summary of restricted data")
    derive(orphan, hidden["restricted"])
    return {"source": source, "derived": derived, "orphan": orphan, "hidden": hidden}


def datasets_in(graph: Graph) -> set[str]:
    return {str(s) for s in graph.subjects(RDF.type, DCAT.Dataset)}


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("text/turtle", "text/turtle"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("application/ld+json;q=0.4, application/rdf+xml;q=0.9", "application/rdf+xml"),
        ("text/turtle;q=0, application/n-triples", "application/n-triples"),
        ("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "text/turtle"),
        ("*/*", "text/turtle"),
    ],
)
def test_catalog_negotiates_rdf_formats_honouring_q_values(client, catalogue, accept, expected):
    response = client.get("/catalog", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(expected)
    assert "Accept" in response["Vary"]
    fmt = next(f for f in FORMATS if f.media_type == expected)
    assert datasets_in(parse(response, fmt.rdflib_format))


@pytest.mark.parametrize("accept", ["text/html", "application/json", "image/png", "text/turtle;q=0"])
def test_catalog_answers_406_to_formats_it_does_not_serve(client, catalogue, accept):
    assert client.get("/catalog", HTTP_ACCEPT=accept).status_code == 406


def without_paging(graph: Graph) -> Graph:
    """The graph without its Hydra links, which name the page's own URL (and so its suffix)."""
    views = set(graph.subjects(RDF.type, HYDRA.PartialCollectionView))
    for triple in list(graph):
        if triple[0] in views or str(triple[1]).startswith(str(HYDRA)) or triple[2] == HYDRA.Collection:
            graph.remove(triple)
    return graph


def test_every_suffix_serves_the_same_graph(client, catalogue):
    graphs = {f.suffix: without_paging(parse(client.get(f"/catalog.{f.suffix}"), f.rdflib_format)) for f in FORMATS}
    turtle = graphs["ttl"]
    assert len(turtle) > 200
    for suffix, graph in graphs.items():
        assert isomorphic(graph, turtle), suffix
    dumps = {f.suffix: parse(client.get(f"/catalog/dump.{f.suffix}"), f.rdflib_format) for f in FORMATS}
    for suffix, graph in dumps.items():
        assert isomorphic(graph, dumps["ttl"]), suffix
    # The dump is the page without Hydra paging.
    assert datasets_in(dumps["ttl"]) == datasets_in(turtle)
    assert not list(dumps["ttl"].subjects(RDF.type, HYDRA.PartialCollectionView))


def test_hidden_datasets_appear_in_no_page_dump_or_dataset_rdf(client, catalogue):
    public = {catalogue["source"].uri, catalogue["derived"].uri, catalogue["orphan"].uri}
    hidden = catalogue["hidden"]
    for fmt in FORMATS:
        for url in (f"/catalog.{fmt.suffix}?page_size=1000", f"/catalog/dump.{fmt.suffix}"):
            response = client.get(url)
            body = b"".join(response.streaming_content).decode()
            assert datasets_in(Graph().parse(data=body, format=fmt.rdflib_format)) == public
            for dataset in hidden.values():
                assert dataset.uri not in body and dataset.title not in body, (url, dataset.title)
        for dataset in hidden.values():
            assert client.get(f"/datasets/{dataset.slug}.{fmt.suffix}").status_code == 404
            assert client.get(f"/datasets/{dataset.slug}/", HTTP_ACCEPT=fmt.media_type).status_code in (404, 200)
            page = client.get(f"/datasets/{dataset.slug}/", HTTP_ACCEPT=fmt.media_type)
            assert not page["Content-Type"].startswith(fmt.media_type)


def test_derivation_is_shown_only_from_a_catalogued_source(client, catalogue):
    graph = parse(client.get(f"/datasets/{catalogue['derived'].slug}.ttl"), "turtle")
    prov = "http://www.w3.org/ns/prov#"
    derived = URIRef(catalogue["derived"].uri)
    assert (derived, URIRef(prov + "wasDerivedFrom"), URIRef(catalogue["source"].uri)) in graph
    qualified = graph.value(derived, URIRef(prov + "qualifiedDerivation"))
    assert graph.value(qualified, URIRef(prov + "hadActivity")) is not None

    orphan = client.get(f"/datasets/{catalogue['orphan'].slug}.ttl").content.decode()
    assert catalogue["hidden"]["restricted"].uri not in orphan
    assert "wasDerivedFrom" not in orphan


def test_paging_follows_cursor_links_through_every_dataset_once(client, make_dataset):
    datasets = [make_dataset(f"Series {n:02}", description="d") for n in range(25)]
    seen, url, pages = [], "/catalog.ttl?page_size=10", 0
    while url:
        graph = parse(client.get(url), "turtle")
        pages += 1
        assert (
            int(
                graph.value(URIRef("http://127.0.0.1:8000/catalog"), HYDRA.totalItems)
                or graph.value(None, HYDRA.totalItems)
            )
            == 25
        )
        seen += sorted(datasets_in(graph))
        view = next(graph.subjects(RDF.type, HYDRA.PartialCollectionView))
        assert graph.value(view, HYDRA.first) and graph.value(view, HYDRA.last)
        nxt = graph.value(view, HYDRA.next)
        if pages > 1:
            assert graph.value(view, HYDRA.previous) is not None
        url = str(nxt).replace("http://testserver", "") if nxt else None
    assert pages == 3
    assert sorted(seen) == sorted(d.uri for d in datasets)

    last = parse(client.get("/catalog.ttl?page_size=10&page=3"), "turtle")
    assert len(datasets_in(last)) == 5
    second = parse(client.get("/catalog.ttl?page_size=10&page=2"), "turtle")
    view = next(second.subjects(RDF.type, HYDRA.PartialCollectionView))
    previous = parse(client.get(str(second.value(view, HYDRA.previous)).replace("http://testserver", "")), "turtle")
    first = parse(client.get("/catalog.ttl?page_size=10"), "turtle")
    assert datasets_in(previous) == datasets_in(first)
    assert client.get("/catalog.ttl?page=9").status_code == 400
    assert client.get("/catalog.ttl?cursor=nonsense").status_code == 400
    assert client.get("/catalog.ttl?page_size=abc").status_code == 400


def sql_of(client, url) -> list[str]:
    """Every SQL statement a request runs, streaming included (request_started resets
    Django's own query log, so record through an execute wrapper)."""
    from django.db import connection

    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        b"".join(client.get(url).streaming_content)
    return statements


def test_a_deep_cursor_page_takes_the_same_queries_as_the_first(client, make_dataset):
    for n in range(30):
        make_dataset(f"Row {n:02}", description="d")
    first = sql_of(client, "/catalog.ttl?page_size=5")
    graph = parse(client.get("/catalog.ttl?page_size=5&page=5"), "turtle")
    view = next(graph.subjects(RDF.type, HYDRA.PartialCollectionView))
    deep = str(graph.value(view, HYDRA.next)).replace("http://testserver", "")
    deep_sql = sql_of(client, deep)
    assert len(deep_sql) == len(first)
    # Seeks by id: no OFFSET on a cursor page, however deep.
    assert not any("OFFSET" in sql.upper() for sql in deep_sql)
    assert any("OFFSET" in sql.upper() for sql in sql_of(client, "/catalog.ttl?page_size=5&page=3"))


def test_modified_since_limits_the_page_to_recent_changes(client, catalogue, alice):
    cutoff = timezone.now()
    source = services.dataset_update(
        dataset=catalogue["source"], user=alice, data={"title": "Hospital admissions (revised)"}, expected_revision=None
    )
    graph = parse(client.get("/catalog.ttl", {"modified_since": cutoff.isoformat()}), "turtle")
    assert datasets_in(graph) == {source.uri}
    assert client.get("/catalog.ttl?modified_since=yesterday").status_code == 400


def test_conditional_requests_get_304_until_something_changes(client, catalogue, alice):
    first = client.get("/catalog.ttl")
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert client.get("/catalog.ttl", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/catalog.ttl", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert client.get("/catalog.nt", HTTP_IF_NONE_MATCH=etag).status_code == 200
    one = client.get(f"/datasets/{catalogue['source'].slug}.ttl")
    assert client.get(f"/datasets/{catalogue['source'].slug}.ttl", HTTP_IF_NONE_MATCH=one["ETag"]).status_code == 304

    source = catalogue["source"]
    keywords = [*source.keywords.values_list("name", flat=True), "hospitals"]
    services.dataset_update(dataset=source, user=alice, data={}, keywords=keywords, expected_revision=None)
    again = client.get("/catalog.ttl", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200 and again["ETag"] != etag
    assert "hospitals" in b"".join(again.streaming_content).decode()


def test_dataset_rdf_by_suffix_and_by_content_negotiation(client, catalogue):
    source = catalogue["source"]
    for fmt in FORMATS:
        by_suffix = client.get(f"/datasets/{source.slug}.{fmt.suffix}")
        assert by_suffix["Content-Type"].startswith(fmt.media_type)
        negotiated = client.get(f"/datasets/{source.slug}/", HTTP_ACCEPT=fmt.media_type)
        assert negotiated["Content-Type"].startswith(fmt.media_type)
        assert isomorphic(parse(by_suffix, fmt.rdflib_format), parse(negotiated, fmt.rdflib_format))
        assert datasets_in(parse(by_suffix, fmt.rdflib_format)) == {source.uri}
    html = client.get(f"/datasets/{source.slug}/", HTTP_ACCEPT="text/html,*/*;q=0.8")
    assert html["Content-Type"].startswith("text/html")


def test_dataset_page_embeds_schema_org_dataset_and_rdf_links(client, catalogue):
    import json
    import re

    source = catalogue["source"]
    html = client.get(f"/datasets/{source.slug}/").content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = [json.loads(b) for b in blocks]
    dataset = next(d for d in data if d.get("@type") == "Dataset")
    assert dataset["name"] == source.title
    assert dataset["distribution"][0]["contentUrl"].endswith(".csv")
    assert "health" in dataset["keywords"]
    for fmt in FORMATS:
        assert f"/datasets/{source.slug}.{fmt.suffix}" in html


def test_head_requests_get_the_headers_without_a_body(client, catalogue):
    response = client.head("/catalog.ttl")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/turtle")
    assert response["ETag"] and b"".join(response.streaming_content) == b""
    assert client.post("/catalog.ttl").status_code == 405
