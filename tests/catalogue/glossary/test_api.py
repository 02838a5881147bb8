"""The glossary and the compatibility check in the REST API, as a client uses them: read schemes
and concepts (search, links, versions), change a concept with a stale check (409), match two
schemes' concepts, link data dictionary fields to concepts and code lists, and compare."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalogue import services as catalogue_services
from catalogue.actors import system_actor
from catalogue.glossary import services
from catalogue.glossary.models import Concept, ConceptLink, ConceptScheme
from catalogue.models import Dataset, Field

Kind = ConceptLink.Kind


def client_as(user):
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def draft_scheme(alice, ohs):
    scheme = services.scheme_create(alice, organisation=ohs, title="Draft definitions")
    services.concept_create(alice, scheme, pref_label="Secret household", definition="Not yet agreed.")
    return scheme


def test_schemes_and_concepts_are_read_by_anyone_drafts_by_members(db, household, travel_household, draft_scheme, vera):
    schemes = client_as(None).get("/api/v1/glossary/schemes/").json()
    assert [s["title"] for s in schemes["results"]] == [
        "Population and household definitions",
        "Transport survey definitions",
    ]
    assert schemes["results"][0]["organisation"] == "ohs" and schemes["results"][0]["concept_count"] == 1
    assert client_as(None).get(f"/api/v1/glossary/schemes/{draft_scheme.slug}/").status_code == 404
    assert client_as(vera).get(f"/api/v1/glossary/schemes/{draft_scheme.slug}/").status_code == 200
    labels = [c["pref_label"] for c in client_as(None).get("/api/v1/glossary/concepts/").json()["results"]]
    assert labels == ["Household", "Household"]
    assert "Secret household" in [
        c["pref_label"] for c in client_as(vera).get("/api/v1/glossary/concepts/").json()["results"]
    ]


def test_concepts_filter_by_scheme_and_search_best_match_first(db, alice, ohs_scheme, household, travel_household):
    services.concept_create(alice, ohs_scheme, pref_label="Household reference person", definition="The householder.")
    services.concept_create(alice, ohs_scheme, pref_label="Dwelling", definition="A household's accommodation.")
    found = client_as(None).get(f"/api/v1/glossary/concepts/?scheme={ohs_scheme.slug}&q=household").json()
    assert [c["pref_label"] for c in found["results"]] == ["Household", "Household reference person", "Dwelling"]
    assert client_as(None).get("/api/v1/glossary/concepts/?q=zebra").json()["count"] == 0


def test_concept_detail_has_links_from_both_sides_and_versions(db, alice, dora, household, travel_household):
    services.link_add(dora, travel_household, Kind.CLOSE_MATCH, household.uri)
    services.concept_update(alice, household, definition="Changed.", change_note="Clarified.")
    detail = client_as(None).get(f"/api/v1/glossary/concepts/{household.pk}/").json()
    assert detail["version"] == 2
    assert [(v["version"], v["change_note"]) for v in detail["versions"]] == [(2, "Clarified."), (1, "First recorded.")]
    assert detail["links"] == [
        {
            "id": ConceptLink.objects.get().pk,
            "kind": "closeMatch",
            "target_uri": travel_household.uri,
            "stated_by": travel_household.uri,
        }
    ]


def test_editors_create_and_change_concepts_with_a_stale_check(db, bob, ohs_scheme):
    client = client_as(bob)
    made = client.post(
        "/api/v1/glossary/concepts/",
        {"scheme": ohs_scheme.slug, "pref_label": "Usual resident", "definition": "Staying 12 months or more."},
        format="json",
    )
    assert made.status_code == 201, made.content
    concept = Concept.objects.get(pref_label="Usual resident")
    assert made.json()["uri"] == concept.uri and concept.versions.count() == 1
    url = f"/api/v1/glossary/concepts/{concept.pk}/"
    changed = client.patch(url, {"definition": "In the UK 12 months or more.", "version": 1}, format="json")
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = client.patch(url, {"definition": "Someone else's edit.", "version": 1}, format="json")
    assert stale.status_code == 409
    assert "version 2" in stale.json()["detail"]
    concept.refresh_from_db()
    assert concept.definition == "In the UK 12 months or more." and concept.versions.count() == 2


def test_bad_and_forbidden_concept_writes_change_nothing(db, bob, dora, charlie, ohs_scheme, household):
    refused = client_as(dora).patch(
        f"/api/v1/glossary/concepts/{household.pk}/", {"definition": "DfT's idea"}, format="json"
    )
    assert refused.status_code == 403
    duplicate = client_as(bob).post(
        "/api/v1/glossary/concepts/", {"scheme": ohs_scheme.slug, "pref_label": "household"}, format="json"
    )
    assert duplicate.status_code == 400 and "already has a concept" in str(duplicate.json())
    anonymous = client_as(None).post(
        "/api/v1/glossary/concepts/", {"scheme": ohs_scheme.slug, "pref_label": "X"}, format="json"
    )
    assert anonymous.status_code == 401
    assert client_as(charlie).delete(f"/api/v1/glossary/concepts/{household.pk}/").status_code == 403
    household.refresh_from_db()
    assert household.definition.startswith("One person") and Concept.objects.count() == 1


def test_matching_two_schemes_and_removing_the_match(db, dora, alice, household, travel_household):
    client = client_as(dora)
    body = {"concept": travel_household.pk, "kind": "exactMatch", "target_uri": household.uri}
    added = client.post("/api/v1/glossary/links/", body, format="json")
    assert added.status_code == 201, added.content
    assert client.post("/api/v1/glossary/links/", body, format="json").status_code == 200
    # SKOS S46: an exactMatch cannot also be a relatedMatch of the same concept.
    clash = client.post(
        "/api/v1/glossary/links/",
        {"concept": travel_household.pk, "kind": "relatedMatch", "target_uri": household.uri},
        format="json",
    )
    assert clash.status_code == 400 and "S46" in str(clash.json())
    # Only DfT's editors state (and remove) DfT's links.
    link_id = added.json()["id"]
    assert client_as(alice).delete(f"/api/v1/glossary/links/{link_id}/").status_code == 403
    assert client.delete(f"/api/v1/glossary/links/{link_id}/").status_code == 204
    assert not ConceptLink.objects.exists()


def test_fields_link_to_a_concept_and_a_code_list_and_the_compare_endpoint_sees_it(
    db, bob, dora, make_dataset, dft, household, travel_household, ohs_scheme
):
    ours = make_dataset("Household survey")
    theirs = make_dataset("Travel survey", publisher=dft)
    actor = system_actor("tests")
    mine = catalogue_services.field_save(dataset=ours, user=actor, data={"name": "households"})
    catalogue_services.field_save(
        dataset=theirs, user=actor, data={"name": "households", "concept_uri": travel_household.uri}
    )
    linked = client_as(bob).patch(
        f"/api/v1/fields/{mine.pk}/",
        {"concept_uri": household.uri, "code_list_uri": ohs_scheme.uri},
        format="json",
    )
    assert linked.status_code == 200, linked.content
    mine.refresh_from_db()
    assert (mine.concept_uri, mine.code_list_uri) == (household.uri, ohs_scheme.uri)

    answer = client_as(None).get(f"/api/v1/compare/?datasets={ours.slug},{theirs.slug}")
    assert answer.status_code == 200
    body = answer.json()
    assert [d["slug"] for d in body["datasets"]] == [ours.slug, theirs.slug]
    assert body["counts"]["conflicting"] == 1 and body["counts"]["joinable"] == 0
    conflict = body["pairs"][0]["conflicting"][0]
    assert conflict["left"]["concept"]["definition"].startswith("One person living alone")
    assert conflict["right"]["concept"]["organisation"] == "Department for Transport"

    # Matching the two schemes' households makes the fields joinable.
    client_as(dora).post(
        "/api/v1/glossary/links/",
        {"concept": travel_household.pk, "kind": "exactMatch", "target_uri": household.uri},
        format="json",
    )
    body = client_as(None).get(f"/api/v1/compare/?datasets={ours.slug},{theirs.slug}").json()
    assert body["counts"]["joinable"] == 1 and body["counts"]["conflicting"] == 0
    assert body["pairs"][0]["joinable"][0]["code_list"] == {"left": ohs_scheme.uri, "right": "", "verdict": "differ"}


def test_compare_endpoint_refuses_bad_requests_and_hides_what_the_caller_may_not_see(db, make_dataset, charlie, vera):
    one = make_dataset("One")
    hidden = make_dataset("Hidden", access_rights=Dataset.AccessRights.RESTRICTED)
    assert client_as(None).get(f"/api/v1/compare/?datasets={one.slug}").status_code == 400
    assert client_as(None).get("/api/v1/compare/").status_code == 400
    assert client_as(None).get("/api/v1/compare/?datasets=a,b,c,d,e,f").status_code == 400
    assert client_as(None).get(f"/api/v1/compare/?datasets={one.slug},{one.slug}").status_code == 400
    for user in (None, charlie):
        answer = client_as(user).get(f"/api/v1/compare/?datasets={one.slug},{hidden.slug}")
        unknown = client_as(user).get(f"/api/v1/compare/?datasets={one.slug},no-such-thing")
        assert answer.status_code == unknown.status_code == 404
        assert answer.json()["detail"] == f"There is no dataset “{hidden.slug}” that you may see."
    assert client_as(vera).get(f"/api/v1/compare/?datasets={one.slug},{hidden.slug}").status_code == 200


def test_the_schema_documents_the_glossary_and_compare_endpoints(client, db):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    assert {"/api/v1/compare/", "/api/v1/glossary/concepts/", "/api/v1/glossary/links/"} <= set(paths)
    assert Field.objects.count() == 0 and ConceptScheme.objects.count() == 0


def test_list_endpoints_cost_the_same_queries_however_many_rows(
    db, alice, ohs, household, travel_household, django_assert_max_num_queries
):
    client = client_as(None)
    with django_assert_max_num_queries(10) as few:
        client.get("/api/v1/glossary/schemes/")
        client.get("/api/v1/glossary/concepts/")
    for n in range(5):
        scheme = services.scheme_create(
            alice, organisation=ohs, title=f"Scheme {n}", status=ConceptScheme.Status.PUBLISHED
        )
        for m in range(3):
            services.concept_create(alice, scheme, pref_label=f"Concept {m}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/glossary/schemes/").json()["count"] == 7
        assert client.get("/api/v1/glossary/concepts/").json()["count"] == 17


HUGE = "1" + "0" * 23


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/glossary/concepts/{HUGE}/",
        "/api/v1/glossary/concepts/x/",
        f"/api/v1/glossary/links/{HUGE}/",
        f"/api/v1/glossary/concepts/?page={HUGE}",
        "/api/v1/glossary/concepts/?q=" + "household " * 500,
        "/api/v1/glossary/concepts/?scheme=" + "x" * 5000,
        "/api/v1/compare/?datasets=" + ",".join(["x" * 3000] * 2),
        "/compare/?datasets=" + ",".join(["x" * 3000] * 2),
        "/compare/?with=" + "x" * 5000,
    ],
)
def test_hostile_reads_get_a_clear_answer_never_a_500(db, household, path):
    response = APIClient(raise_request_exception=False).get(path)
    assert response.status_code in (200, 400, 404), (path, response.status_code)


@pytest.mark.parametrize(
    "body",
    [
        {"concept": HUGE, "kind": "exactMatch", "target_uri": "https://example.org/x"},
        {"concept": "x", "kind": "exactMatch", "target_uri": "https://example.org/x"},
        {"concept": 1, "kind": "sameAs", "target_uri": "https://example.org/x"},
        {"concept": 1, "kind": "exactMatch", "target_uri": "not an iri with spaces"},
        {"concept": 1, "kind": "exactMatch", "target_uri": "https://example.org/" + "x" * 600},
        [1, 2, 3],
    ],
)
def test_hostile_link_writes_are_refused_and_change_nothing(db, bob, household, body):
    if isinstance(body, dict) and body.get("concept") == 1:
        body = {**body, "concept": household.pk}
    response = client_as(bob).post("/api/v1/glossary/links/", body, format="json")
    assert response.status_code == 400, response.content
    assert not ConceptLink.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"version": HUGE, "definition": "x"},
        {"alt_labels": "not a list"},
        {"alt_labels": ["Household"]},
        {"alt_labels": [f"label {n}" for n in range(60)]},
        {"source_url": "javascript:alert(1)"},
        {"scheme": "no-such-scheme"},
    ],
)
def test_hostile_concept_changes_are_refused_and_change_nothing(db, bob, household, body):
    response = client_as(bob).patch(f"/api/v1/glossary/concepts/{household.pk}/", body, format="json")
    assert response.status_code in (400, 409), response.content
    household.refresh_from_db()
    assert (household.version, household.alt_labels) == (1, ["Private household"])
