"""A dataset the recipient derives from shared data records the agreement as the plan of its
derivation: in the PROV-O export (prov:qualifiedAssociation with prov:hadPlan) and on the
lineage picture ("shared under <agreement>"), for readers who may read the agreement.

The agreement is found, not stored: the one covering the source, from the source's publisher
to the derived dataset's, agreed at least once, whose dates contain the day the derivation
was recorded (catalogue.sharing.models.plans_for)."""

import datetime
import re

import prov
import pytest
from django.test import Client
from django.utils import timezone
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS

from catalogue.actors import system_actor
from catalogue.models import Dataset, Organisation
from catalogue.sharing import services
from catalogue.sharing.models import plans_for
from provenance.models import Agent, Derivation
from provenance.services import activity_record, agent_record, derivation_add

TODAY = datetime.date.today()


@pytest.fixture
def derived(dft, make_dataset):
    """DfT's public dataset, to be derived from OHS's shared one."""
    return make_dataset("Serious road injuries", publisher=dft, description="Casualties admitted to hospital.")


def derive(source, derived, user, **extra):
    return derivation_add(derived=derived, source=source, user=user, **extra)


def signed_in(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def export(client, dataset, suffix="ttl") -> Graph:
    response = client.get(f"/datasets/{dataset.slug}/provenance.{suffix}")
    assert response.status_code == 200
    return Graph().parse(data=response.content.decode(), format="turtle" if suffix == "ttl" else "json-ld")


def plans_in(graph: Graph) -> set[tuple[URIRef, URIRef, URIRef]]:
    """(activity, agent, plan) of every qualified association in the export."""
    found = set()
    for activity, association in graph.subject_objects(PROV.qualifiedAssociation):
        assert (association, RDF.type, PROV.Association) in graph
        found.add((activity, graph.value(association, PROV.agent), graph.value(association, PROV.hadPlan)))
    return found


def panel(client, dataset) -> str:
    html = client.get(f"/datasets/{dataset.slug}/").content.decode()
    return html[html.index('class="lineage-panel"') :]


# -- the PROV-O export ---------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["ttl", "jsonld"])
def test_the_derivation_names_the_agreement_as_its_plan(make_agreement, shared_dataset, derived, ruth, ravi, suffix):
    agreement = make_agreement()
    derivation = derive(shared_dataset, derived, ruth)  # Ruth reads the shared data: she may name it
    graph = export(signed_in(ravi), derived, suffix)
    (qualified,) = graph.objects(URIRef(derived.uri), PROV.qualifiedDerivation)
    assert str(qualified).endswith(f"/id/derivation/{derivation.pk}")
    (activity,) = graph.objects(qualified, PROV.hadActivity)
    assert (activity, RDF.type, PROV.Activity) in graph
    assert (activity, PROV.used, URIRef(shared_dataset.uri)) in graph
    plan = URIRef(agreement.uri)
    assert plans_in(graph) == {(activity, URIRef(derived.publisher.uri), plan)}
    assert (plan, RDF.type, PROV.Plan) in graph
    assert (plan, RDFS.label, Literal(agreement.name, lang="en")) in graph
    (page,) = graph.objects(plan, RDFS.seeAlso)
    assert str(page).endswith(f"/sharing/{agreement.pk}/")
    assert (URIRef(derived.publisher.uri), RDF.type, PROV.Organization) in graph


def test_an_activity_recorded_with_the_derivation_carries_the_plan(make_agreement, shared_dataset, derived, ruth):
    agreement = make_agreement()
    actor = system_actor("tests")
    agent = agent_record(user=actor, data={"name": "DfT casualty pipeline", "kind": Agent.Kind.SOFTWARE})
    activity = activity_record(user=actor, data={"name": "Link casualties to admissions", "agent": agent})
    derive(shared_dataset, derived, ruth, activity=activity)
    graph = export(signed_in(ruth), derived)
    assert plans_in(graph) == {(URIRef(activity.uri), URIRef(derived.publisher.uri), URIRef(agreement.uri))}
    # The pipeline that ran it stays associated too.
    assert (URIRef(activity.uri), PROV.wasAssociatedWith, URIRef(agent.uri)) in graph


def test_one_activity_using_two_shared_sources_has_one_association(
    make_agreement, make_dataset, shared_dataset, derived, ruth
):
    second = make_dataset("Patient episodes, Wales", access_rights=Dataset.AccessRights.RESTRICTED)
    agreement = make_agreement(datasets=[shared_dataset, second])  # no dictionary for the second: no items
    actor = system_actor("tests")
    activity = activity_record(user=actor, data={"name": "Link casualties to admissions"})
    derive(shared_dataset, derived, ruth, activity=activity)
    derive(second, derived, ruth, activity=activity)
    graph = export(signed_in(ruth), derived)
    assert len(set(graph.objects(URIRef(derived.uri), PROV.wasDerivedFrom))) == 2
    assert len(list(graph.objects(URIRef(activity.uri), PROV.qualifiedAssociation))) == 1
    assert plans_in(graph) == {(URIRef(activity.uri), URIRef(derived.publisher.uri), URIRef(agreement.uri))}


def test_the_export_with_a_plan_is_read_by_the_prov_package(make_agreement, shared_dataset, derived, ruth, tmp_path):
    agreement = make_agreement()
    derive(shared_dataset, derived, ruth)
    path = tmp_path / "prov.ttl"
    path.write_bytes(signed_in(ruth).get(f"/datasets/{derived.slug}/provenance.ttl").content)
    document = prov.read(str(path), format="rdf", rdf_format="turtle")
    kinds = {record.get_type().localpart for record in document.get_records()}
    assert {"Derivation", "Association", "Activity"} <= kinds
    associations = [r for r in document.get_records() if r.get_type().localpart == "Association"]
    plans = {dict(r.formal_attributes)[prov.model.PROV_ATTR_PLAN].uri for r in associations}
    assert plans == {agreement.uri}
    agents = {dict(r.formal_attributes)[prov.model.PROV_ATTR_AGENT].uri for r in associations}
    assert agents == {derived.publisher.uri}


# -- who sees the plan ---------------------------------------------------------------------


@pytest.fixture
def public_source(make_dataset):
    dataset = make_dataset("Hospital admissions by area")
    from catalogue import services as catalogue_services

    catalogue_services.fields_replace(
        dataset=dataset, user=system_actor("tests"), rows=[{"name": "area", "title": "Area"}, {"name": "admissions"}]
    )
    return dataset


@pytest.mark.parametrize("published", [True, False])
def test_the_plan_shows_to_everyone_when_on_the_register_otherwise_to_the_parties(
    make_agreement, public_source, derived, ruth, ravi, vera, charlie, published
):
    agreement = make_agreement(datasets=[public_source], items=[(public_source.pk, "area")], published=published)
    derive(public_source, derived, ruth)
    plan = URIRef(agreement.uri)
    for reader in (ravi, vera):  # the recipient's and the provider's members
        assert {p for _, _, p in plans_in(export(signed_in(reader), derived))} == {plan}
        assert f'href="/sharing/{agreement.pk}/"' in panel(signed_in(reader), derived)
    for stranger in (None, charlie):
        graph = export(signed_in(stranger), derived)
        assert URIRef(public_source.uri) in set(graph.objects(URIRef(derived.uri), PROV.wasDerivedFrom))
        assert ({p for _, _, p in plans_in(graph)} == {plan}) is published
        assert (f'href="/sharing/{agreement.pk}/"' in panel(signed_in(stranger), derived)) is published


def test_no_plan_beside_a_source_the_reader_may_not_see(make_agreement, shared_dataset, derived, ruth, charlie):
    agreement = make_agreement(published=True)
    derive(shared_dataset, derived, ruth)
    turtle = signed_in(charlie).get(f"/datasets/{derived.slug}/provenance.ttl").content.decode()
    assert agreement.uri not in turtle and agreement.name not in turtle
    assert agreement.name not in panel(signed_in(charlie), derived)


# -- which agreement -----------------------------------------------------------------------


def _pair(derivation):
    return (derivation.source_id, derivation.derived_id, derivation.valid_from)


def test_the_plan_is_the_latest_agreement_whose_dates_contain_the_derivation(
    make_agreement, shared_dataset, derived, ruth
):
    older = make_agreement(name="Older", start_date=TODAY - datetime.timedelta(days=300))
    newer = make_agreement(name="Newer", start_date=TODAY - datetime.timedelta(days=10))
    later = make_agreement(name="Not yet", start_date=TODAY + datetime.timedelta(days=5))
    derivation = derive(shared_dataset, derived, ruth)
    key = (shared_dataset.pk, derived.pk)
    assert plans_for([_pair(derivation)]) == {key: newer}
    # Recorded before the newer one started: the older one.
    then = timezone.now() - datetime.timedelta(days=100)
    assert plans_for([(shared_dataset.pk, derived.pk, then)]) == {key: older}
    # Before every agreement: none.
    assert plans_for([(shared_dataset.pk, derived.pk, timezone.now() - datetime.timedelta(days=400))]) == {}
    assert later not in plans_for([_pair(derivation)]).values()


def test_an_agreement_stopped_since_still_is_the_plan_of_what_was_made_under_it(
    make_agreement, shared_dataset, derived, ruth
):
    agreement = make_agreement()
    derivation = derive(shared_dataset, derived, ruth)
    services.agreement_end(agreement=agreement, user=ruth, reason="Project finished.")
    assert plans_for([_pair(derivation)]) == {(shared_dataset.pk, derived.pk): agreement}


def test_never_agreed_wrong_parties_or_uncovered_sources_give_no_plan(
    make_agreement, make_dataset, shared_dataset, derived, ruth, ohs
):
    make_agreement(approved=False)  # proposed only: never agreed
    assert plans_for([(shared_dataset.pk, derived.pk, timezone.now())]) == {}
    make_agreement()
    home_office = Organisation.objects.create(name="Home Office", slug="ho")
    elsewhere = make_dataset("Road injuries elsewhere", publisher=home_office)
    uncovered = make_dataset("Another OHS dataset", access_rights=Dataset.AccessRights.RESTRICTED)
    own = make_dataset("OHS derived", publisher=ohs)
    now = timezone.now()
    pairs = [
        (shared_dataset.pk, elsewhere.pk, now),  # derived by someone else than the recipient
        (uncovered.pk, derived.pk, now),  # a source the agreement does not cover
        (shared_dataset.pk, own.pk, now),  # derived by the provider itself
        (shared_dataset.pk, derived.pk, now),
    ]
    assert list(plans_for(pairs)) == [(shared_dataset.pk, derived.pk)]


def test_plans_for_many_derivations_is_one_query(make_agreement, shared_dataset, derived, django_assert_num_queries):
    make_agreement()
    now = timezone.now()
    with django_assert_num_queries(1):
        plans = plans_for([(shared_dataset.pk, derived.pk, now)] + [(i, i + 1, now) for i in range(1000, 1100)])
    assert list(plans) == [(shared_dataset.pk, derived.pk)]
    with django_assert_num_queries(0):
        assert plans_for([]) == {}


# -- the lineage picture -------------------------------------------------------------------


def test_the_lineage_picture_marks_the_edge_that_crosses_an_agreement(
    make_agreement, make_dataset, shared_dataset, derived, ruth, ravi, dft
):
    agreement = make_agreement()
    derive(shared_dataset, derived, ruth)
    onward = make_dataset("Road safety outcomes", publisher=dft)
    derive(derived, onward, ruth)  # DfT's own step: no agreement crossed
    html = panel(signed_in(ravi), derived)
    assert len(re.findall(r'<path [^>]*class="is-shared"', html)) == 1
    assert len(re.findall(r"<path [^>]*marker-end=", html)) == 2
    shared = re.search(r'<ul class="lineage-shared">(.*?)</ul>', html, re.S).group(1)
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", shared)).strip() == (
        f"Patient episodes (Office for Health Statistics) → this dataset: shared under {agreement.name}"
    )
    assert f'<a href="/sharing/{agreement.pk}/">{agreement.name}</a>' in shared
    # Seen from the provider's dataset, the same edge, downstream.
    provider_side = panel(signed_in(ravi), shared_dataset)
    assert "This dataset → " in provider_side and f"/sharing/{agreement.pk}/" in provider_side
    # From the onward dataset, two steps away, it is still in the picture and marked.
    assert f"/sharing/{agreement.pk}/" in panel(signed_in(ravi), onward)


def test_no_mark_without_an_agreement(make_dataset, derived, ruth, ohs):
    source = make_dataset("Hospital admissions by area")
    derive(source, derived, system_actor("tests"))
    html = panel(signed_in(ruth), derived)
    assert "is-shared" not in html and "lineage-shared" not in html
    assert Derivation.objects.filter(derived=derived).count() == 1
