"""The glossary's write rules: who writes, versions of a definition, SKOS link rules, imports
that store all or nothing, and the search work a changed definition sets off."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalogue import services as catalogue_services
from catalogue.actors import system_actor
from catalogue.glossary import services
from catalogue.glossary.models import Concept, ConceptLink, ConceptVersion
from catalogue.glossary.services import ConceptData, SchemeData
from catalogue.models import SearchEntry

Kind = ConceptLink.Kind


def test_only_the_owners_editors_write_a_scheme(ohs_scheme, dora, vera, charlie):
    for outsider in (dora, vera, charlie):
        with pytest.raises(PermissionDenied):
            services.concept_create(outsider, ohs_scheme, pref_label="Dwelling")
    assert not ohs_scheme.concepts.exists()


def test_a_concept_gets_an_iri_under_its_scheme(household, ohs_scheme):
    assert household.uri == f"{ohs_scheme.uri}/household"
    assert household.slug == "household"
    assert [v.version for v in household.versions.all()] == [1]


def test_a_changed_definition_keeps_its_history(alice, household):
    changed = services.concept_update(
        alice,
        household,
        expected_version=1,
        definition="Since 2021: people sharing a kitchen.",
        change_note="2021 Census",
    )
    assert changed.version == 2
    versions = list(ConceptVersion.objects.filter(concept=household).order_by("version"))
    assert [v.definition for v in versions][0].startswith("One person living alone")
    assert versions[1].definition == "Since 2021: people sharing a kitchen."
    assert (versions[1].change_note, versions[1].changed_by) == ("2021 Census", alice)


def test_a_change_that_leaves_the_meaning_is_no_new_version(alice, household):
    changed = services.concept_update(alice, household, notation="HH")
    assert changed.version == 1 and changed.notation == "HH"


def test_a_stale_edit_is_refused_and_changes_nothing(alice, bob, household):
    services.concept_update(bob, household, expected_version=1, definition="Bob's wording.")
    with pytest.raises(services.StaleConcept):
        services.concept_update(alice, household, expected_version=1, definition="Alice's wording.")
    assert Concept.objects.get(pk=household.pk).definition == "Bob's wording."


def test_labels_follow_skos(alice, ohs_scheme, household):
    with pytest.raises(ValidationError, match="S13"):
        services.concept_create(alice, ohs_scheme, pref_label="Dwelling", alt_labels=["dwelling"])
    with pytest.raises(ValidationError, match="already has a concept labelled"):
        services.concept_create(alice, ohs_scheme, pref_label="household")
    with pytest.raises(ValidationError, match="preferred label"):
        services.concept_create(alice, ohs_scheme, pref_label="   ")


def test_an_exact_match_is_stated_once_whichever_side_states_it(alice, dora, household, travel_household):
    assert services.link_add(alice, household, Kind.CLOSE_MATCH, travel_household.uri) is not None
    assert services.link_add(dora, travel_household, Kind.CLOSE_MATCH, household.uri) is None
    assert ConceptLink.objects.count() == 1


def test_exact_match_and_broad_match_exclude_each_other(alice, dora, household, travel_household):
    services.link_add(alice, household, Kind.EXACT_MATCH, travel_household.uri)
    # DfT stating its concept is narrower than OHS's contradicts OHS's exact match (S46).
    with pytest.raises(ValidationError, match="S46"):
        services.link_add(dora, travel_household, Kind.BROAD_MATCH, household.uri)


def test_matches_join_schemes_and_nothing_links_to_itself(alice, ohs_scheme, household):
    person = services.concept_create(alice, ohs_scheme, pref_label="Usual resident")
    with pytest.raises(ValidationError, match="different schemes"):
        services.link_add(alice, household, Kind.EXACT_MATCH, person.uri)
    with pytest.raises(ValidationError, match="itself"):
        services.link_add(alice, household, Kind.RELATED, household.uri)
    assert services.link_add(alice, person, Kind.RELATED, household.uri) is not None


def test_a_changed_definition_reindexes_the_datasets_whose_fields_measure_it(alice, household, make_dataset):
    measured = make_dataset("Household survey")
    other = make_dataset("Road traffic")
    catalogue_services.fields_replace(
        dataset=measured, user=system_actor("tests"), rows=[{"name": "household_id", "concept_uri": household.uri}]
    )
    catalogue_services.fields_replace(dataset=other, user=system_actor("tests"), rows=[{"name": "road"}])
    indexed = dict(SearchEntry.objects.values_list("dataset_id", "indexed_at"))
    services.concept_update(alice, household, alt_labels=["Private household", "Family unit"])
    now = dict(SearchEntry.objects.values_list("dataset_id", "indexed_at"))
    assert now[measured.pk] > indexed[measured.pk]
    assert now[other.pk] == indexed[other.pk]


def _data(*concepts, **scheme):
    return SchemeData(concepts=list(concepts), **scheme)


def test_an_import_adds_updates_and_links(alice, ohs_scheme, household, travel_household):
    resident = ConceptData(
        uri="https://example.gov/def/usual-resident",
        pref_label="Usual resident",
        definition="Staying in the UK 12 months or more.",
        links=[(Kind.RELATED, household.uri)],
    )
    changed_household = ConceptData(
        uri=household.uri,
        pref_label="Household",
        alt_labels=["Private household"],
        definition=household.definition + " Census 2021.",
        source=household.source,
        links=[(Kind.CLOSE_MATCH, travel_household.uri), (Kind.RELATED, resident.uri)],
    )
    result = services.scheme_import(alice, ohs_scheme, _data(resident, changed_household, version="2021"))
    assert (result.created, result.updated, result.links_added) == (1, 1, 2)
    assert Concept.objects.get(pk=household.pk).version == 2
    assert ohs_scheme.__class__.objects.get(pk=ohs_scheme.pk).version == "2021"
    # Importing the same file again changes nothing.
    again = services.scheme_import(alice, ohs_scheme, _data(resident, changed_household, version="2021"))
    assert (again.created, again.updated, again.unchanged, again.links_added, again.links_removed) == (0, 0, 2, 0, 0)


def test_a_bad_import_stores_nothing(alice, ohs_scheme, household, travel_household):
    good = ConceptData(uri="https://example.gov/def/dwelling", pref_label="Dwelling")
    bad = ConceptData(
        uri=household.uri,
        pref_label="Household",
        definition="Changed.",
        links=[(Kind.EXACT_MATCH, travel_household.uri), (Kind.BROAD_MATCH, travel_household.uri)],
    )
    with pytest.raises(ValidationError, match=household.uri):
        services.scheme_import(alice, ohs_scheme, _data(good, bad))
    assert list(ohs_scheme.concepts.values_list("pref_label", "version")) == [("Household", 1)]
    assert not ConceptLink.objects.exists()


def test_an_import_cannot_take_another_schemes_concept(alice, ohs_scheme, travel_household):
    stolen = ConceptData(uri=travel_household.uri, pref_label="Household")
    with pytest.raises(ValidationError, match="Transport survey definitions"):
        services.scheme_import(alice, ohs_scheme, _data(stolen))
