"""Search on `/` covers the glossary: a search for a concept's label (preferred, alternative
or hidden) finds the datasets whose fields measure it, while its scheme is published; a
concept renamed through the services stops matching under its old name. On PostgreSQL."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue import services as catalogue_services
from catalogue.actors import system_actor
from catalogue.glossary import services
from catalogue.glossary.models import ConceptScheme
from catalogue.models import SearchEntry
from catalogue.search.index import search_index_datasets


def found(client, q: str) -> list[str]:
    html = client.get("/", {"q": q}).content.decode()
    return re.findall(r'<h3 class="result-title"><a href="/datasets/([^"/]+)/"', html)


@pytest.fixture
def resident(alice, ohs_scheme):
    return services.concept_create(
        alice,
        ohs_scheme,
        pref_label="Usual resident",
        alt_labels=["Habitual inhabitant"],
        hidden_labels=["ususal resdient"],
        definition="In the UK for 12 months or more.",
    )


@pytest.fixture
def traffic(make_dataset, resident):
    dataset = make_dataset("Road traffic counts", description="Vehicles counted at roadside sites.")
    catalogue_services.fields_replace(
        dataset=dataset, user=system_actor("tests"), rows=[{"name": "ur_flag", "concept_uri": resident.uri}]
    )
    return dataset


def test_a_search_for_a_concepts_labels_finds_the_datasets_measuring_it(client, traffic, make_dataset):
    make_dataset("Bus punctuality", description="Buses on time.")
    for q in ("usual resident", "habitual inhabitant", "resdient"):
        assert found(client, q) == [traffic.slug], q


def test_a_renamed_concept_is_found_under_its_new_name_only(client, alice, traffic, resident):
    services.concept_update(alice, resident, pref_label="Permanent occupant", alt_labels=[], hidden_labels=[])
    assert found(client, "permanent occupant") == [traffic.slug]
    assert found(client, "habitual") == []
    assert found(client, "usual") == []


def test_only_published_schemes_labels_count(client, alice, ohs, make_dataset):
    draft = services.scheme_create(alice, organisation=ohs, title="Working definitions")
    proposed = services.concept_create(alice, draft, pref_label="Tenure arrangement")
    dataset = make_dataset("Housing stock")
    catalogue_services.fields_replace(
        dataset=dataset, user=system_actor("tests"), rows=[{"name": "tnr", "concept_uri": proposed.uri}]
    )
    assert found(client, "tenure") == []
    services.scheme_update(alice, draft, status=ConceptScheme.Status.PUBLISHED)
    assert found(client, "tenure") == [dataset.slug]
    services.concept_delete(alice, proposed)
    assert found(client, "tenure") == []


def test_a_deleted_scheme_takes_its_labels_out_of_search(client, alice, ohs_scheme, traffic):
    services.scheme_delete(alice, ohs_scheme)
    assert found(client, "habitual") == []


def test_concept_labels_rank_like_field_names_not_like_the_title(client, traffic, make_dataset):
    titled = make_dataset("Usual resident population estimates")
    assert found(client, "usual resident") == [titled.slug, traffic.slug]
    entry = SearchEntry.objects.get(dataset=traffic)
    first_line, field_line = entry.keywords_text.split("\n", 1)
    assert "Usual resident" not in first_line and "Usual resident" in field_line


def test_indexing_takes_the_same_queries_for_1_and_20_datasets_measuring_concepts(
    alice, ohs_scheme, resident, household, make_dataset
):
    datasets = []
    for n in range(20):
        dataset = make_dataset(f"Survey {n}")
        rows = [{"name": "ur", "concept_uri": resident.uri}, {"name": "hh", "concept_uri": household.uri}]
        catalogue_services.fields_replace(dataset=dataset, user=system_actor("tests"), rows=rows)
        datasets.append(dataset.pk)
    counts = []
    for batch in (datasets[:1], datasets):
        with CaptureQueriesContext(connection) as queries:
            search_index_datasets(batch)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert "Habitual inhabitant" in SearchEntry.objects.get(dataset_id=datasets[-1]).keywords_text
