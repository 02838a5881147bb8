"""Access follows agreements on every read path, to the second.

OHS shares its restricted "Patient episodes" with DfT under an agreement whose last day is
``END``. Ravi (a viewer at DfT) reads its metadata at 23:59:59 on that day and not at
00:00:00 the next: on the dataset page, in search results and their facet counts, on the
organisation page, in the REST API, in lineage (API, the panel on a page, the PROV-O export).
The machine catalogue (DCAT, CKAN) serves only published public datasets to everyone, so
there the shared dataset is absent at both moments: sharing never leaks into it.

At each moment the page (or API) answer is compared with the access rule's own answer
(catalogue.access.can_view_dataset), so the rule and every path agree.

Time is controlled with time-machine: the clock is moved to each moment and the client
signs in there, so its session is fresh whatever moment it is.
"""

import datetime
import json
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from catalogue import access
from catalogue.actors import system_actor
from catalogue.models import Dataset, Membership, Organisation
from catalogue.sharing import services
from provenance.services import derivation_add
from tests.catalogue.test_search import facet_count, result_slugs

TODAY = datetime.date.today()
END = TODAY + datetime.timedelta(days=3)
# (moment, whether Ravi reads the shared dataset then)
BEFORE = "one second before the end"
AFTER = "one second after the end"
MOMENTS = [pytest.param(BEFORE, True, id="before-end"), pytest.param(AFTER, False, id="after-end")]


def moment(which: str) -> datetime.datetime:
    """The last second of END, or the first second of the day after, in the site's time zone."""
    tz = timezone.get_default_timezone()
    if which == BEFORE:
        return datetime.datetime.combine(END, datetime.time(23, 59, 59), tzinfo=tz)
    return datetime.datetime.combine(END + datetime.timedelta(days=1), datetime.time(0, 0, 0), tzinfo=tz)


@pytest.fixture
def world(make_agreement, make_dataset, shared_dataset, dft):
    """The agreement (in force until END), and DfT's public dataset derived from the shared one."""
    agreement = make_agreement(start_date=TODAY - datetime.timedelta(days=30), end_date=END, review_date=None)
    derived = make_dataset("Serious road injuries", publisher=dft, description="Casualties admitted to hospital.")
    derivation_add(derived=derived, source=shared_dataset, user=system_actor("tests"))
    return {"agreement": agreement, "shared": shared_dataset, "derived": derived}


def travel(which: str):
    return time_machine.travel(moment(which), tick=False)


def signed_in(user) -> Client:
    """A client signed in now (call it after travelling: the session starts at that moment)."""
    client = Client()
    client.force_login(user)
    return client


def rule_says(user, dataset) -> bool:
    """The access rule's answer, for a freshly loaded user (the rule caches per user object)."""
    return access.can_view_dataset(type(user).objects.get(pk=user.pk), Dataset.objects.get(pk=dataset.pk))


def test_the_moments_straddle_the_end_date_in_the_site_time_zone(world):
    with travel(BEFORE):
        assert timezone.localdate() == END
        assert world["agreement"].in_force_on()
    with travel(AFTER):
        assert timezone.localdate() == END + datetime.timedelta(days=1)
        assert not world["agreement"].in_force_on()
    assert (moment(AFTER) - moment(BEFORE)).total_seconds() == 1


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "America/Los_Angeles"])
def test_the_end_is_midnight_in_the_site_time_zone_not_in_utc(world, ravi, settings, zone):
    """Far from UTC, the last second of END in the site's zone is still in force and the next is not."""
    settings.TIME_ZONE = zone
    assert moment(BEFORE).utcoffset() != datetime.timedelta(0)
    with travel(BEFORE):
        assert signed_in(ravi).get(f"/datasets/{world['shared'].slug}/").status_code == 200
    with travel(AFTER):
        assert signed_in(ravi).get(f"/datasets/{world['shared'].slug}/").status_code == 404


# -- pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("which, visible", MOMENTS)
def test_dataset_page(world, ravi, which, visible):
    with travel(which):
        response = signed_in(ravi).get(f"/datasets/{world['shared'].slug}/")
        assert (response.status_code == 200) is visible is rule_says(ravi, world["shared"])
        if visible:
            assert "Patient episodes" in response.content.decode()


@pytest.mark.parametrize("which, visible", MOMENTS)
def test_search_results_and_facet_counts(world, ravi, which, visible):
    with travel(which):
        client = signed_in(ravi)
        found = client.get("/?q=episodes").content.decode()
        assert (world["shared"].slug in result_slugs(found)) is visible is rule_says(ravi, world["shared"])
        # Ravi's own DfT datasets are never restricted here, so the restricted count is the shared one.
        assert facet_count(found, "access", "RESTRICTED") == (1 if visible else None)
        assert facet_count(found, "publisher", "ohs") == (1 if visible else None)
        home = client.get("/").content.decode()
        assert facet_count(home, "access", "RESTRICTED") == (1 if visible else None)
        # OHS publishes nothing else here: its count on the unfiltered page is the shared dataset.
        assert facet_count(home, "publisher", "ohs") == (1 if visible else None)
        assert facet_count(home, "publisher", "dft") == 1  # the derived public dataset, always


@pytest.mark.parametrize("which, visible", MOMENTS)
def test_organisation_page(world, ravi, which, visible):
    with travel(which):
        html = signed_in(ravi).get("/organisations/ohs/").content.decode()
        assert (f"/datasets/{world['shared'].slug}/" in html) is visible is rule_says(ravi, world["shared"])


@pytest.mark.parametrize("which, visible", MOMENTS)
def test_lineage_panel_on_the_derived_datasets_page(world, ravi, which, visible):
    with travel(which):
        html = signed_in(ravi).get(f"/datasets/{world['derived'].slug}/").content.decode()
        lists = html[html.index('class="lineage-lists"') :]
        assert (f'<a href="/datasets/{world["shared"].slug}/">Patient episodes</a>' in lists) is visible
        assert ("A dataset you do not have access to" in lists) is not visible
        assert rule_says(ravi, world["shared"]) is visible


# -- REST API ------------------------------------------------------------------------------


@pytest.mark.parametrize("which, visible", MOMENTS)
def test_rest_api_list_detail_and_parts(world, ravi, which, visible):
    slug = world["shared"].slug
    with travel(which):
        client = signed_in(ravi)
        listed = [row["slug"] for row in client.get("/api/v1/datasets/?page_size=100").json()["results"]]
        assert (slug in listed) is visible is rule_says(ravi, world["shared"])
        assert world["derived"].slug in listed
        detail = client.get(f"/api/v1/datasets/{slug}/")
        assert detail.status_code == (200 if visible else 404)
        fields = client.get(f"/api/v1/fields/?dataset__slug={slug}").json()
        assert len(fields["results"]) == (3 if visible else 0)
        derivations = client.get(f"/api/v1/derivations/?source={slug}").json()
        assert len(derivations["results"]) == (1 if visible else 0)


@pytest.mark.parametrize("which, visible", MOMENTS)
def test_lineage_api(world, ravi, which, visible):
    shared, derived = world["shared"].slug, world["derived"].slug
    with travel(which):
        client = signed_in(ravi)
        upstream = client.get(f"/api/v1/datasets/{derived}/upstream").json()
        assert len(upstream["nodes"]) == 1
        node = upstream["nodes"][0]
        assert node["redacted"] is not visible
        assert (node.get("slug") == shared) is visible
        assert ("Patient episodes" in json.dumps(upstream)) is visible
        assert client.get(f"/api/v1/datasets/{shared}/downstream").status_code == (200 if visible else 404)
        assert rule_says(ravi, world["shared"]) is visible


# -- PROV-O export -------------------------------------------------------------------------


@pytest.mark.parametrize("which, visible", MOMENTS)
def test_prov_export(world, ravi, which, visible):
    shared_uri = URIRef(world["shared"].uri)
    with travel(which):
        client = signed_in(ravi)
        own = client.get(f"/datasets/{world['shared'].slug}/provenance.ttl")
        assert own.status_code == (200 if visible else 404)
        response = client.get(f"/datasets/{world['derived'].slug}/provenance.ttl")
        assert response.status_code == 200
        graph = Graph().parse(data=response.content.decode(), format="turtle")
        named = (shared_uri, None, None) in graph
        assert named is visible is rule_says(ravi, world["shared"])
        assert any(True for _ in graph.triples((None, DCTERMS.title, None)))  # the derived one, always
        assert ("Patient episodes" in response.content.decode()) is visible


# -- the machine catalogue: published public datasets only, whatever the agreements --------


@pytest.mark.parametrize("which, visible", MOMENTS)
def test_dcat_never_serves_the_shared_dataset(world, ravi, which, visible):
    with travel(which):
        assert rule_says(ravi, world["shared"]) is visible
        client = signed_in(ravi)
        body = b"".join(client.get("/catalog.ttl").streaming_content).decode()
        catalog = Graph().parse(data=body, format="turtle")
        subjects = set(catalog.subjects())
        assert URIRef(world["derived"].uri) in subjects
        assert URIRef(world["shared"].uri) not in subjects
        assert "Patient episodes" not in catalog.serialize(format="turtle")
        assert client.get(f"/datasets/{world['shared'].slug}.ttl").status_code == 404
        record = client.get(f"/datasets/{world['derived'].slug}.ttl").getvalue().decode()
        assert world["shared"].uri not in record


@pytest.mark.parametrize("which, visible", MOMENTS)
def test_ckan_api_never_serves_the_shared_dataset(world, ravi, which, visible):
    with travel(which):
        assert rule_says(ravi, world["shared"]) is visible
        client = signed_in(ravi)
        found = client.get("/api/3/action/package_search?rows=100").json()["result"]["results"]
        names = {row["name"] for row in found}
        assert world["derived"].slug in names and world["shared"].slug not in names
        assert client.get("/api/3/action/package_search?q=episodes").json()["result"]["count"] == 0
        shown = client.get(f"/api/3/action/package_show?id={world['shared'].slug}")
        assert shown.status_code == 404 and shown.json()["success"] is False
        assert world["shared"].slug not in client.get("/api/3/action/package_list").json()["result"]


# -- who else, and the other ways access stops ----------------------------------------------


def _page_status(user, dataset) -> int:
    return signed_in(user).get(f"/datasets/{dataset.slug}/").status_code


@pytest.mark.parametrize("which", [BEFORE, AFTER])
def test_the_providers_members_always_read_it_and_strangers_never(world, vera, charlie, django_user_model, which):
    home_office = Organisation.objects.create(name="Home Office", slug="ho")
    outsider = django_user_model.objects.create_user("olga", "olga@example.gov", "correct-horse-battery")
    Membership.objects.create(user=outsider, organisation=home_office, role=Membership.Role.ADMIN)
    with travel(which):
        assert _page_status(vera, world["shared"]) == 200 and rule_says(vera, world["shared"])
        for stranger in (charlie, outsider):
            assert _page_status(stranger, world["shared"]) == 404
            assert not rule_says(stranger, world["shared"])
            assert world["shared"].slug not in result_slugs(signed_in(stranger).get("/?q=episodes").content.decode())
        assert Client().get(f"/datasets/{world['shared'].slug}/").status_code == 404


def test_suspending_stops_access_at_once(world, alice, ravi):
    client = signed_in(ravi)
    slug = world["shared"].slug
    assert client.get(f"/datasets/{slug}/").status_code == 200
    services.agreement_suspend(agreement=world["agreement"], user=alice, reason="A breach is being investigated.")
    assert client.get(f"/datasets/{slug}/").status_code == 404
    assert slug not in result_slugs(client.get("/?q=episodes").content.decode())
    assert client.get(f"/api/v1/datasets/{slug}/").status_code == 404
    assert not rule_says(ravi, world["shared"])


def test_ending_stops_access_at_once(world, ruth, ravi):
    client = signed_in(ravi)
    slug = world["shared"].slug
    assert client.get(f"/api/v1/datasets/{slug}/").status_code == 200
    services.agreement_end(agreement=world["agreement"], user=ruth, reason="The project finished early.")
    assert client.get(f"/datasets/{slug}/").status_code == 404
    assert client.get(f"/api/v1/datasets/{slug}/").status_code == 404
    upstream = client.get(f"/api/v1/datasets/{world['derived'].slug}/upstream").json()
    assert [node["redacted"] for node in upstream["nodes"]] == [True]
    assert not rule_says(ravi, world["shared"])


def test_beat_marking_it_expired_changes_nothing_for_access_it_already_stopped(world, ravi):
    with travel(AFTER):
        assert _page_status(ravi, world["shared"]) == 404
        assert services.agreements_expire() == 1
        assert _page_status(ravi, world["shared"]) == 404
    world["agreement"].refresh_from_db()
    assert world["agreement"].status == world["agreement"].Status.EXPIRED


def test_a_covered_dataset_that_is_a_draft_is_never_shared(world, make_dataset, ravi):
    """The services refuse to cover a draft; should a row cover one anyway (the agreements'
    datasets written by other means), the clause still requires published or withdrawn."""
    draft = make_dataset("Patient episodes 2025 draft", status=Dataset.Status.DRAFT)
    world["agreement"].datasets.add(draft)
    assert draft.pk in access.shared_with_members_of(type(ravi).objects.get(pk=ravi.pk))
    assert _page_status(ravi, draft) == 404
    assert not rule_says(ravi, draft)
    client = signed_in(ravi)
    assert draft.slug not in result_slugs(client.get("/?q=episodes").content.decode())
    assert client.get(f"/api/v1/datasets/{draft.slug}/").status_code == 404
    assert _page_status(ravi, world["shared"]) == 200  # the published one stays shared


def test_a_withdrawn_covered_dataset_stays_readable_while_in_force(world, alice, ravi):
    from catalogue.services import dataset_withdraw

    dataset_withdraw(dataset=world["shared"], user=alice, reason="Replaced by a newer extract.")
    with travel(BEFORE):
        assert _page_status(ravi, world["shared"]) == 200 and rule_says(ravi, world["shared"])
    with travel(AFTER):
        assert _page_status(ravi, world["shared"]) == 404 and not rule_says(ravi, world["shared"])


def test_only_the_covered_datasets_are_shared(world, make_dataset, ravi):
    other = make_dataset("Patient episodes archive", access_rights=Dataset.AccessRights.RESTRICTED)
    with travel(BEFORE):
        assert _page_status(ravi, world["shared"]) == 200
        assert _page_status(ravi, other) == 404
        html = signed_in(ravi).get("/?q=episodes").content.decode()
        assert result_slugs(html) == [world["shared"].slug]
        assert re.search(r"Patient episodes archive", html) is None
