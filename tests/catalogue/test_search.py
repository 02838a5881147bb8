"""Search on `/`: full-text matching, facets with counts, sorting, paging, and access rules."""

import re

import pytest
from django.core.management import call_command
from django.db import connection

from catalogue import services
from catalogue.actors import system_actor
from catalogue.models import Dataset, SearchEntry, SearchFacetTotal
from catalogue.search.index import SCOPE_PUBLIC, TOTAL_KEY, search_totals_rebuild
from catalogue.search.query import SearchParams, search
from provenance.models import Derivation
from provenance.services import derivation_add
from tests.conftest import term

PUBLIC, RESTRICTED, NON_PUBLIC = (
    Dataset.AccessRights.PUBLIC,
    Dataset.AccessRights.RESTRICTED,
    Dataset.AccessRights.NON_PUBLIC,
)
DRAFT, PUBLISHED, WITHDRAWN = Dataset.Status.DRAFT, Dataset.Status.PUBLISHED, Dataset.Status.WITHDRAWN


def result_slugs(html: str) -> list[str]:
    return re.findall(r'<h3 class="result-title"><a href="/datasets/([^"/]+)/"', html)


def facet_count(html: str, param: str, value: str) -> int | None:
    """The count shown beside a facet value whose link toggles ``param=value``."""
    for match in re.finditer(r'<a href="([^"]+)" class="facet-link[^"]*"[^>]*>(.*?)</a>', html, re.S):
        href, body = match.groups()
        if f"{param}={value}" in href.replace("&amp;", "&"):
            return int(re.search(r'class="facet-count">([\d,]+)', body).group(1).replace(",", ""))
    return None


def describe(dataset, **changes):
    """Edit a dataset through the service, as the tests' system actor."""
    return services.dataset_update(
        dataset=dataset, user=system_actor("tests"), data=changes.pop("data", {}), expected_revision=None, **changes
    )


def add_distribution(dataset, access_url="http://127.0.0.1/data", format_code="CSV"):
    return services.distribution_save(
        dataset=dataset,
        user=system_actor("tests"),
        data={"access_url": access_url, "format": term("file-type", format_code)},
    )


def record_check(dataset, name, outcome):
    return services.validation_check_record(
        dataset=dataset, user=system_actor("tests"), data={"name": name, "outcome": outcome}
    )


@pytest.fixture
def catalogue(make_dataset, dft):
    health = term("theme", "HEAL")
    made = {
        "estimates": make_dataset(
            "Population estimates for local authorities",
            description="Mid-year estimates of the resident population.",
            frequency=term("frequency", "ANNUAL"),
        ),
        "admissions": make_dataset("Hospital admissions", description="Admissions by region and month."),
        "roads": make_dataset("Road traffic counts", publisher=dft, description="Vehicles counted at census points."),
        "draft": make_dataset("Population draft projections", status=DRAFT),
        "restricted": make_dataset("Population register extract", access_rights=RESTRICTED),
        "non_public": make_dataset("Population linked records", access_rights=NON_PUBLIC),
        "withdrawn": make_dataset("Population census 1991", status=WITHDRAWN, withdrawn_reason="Superseded."),
        "dft_draft": make_dataset("Population travel survey draft", publisher=dft, status=DRAFT),
    }
    for key in ("estimates", "draft", "restricted", "non_public", "dft_draft"):
        describe(made[key], keywords=["population"], themes=[health])
    for key in ("estimates", "roads", "restricted"):
        add_distribution(made[key])
    services.field_save(
        dataset=made["admissions"],
        user=system_actor("tests"),
        data={"name": "bed_occupancy", "definition": "Share of beds in use"},
    )
    return made


def test_words_in_title_keywords_field_names_and_definitions_find_datasets(client, catalogue):
    assert (
        result_slugs(client.get("/?q=population").content.decode())[0] == "population-estimates-for-local-authorities"
    )
    assert result_slugs(client.get("/?q=bed+occupancy").content.decode()) == ["hospital-admissions"]
    assert result_slugs(client.get("/?q=beds").content.decode()) == ["hospital-admissions"]
    assert result_slugs(client.get("/?q=vehicles").content.decode()) == ["road-traffic-counts"]
    assert result_slugs(client.get("/?q=zebra").content.decode()) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="weighted ranking is PostgreSQL's")
def test_a_title_match_ranks_above_a_description_match_and_stemming_applies(client, make_dataset):
    make_dataset("Schools in England", description="Pupils counted by the census of every estimate made.")
    make_dataset("Estimates of pupil numbers", description="Counts by school.")
    html = client.get("/?q=estimated").content.decode()
    assert result_slugs(html) == ["estimates-of-pupil-numbers", "schools-in-england"]


@pytest.mark.parametrize("persona", ["anon", "charlie"])
@pytest.mark.parametrize("url", ["/", "/?q=population", "/?keyword=population", "/?q=population&theme=HEAL"])
def test_strangers_never_see_restricted_draft_or_non_public_datasets_in_results_or_counts(
    request, client_for, catalogue, persona, url
):
    user = request.getfixturevalue(persona)
    html = client_for(user).get(url).content.decode()
    for hidden in ("draft", "restricted", "non_public", "dft_draft", "withdrawn"):
        assert catalogue[hidden].slug not in html
        assert catalogue[hidden].title not in html
    if "keyword" in url or "q=" in url:
        assert result_slugs(html) == ["population-estimates-for-local-authorities"]
    # Only the one public "population" dataset is counted under the keyword and the theme.
    assert facet_count(html, "keyword", "population") == 1
    assert facet_count(html, "theme", "HEAL") == 1
    assert facet_count(html, "access", "RESTRICTED") is None
    assert facet_count(html, "access", "NON_PUBLIC") is None


def test_members_find_their_own_drafts_and_restricted_datasets_but_not_other_organisations_drafts(
    client_for, catalogue, vera
):
    html = client_for(vera).get("/?q=population").content.decode()
    assert set(result_slugs(html)) == {catalogue[k].slug for k in ("estimates", "draft", "restricted", "non_public")}
    assert facet_count(html, "access", "RESTRICTED") == 1
    assert facet_count(html, "access", "NON_PUBLIC") == 1
    home = client_for(vera).get("/").content.decode()
    assert facet_count(home, "keyword", "population") == 4
    assert catalogue["dft_draft"].slug not in home


def test_unfiltered_counts_from_stored_totals_equal_a_live_count(catalogue, anon, vera, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.gov", "pw-long-enough-1")
    for user in (anon, vera, root):
        stored = search(user, SearchParams())
        # A filter that every searchable dataset passes forces the live count.
        live = search(user, SearchParams(filters={"checks": ["passing"]}))
        assert stored.total == live.total
        assert {(f.facet.param, v.value, v.count) for f in stored.facets for v in f.values} == {
            (f.facet.param, v.value, v.count) for f in live.facets for v in f.values
        }
    assert search(root, SearchParams()).total == 7  # everything but the withdrawn one


def test_two_facets_narrow_the_results_and_every_state_is_in_the_url(client, catalogue, dft):
    add_distribution(catalogue["admissions"], access_url="http://127.0.0.1/a")
    html = client.get("/?format=CSV").content.decode()
    assert set(result_slugs(html)) == {catalogue[k].slug for k in ("estimates", "roads", "admissions")}
    html = client.get("/?format=CSV&publisher=ohs").content.decode()
    assert set(result_slugs(html)) == {catalogue[k].slug for k in ("estimates", "admissions")}
    # The selected filters show as removable, and removing one keeps the other.
    assert 'href="/?format=CSV"' in html.replace("&amp;", "&")
    html = client.get("/?format=CSV&publisher=ohs&frequency=ANNUAL&sort=title").content.decode()
    assert result_slugs(html) == [catalogue["estimates"].slug]
    # Removing the frequency filter keeps the other filters and the chosen order.
    assert 'href="/?publisher=ohs&format=CSV&sort=title"' in html.replace("&amp;", "&")


def test_lineage_and_failed_check_facets_follow_writes(client, catalogue):
    record_check(catalogue["admissions"], "No gaps", "fail")
    derivation_add(derived=catalogue["admissions"], source=catalogue["estimates"], user=system_actor("tests"))
    html = client.get("/?checks=failing").content.decode()
    assert result_slugs(html) == ["hospital-admissions"]
    assert set(result_slugs(client.get("/?lineage=yes").content.decode())) == {
        "hospital-admissions",
        "population-estimates-for-local-authorities",
    }
    # A later passing run of the same check clears the failure.
    record_check(catalogue["admissions"], "No gaps", "pass")
    assert result_slugs(client.get("/?checks=failing").content.decode()) == []
    assert facet_count(client.get("/").content.decode(), "checks", "failing") is None


def test_the_index_follows_edits_and_deletions_including_the_stored_totals(client, catalogue):
    actor = system_actor("tests")
    dataset = describe(catalogue["admissions"], data={"title": "Emergency hospital admissions"})
    assert result_slugs(client.get("/?q=emergency").content.decode()) == [dataset.slug]
    describe(dataset, keywords=[*dataset.keywords.values_list("name", flat=True), "population"])
    assert facet_count(client.get("/").content.decode(), "keyword", "population") == 2
    services.dataset_delete(dataset=catalogue["estimates"], user=actor)
    home = client.get("/").content.decode()
    assert facet_count(home, "keyword", "population") == 1
    public_total = SearchFacetTotal.objects.get(scope=SCOPE_PUBLIC, key=TOTAL_KEY).count
    assert public_total == Dataset.objects.filter(status=PUBLISHED, access_rights=PUBLIC).count() == 2
    services.dataset_withdraw(dataset=catalogue["roads"], user=actor, reason="Replaced by the new survey.")
    assert "road-traffic-counts" not in result_slugs(client.get("/").content.decode())


def test_reindex_command_rebuilds_what_bulk_writes_left_out(client, ohs):
    # A bulk load straight into the table, past the services on purpose: nothing records
    # search work, so only the reindex command brings these datasets into search.
    Dataset.objects.bulk_create(
        [
            Dataset(
                title=f"Bulk rainfall series {i}",
                slug=f"bulk-{i}",
                uri=f"http://x/{i}",
                publisher=ohs,
                status=PUBLISHED,
            )
            for i in range(3)
        ]
    )
    assert result_slugs(client.get("/?q=rainfall").content.decode()) == []
    call_command("search_reindex", verbosity=0)
    assert len(result_slugs(client.get("/?q=rainfall").content.decode())) == 3
    assert SearchEntry.objects.count() == 3
    assert facet_count(client.get("/").content.decode(), "publisher", "ohs") == 3


def test_snippets_highlight_the_words_and_escape_the_description(client, make_dataset):
    make_dataset("Flood warnings", description="<script>alert(1)</script> Flood warnings issued & lifted by river.")
    html = client.get("/?q=flood").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert re.search(r"<mark>Flood</mark>", html)


def test_sorting_and_paging_keep_the_query_and_filters(client, make_dataset):
    stations = [make_dataset(f"Air quality station {i:02d}") for i in range(45)]
    # The last station is the best described, so the scorer ranks it first.
    describe(stations[44], keywords=["air quality"], themes=[term("theme", "ENVI")])
    add_distribution(stations[44])
    html = client.get("/?q=air&sort=title").content.decode()
    assert result_slugs(html)[0] == "air-quality-station-00"
    assert "45 datasets" in html
    assert 'href="/?q=air&amp;sort=title&amp;page=2"' in html
    page3 = client.get("/?q=air&sort=title&page=3").content.decode()
    assert result_slugs(page3) == [f"air-quality-station-{i}" for i in range(40, 45)]
    # Past the last page: the last page is shown, not an error.
    assert result_slugs(client.get("/?q=air&sort=title&page=99").content.decode()) == result_slugs(page3)
    by_quality = client.get("/?q=air&sort=quality").content.decode()
    assert result_slugs(by_quality)[0] == "air-quality-station-44"


def test_unknown_filter_values_match_nothing_and_say_so(client, catalogue):
    html = client.get("/?publisher=no-such-department").content.decode()
    assert result_slugs(html) == []
    assert "No dataset has Publisher: no-such-department" in html


def test_totals_rebuild_agrees_with_the_totals_kept_on_write(catalogue):
    kept = set(SearchFacetTotal.objects.filter(count__gt=0).values_list("scope", "key", "count"))
    search_totals_rebuild()
    assert set(SearchFacetTotal.objects.values_list("scope", "key", "count")) == kept


def test_datasets_fed_by_a_failing_dataset_are_found_by_the_upstream_facet(client, catalogue):
    from catalogue.search.tasks import search_index_sweep
    from provenance.lineage import lineage_rebuild_all

    # Derivations loaded past the services on purpose (no outbox work recorded): the lineage
    # closure is rebuilt by hand, and the search sweep catches up with the moved closure.
    Derivation.objects.create(derived=catalogue["admissions"], source=catalogue["estimates"])
    Derivation.objects.create(derived=catalogue["roads"], source=catalogue["admissions"])
    lineage_rebuild_all()
    search_index_sweep()
    record_check(catalogue["estimates"], "Totals add up", "fail")
    html = client.get("/?upstream=failing").content.decode()
    assert set(result_slugs(html)) == {"hospital-admissions", "road-traffic-counts"}
    assert facet_count(client.get("/").content.decode(), "upstream", "failing") == 2
    record_check(catalogue["estimates"], "Totals add up", "pass")
    assert result_slugs(client.get("/?upstream=failing").content.decode()) == []


def test_a_new_quality_score_reaches_the_quality_facet(client, make_dataset, django_capture_on_commit_callbacks):
    from catalogue.quality.services import quality_assess

    dataset = make_dataset("Bathing water quality")
    with django_capture_on_commit_callbacks(execute=True):
        quality_assess(dataset_id=dataset.pk)
    dataset.refresh_from_db()
    assert dataset.quality_band
    assert result_slugs(client.get(f"/?quality={dataset.quality_band}").content.decode()) == [dataset.slug]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="sampled counting is PostgreSQL's")
def test_a_very_broad_search_estimates_its_counts_from_a_sample_and_says_so(client, ohs, monkeypatch):
    from catalogue.search import query

    monkeypatch.setattr(query, "EXACT_LIMIT", 20)
    monkeypatch.setattr(query, "RANK_LIMIT", 20)
    # A bulk load past the services on purpose, indexed by the reindex command.
    Dataset.objects.bulk_create(
        [
            Dataset(
                title=f"Rainfall gauge {i}", slug=f"rain-{i}", uri=f"http://x/rain/{i}", publisher=ohs, status=PUBLISHED
            )
            for i in range(640)
        ]
    )
    call_command("search_reindex", verbosity=0)
    page = search(None, SearchParams(q="rainfall", sort="relevance"))
    assert page.approximate and not page.ranked
    assert 400 <= page.total <= 900  # 640, estimated from a 1-in-4 sample of the matches
    html = client.get("/?q=rainfall").content.decode()
    assert "About " in html and "counts are estimated from a sample" in html
    assert len(result_slugs(html)) == 20
    exact = search(None, SearchParams(q="rainfall gauge 7", sort="relevance"))
    assert not exact.approximate and exact.total == 1
