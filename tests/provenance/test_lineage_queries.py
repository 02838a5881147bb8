"""Lineage answers through the REST API and the dataset page, with access rules."""

import datetime as dt

import prov
import pytest
from django.utils import timezone
from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF

from catalogue.actors import system_actor
from catalogue.models import Dataset
from provenance import queries
from provenance.models import Agent, Derivation
from provenance.services import activity_record, agent_record, derivation_remove, field_derivation_add
from tests.writes import add_field, record_check

CHAIN = ["Census", "Population estimates", "Health rates", "Regional summary", "Dashboard feed"]


@pytest.fixture
def chain(make_dataset, derive):
    """census -> population -> health-rates -> regional-summary -> dashboard-feed."""
    datasets = [make_dataset(name) for name in CHAIN]
    derive(*zip(datasets, datasets[1:], strict=False))
    return datasets


def test_upstream_is_nearest_first_with_depth_limit_and_truncated_flag(chain, client_for, anon):
    response = client_for(anon).get(f"/api/v1/datasets/{chain[4].slug}/upstream")
    assert response.status_code == 200
    body = response.json()
    assert [n["slug"] for n in body["nodes"]] == [d.slug for d in reversed(chain[:4])]
    assert [n["depth"] for n in body["nodes"]] == [1, 2, 3, 4]
    assert body["truncated"] is False
    assert {"source": chain[0].slug, "derived": chain[1].slug} in body["edges"]

    cut = client_for(anon).get(f"/api/v1/datasets/{chain[4].slug}/upstream?depth=2").json()
    assert [n["slug"] for n in cut["nodes"]] == [chain[3].slug, chain[2].slug]
    assert cut["truncated"] is True


def test_downstream_pages_with_limit(chain, client_for, anon):
    first = client_for(anon).get(f"/api/v1/datasets/{chain[0].slug}/downstream?limit=3").json()
    assert [n["slug"] for n in first["nodes"]] == [d.slug for d in chain[1:4]]
    assert first["truncated"] is True and first["next_page"] == 2
    second = client_for(anon).get(f"/api/v1/datasets/{chain[0].slug}/downstream?limit=3&page=2").json()
    assert [n["slug"] for n in second["nodes"]] == [chain[4].slug]
    assert second["next_page"] is None


def test_bad_query_parameters_get_a_clear_400(chain, client_for, anon):
    response = client_for(anon).get(f"/api/v1/datasets/{chain[0].slug}/downstream?depth=abc")
    assert response.status_code == 400
    assert "depth" in response.json()["detail"]
    response = client_for(anon).get(f"/api/v1/datasets/{chain[0].slug}/downstream?as_of=yesterday")
    assert response.status_code == 400


def test_restricted_dataset_in_the_middle_is_redacted_for_outsiders(
    make_dataset, dft, derive, client_for, charlie, bob
):
    public_source = make_dataset("Road counts", publisher=dft)
    hidden = make_dataset("Secret enforcement list", publisher=dft, access_rights=Dataset.AccessRights.RESTRICTED)
    derived = make_dataset("Casualty rates")
    derive((public_source, hidden), (hidden, derived))

    response = client_for(charlie).get(f"/api/v1/datasets/{derived.slug}/upstream")
    text = response.content.decode()
    assert "Secret enforcement list" not in text and hidden.slug not in text and hidden.uri not in text
    nodes = response.json()["nodes"]
    assert nodes[0] == {"id": "redacted-1", "depth": 1, "redacted": True, "failed_check": False}
    assert nodes[1]["slug"] == public_source.slug  # the graph's shape stays: 2 steps up via a hidden one
    assert {"source": "redacted-1", "derived": derived.slug} in response.json()["edges"]

    # Bob is an editor at OHS, not DfT: still redacted. A superuser sees it.
    assert (
        "Secret enforcement list"
        not in client_for(bob).get(f"/api/v1/datasets/{derived.slug}/upstream").content.decode()
    )
    # The hidden dataset's own lineage is a 404, not an empty answer.
    assert client_for(charlie).get(f"/api/v1/datasets/{hidden.slug}/downstream").status_code == 404


def test_superuser_sees_restricted_nodes(make_dataset, dft, derive, client_for, django_user_model):
    hidden = make_dataset("Secret enforcement list", publisher=dft, access_rights=Dataset.AccessRights.RESTRICTED)
    derived = make_dataset("Casualty rates")
    derive((hidden, derived))
    admin = django_user_model.objects.create_superuser("root", "root@example.gov", "pw")
    nodes = client_for(admin).get(f"/api/v1/datasets/{derived.slug}/upstream").json()["nodes"]
    assert nodes[0]["title"] == "Secret enforcement list"


def test_lineage_as_of_a_past_date_shows_the_derivations_valid_then(make_dataset, derive, client_for, anon):
    old_source, new_source, derived = make_dataset("Old survey"), make_dataset("New survey"), make_dataset("Rates")
    then = timezone.now() - dt.timedelta(days=30)
    (old,) = derive((old_source, derived), valid_from=then - dt.timedelta(days=30))
    derivation_remove(derivation=old, user=system_actor("tests"), when=then + dt.timedelta(days=1))
    derive((new_source, derived))

    today = client_for(anon).get(f"/api/v1/datasets/{derived.slug}/upstream").json()
    assert [n["slug"] for n in today["nodes"]] == [new_source.slug]
    past = client_for(anon).get(f"/api/v1/datasets/{derived.slug}/upstream?as_of={then.date().isoformat()}").json()
    assert [n["slug"] for n in past["nodes"]] == [old_source.slug]
    assert past["as_of"].startswith(then.date().isoformat())
    assert Derivation.objects.filter(pk=old.pk, valid_to__isnull=False).exists()  # kept, not deleted


def test_path_between_two_datasets_in_either_direction(chain, make_dataset, client_for, anon):
    down = client_for(anon).get(f"/api/v1/lineage/path?from={chain[0].slug}&to={chain[3].slug}").json()
    assert down["found"] is True and down["direction"] == "downstream" and down["length"] == 3
    assert [n["slug"] for n in down["nodes"]] == [d.slug for d in chain[:4]]
    up = client_for(anon).get(f"/api/v1/lineage/path?from={chain[3].slug}&to={chain[1].slug}").json()
    # nodes run from `from` to `to`, here against the direction of the derivations
    assert up["direction"] == "upstream" and [n["slug"] for n in up["nodes"]] == [d.slug for d in reversed(chain[1:4])]
    unrelated = make_dataset("Unrelated")
    none = client_for(anon).get(f"/api/v1/lineage/path?from={chain[0].slug}&to={unrelated.slug}").json()
    assert none["found"] is False


def test_column_lineage_upstream_and_downstream(chain, client_for, anon):
    code = add_field(chain[0], name="la_code")
    area = add_field(chain[1], name="area_code")
    total = add_field(chain[2], name="total")
    field_derivation_add(derived=area, source=code, kind="identity", user=system_actor("tests"))
    field_derivation_add(
        derived=total, source=area, kind="aggregation", description="sum by area", user=system_actor("tests")
    )
    up = client_for(anon).get(f"/api/v1/fields/{total.pk}/upstream").json()
    assert [(n["name"], n["depth"]) for n in up["nodes"]] == [("area_code", 1), ("la_code", 2)]
    assert {
        "source": str(area.pk),
        "derived": str(total.pk),
        "kind": "aggregation",
        "description": "sum by area",
    } in up["edges"]
    down = client_for(anon).get(f"/api/v1/fields/{code.pk}/downstream").json()
    assert [n["name"] for n in down["nodes"]] == ["area_code", "total"]


def test_prov_o_export_is_read_by_the_prov_package(make_dataset, derive, client_for, anon, tmp_path):
    actor = system_actor("tests")
    agent = agent_record(user=actor, data={"name": "Stats pipeline", "kind": Agent.Kind.SOFTWARE})
    activity = activity_record(
        user=actor,
        data={"name": "Summarise by region", "agent": agent, "started_at": timezone.now(), "ended_at": timezone.now()},
    )
    # The chain, its last step made by the activity.
    chain = [make_dataset(name) for name in CHAIN]
    derive(*zip(chain[:4], chain[1:4], strict=False))
    derive((chain[3], chain[4]), activity=activity)
    response = client_for(anon).get(f"/datasets/{chain[4].slug}/provenance.ttl")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/turtle")
    path = tmp_path / "prov.ttl"
    path.write_bytes(response.content)
    document = prov.read(str(path), format="rdf", rdf_format="turtle")
    derivations = [r for r in document.get_records() if r.get_type().localpart == "Derivation"]
    pairs = {
        (
            str(dict(r.formal_attributes)[prov.model.PROV_ATTR_USED_ENTITY]),
            str(dict(r.formal_attributes)[prov.model.PROV_ATTR_GENERATED_ENTITY]),
        )
        for r in derivations
    }
    assert len([r for r in derivations if r.identifier is not None]) == 4  # one qualified derivation each
    assert len(pairs) == 4
    activities = [r for r in document.get_records() if r.get_type().localpart == "Activity"]
    assert [str(a.identifier).rsplit(":", 1)[-1] for a in activities] == [activity.uri.rsplit("/", 1)[-1]]

    jsonld = client_for(anon).get(f"/datasets/{chain[4].slug}/provenance.jsonld")
    graph = Graph().parse(data=jsonld.content, format="json-ld")
    assert len(list(graph.subjects(RDF.type, PROV.Derivation))) == 4


def test_prov_o_export_keeps_hidden_datasets_as_blank_entities(
    make_dataset, dft, derive, client_for, charlie, tmp_path
):
    hidden = make_dataset("Secret enforcement list", publisher=dft, access_rights=Dataset.AccessRights.RESTRICTED)
    derived = make_dataset("Casualty rates")
    derive((hidden, derived))
    turtle = client_for(charlie).get(f"/datasets/{derived.slug}/provenance.ttl").content.decode()
    assert "Secret enforcement" not in turtle and hidden.uri not in turtle
    graph = Graph().parse(data=turtle, format="turtle")
    (source,) = graph.objects(URIRef(derived.uri), PROV.wasDerivedFrom)
    assert "/.well-known/genid/" in str(source)  # a (skolemised) blank node
    assert set(graph.predicate_objects(source)) == {(RDF.type, PROV.Entity)}
    (qualified,) = graph.objects(URIRef(derived.uri), PROV.qualifiedDerivation)
    assert (qualified, PROV.hadActivity, None) not in graph and (qualified, PROV.atTime, None) not in graph
    # a fresh one on each export, so two exports cannot be joined on it
    again = Graph().parse(
        data=client_for(charlie).get(f"/datasets/{derived.slug}/provenance.ttl").content, format="turtle"
    )
    assert source not in set(again.objects(URIRef(derived.uri), PROV.wasDerivedFrom))
    # and the prov package reads it
    path = tmp_path / "prov.ttl"
    path.write_text(turtle)
    document = prov.read(str(path), format="rdf", rdf_format="turtle")
    assert any(r.get_type().localpart == "Derivation" for r in document.get_records())


def fail_check(dataset, outcome="fail", minutes_ago=0):
    return record_check(
        dataset, "No missing area codes", outcome, run_at=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )


def test_failed_check_upstream_warns_every_downstream_page_until_it_passes(chain, client_for, anon):
    fail_check(chain[1], minutes_ago=5)
    page = client_for(anon).get(f"/datasets/{chain[3].slug}/").content.decode()
    assert "An upstream dataset failed a check" in page
    assert f'href="/datasets/{chain[1].slug}/#checks"' in page
    assert (
        "An upstream dataset failed a check" not in client_for(anon).get(f"/datasets/{chain[0].slug}/").content.decode()
    )
    assert queries.datasets_with_failed_upstream_ids() == {d.pk for d in chain[2:]}

    fail_check(chain[1], outcome="pass")  # the same check, run again, passes
    assert (
        "An upstream dataset failed a check" not in client_for(anon).get(f"/datasets/{chain[3].slug}/").content.decode()
    )
    assert queries.datasets_with_failed_upstream_ids() == set()


def test_dataset_page_draws_the_lineage_picture_and_text_list(chain, client_for, anon):
    page = client_for(anon).get(f"/datasets/{chain[2].slug}/").content.decode()
    assert "<svg" in page and 'class="lineage-node is-current"' in page
    assert f'href="/datasets/{chain[1].slug}/#lineage"' in page  # a node moves the picture there
    assert "Built from" in page and "Used to build" in page
    assert "1 step upstream" in page and "2 steps downstream" in page
    assert '<script src="http' not in page


def test_publisher_dashboard_alert_lists_their_affected_datasets(chain, rf, bob, charlie):
    from django.template import Context, Template

    fail_check(chain[0])
    template = Template("{% load lineage %}{% upstream_failure_alerts %}")
    request = rf.get("/")
    request.user = bob  # chain datasets belong to OHS, where Bob edits
    html = template.render(Context({"request": request}))
    assert "Regional summary" in html and "Census" in html
    request.user = charlie
    assert "Regional summary" not in template.render(Context({"request": request}))
