"""The synthetic glossary (bench/glossary_load.py), checked through what it writes and
through the glossary search and suggestion that read it."""

from collections import Counter

import pytest
from django.contrib.auth.models import AnonymousUser

from bench.generate import generate
from bench.glossary_load import SCHEME_OWNERS, GlossaryNotEmpty, load_glossary
from catalogue.glossary import queries
from catalogue.glossary.models import HIERARCHY, MATCHES, Concept, ConceptLink, ConceptScheme, ConceptVersion
from catalogue.models import Field

N = 200


@pytest.fixture
def glossary(db):
    generate(N, seed=2)
    return load_glossary(seed=2)


def glossary_digest() -> list[tuple]:
    concepts = list(Concept.objects.order_by("uri").values_list("uri", "pref_label", "alt_labels", "definition"))
    links = list(
        ConceptLink.objects.order_by("concept__uri", "kind", "target_uri").values_list(
            "concept__uri", "kind", "target_uri"
        )
    )
    fields = list(Field.objects.order_by("dataset__uuid", "position").values_list("dataset__uuid", "concept_uri"))
    return [concepts, links, fields]


def test_twelve_departments_have_a_scheme_of_300_to_500_concepts(glossary):
    schemes = ConceptScheme.objects.select_related("organisation")
    assert sorted(s.organisation.abbreviation for s in schemes) == sorted(SCHEME_OWNERS)
    sizes = Counter(Concept.objects.values_list("scheme_id", flat=True))
    assert all(300 <= n <= 500 for n in sizes.values()), sizes
    assert schemes.filter(status="draft").count() == 1
    assert glossary.concepts == Concept.objects.count()
    # Every concept has a definition, and its versions end at its current version.
    assert not Concept.objects.filter(definition="").exists()
    assert ConceptVersion.objects.count() == glossary.versions > glossary.concepts
    for concept in Concept.objects.filter(version=2)[:20]:
        versions = list(concept.versions.order_by("version").values_list("version", "definition"))
        assert [v for v, _ in versions] == [1, 2] and versions[1][1] == concept.definition != versions[0][1]


def test_concepts_follow_the_rules_the_services_enforce(glossary):
    labels_per_scheme = Counter()
    for concept in Concept.objects.all():
        concept.full_clean(validate_unique=False, validate_constraints=False)
        pref = concept.pref_label.casefold()
        alt = {label.casefold() for label in concept.alt_labels}
        hidden = {label.casefold() for label in concept.hidden_labels}
        assert pref not in alt | hidden and not alt & hidden  # SKOS S13
        assert concept.uri.startswith(concept.scheme.uri + "/")
        labels_per_scheme[(concept.scheme_id, pref)] += 1
    assert max(labels_per_scheme.values()) == 1
    scheme_of = dict(Concept.objects.values_list("uri", "scheme_id"))
    stated = set()
    for link in ConceptLink.objects.select_related("concept"):
        link.full_clean(validate_unique=False, validate_constraints=False)
        target_scheme = scheme_of.get(link.target_uri)
        if link.kind in MATCHES:  # matches join different schemes (or a concept outside Provcat)
            assert target_scheme != link.concept.scheme_id
        else:
            assert link.kind in HIERARCHY and target_scheme == link.concept.scheme_id
        pair = frozenset([link.concept.uri, link.target_uri])
        assert pair not in stated  # one statement per pair
        stated.add(pair)
    kinds = Counter(ConceptLink.objects.values_list("kind", flat=True))
    assert {"exactMatch", "closeMatch", "broadMatch", "broader", "related"} <= set(kinds)


def test_about_a_third_of_fields_measure_a_concept_the_geography_code_most(glossary):
    assert 0.25 <= glossary.fields_linked / glossary.fields <= 0.45
    assert glossary.most_measured_uri.endswith("/ons-definitions/statistical-geography-code")
    glossary_uris = set(Concept.objects.values_list("uri", flat=True))
    linked = set(Field.objects.exclude(concept_uri="").values_list("concept_uri", flat=True))
    assert linked <= glossary_uris
    # A department links its household column to its own definition, others to the ONS one.
    households = Field.objects.filter(name="household_id").exclude(concept_uri="")
    for publisher, uri in households.values_list("dataset__publisher__abbreviation", "concept_uri"):
        owner = publisher if publisher in SCHEME_OWNERS else "ONS"
        assert uri.endswith(f"/{owner.lower()}-definitions/household")


def test_search_and_suggestion_find_the_generated_concepts(glossary):
    anon = AnonymousUser()
    assert queries.glossary_search(anon, "household")[0].concept.pref_label == "Household"
    assert queries.suggest(anon, "household_id")[0].concept.pref_label == "Household"
    assert queries.suggest(anon, "la_code")[0].concept.pref_label == "Statistical geography code"
    assert queries.glossary_search(anon, "xyzzyq") == []
    # The draft scheme's concepts are for its members only.
    assert all(m.concept.scheme.status == "published" for m in queries.glossary_search(anon, "prison"))


def test_same_seed_gives_the_same_glossary_and_a_second_load_needs_reset(glossary):
    first = glossary_digest()
    with pytest.raises(GlossaryNotEmpty):
        load_glossary(seed=2)
    load_glossary(seed=2, reset=True)
    assert glossary_digest() == first
    load_glossary(seed=3, reset=True)
    assert glossary_digest() != first


def test_the_word_lookup_picks_exactly_the_concepts_a_full_scan_would_score(glossary):
    concepts, lookup = queries._index.current()
    for q in ["household", "claim", "hou", "rate population", "methodology", "x", "la code", "age band", "xyzzyq"]:
        asked = queries.words(q)
        scored = {position for position, concept in enumerate(concepts) if queries._score(concept, asked)[0]}
        assert lookup.candidates(asked) == scored, q
