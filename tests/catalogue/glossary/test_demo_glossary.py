"""The demo's glossary: departments' schemes with matched and conflicting definitions, fields
linked to them, and a compatibility page between two demo datasets that shows joinable fields
and conflicting definitions side by side. Loading twice changes nothing."""

import re

from django.core.management import call_command

from catalogue.glossary.models import Concept, ConceptLink, ConceptScheme, ConceptVersion
from catalogue.models import Field


def _links() -> set[tuple[str, str, str]]:
    return set(ConceptLink.objects.values_list("concept__pref_label", "kind", "target_uri"))


def test_the_demo_has_departments_schemes_with_matched_and_conflicting_definitions(db):
    call_command("load_demo")
    schemes = ConceptScheme.objects.filter(status=ConceptScheme.Status.PUBLISHED)
    assert schemes.values("organisation").distinct().count() >= 3
    household = Concept.objects.get(scheme__organisation__slug="ons", pref_label="Household")
    homeless = Concept.objects.get(scheme__organisation__slug="mhclg", pref_label="Household")
    assert household.definition != homeless.definition
    ilo = Concept.objects.get(pref_label="Unemployed (ILO)")
    lad = Concept.objects.get(pref_label="Local authority district")
    links = _links()
    assert ("Household (1981-2001 Census)", "closeMatch", household.uri) in links
    assert ("Benefit unit", "broadMatch", household.uri) in links
    assert ("Claimant (claimant count)", "relatedMatch", ilo.uri) in links
    assert ("Local housing authority", "exactMatch", lad.uri) in links
    # Nobody says the two households, or the claimant and ILO unemployment, are the same.
    assert not ConceptLink.objects.filter(kind="exactMatch", target_uri__in=[household.uri, ilo.uri]).exists()
    older = Concept.objects.get(pref_label="Household (1981-2001 Census)")
    assert "2011 Census adopted the harmonised definition" in older.history_note
    claimant = Concept.objects.get(pref_label="Claimant (claimant count)")
    versions = list(ConceptVersion.objects.filter(concept=claimant).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert "Universal Credit" not in versions[0].definition and "Universal Credit" in versions[1].definition
    # Fields measure the concepts, and one coded column names its code list.
    assert Field.objects.filter(concept_uri=household.uri).exists()
    assert Field.objects.filter(concept_uri=homeless.uri, dataset__slug="homelessness-tables").exists()
    code_list = ConceptScheme.objects.get(title="Local authority districts in England (April 2023)")
    assert Field.objects.filter(name="la_code", code_list_uri=code_list.uri).count() >= 2


def test_the_compare_page_between_two_demo_datasets_shows_joinable_and_conflicting_fields(db, client):
    call_command("load_demo")
    response = client.get("/compare/?datasets=household-projections,homelessness-tables")
    assert response.status_code == 200
    html = response.content.decode()
    joinable = html[html.index('data-verdict="joinable"') :]
    joinable = joinable[: joinable.index("</table>")]
    assert "<code>la_code</code>" in joinable and "Their concepts are the same (exact match)." in joinable
    conflicting = html[html.index('data-verdict="conflicting"') :]
    conflicting = conflicting[: conflicting.index("</table>")]
    assert re.search(r"<code>households</code>.*<code>households</code>", conflicting, re.S)
    assert "share cooking facilities" in conflicting  # ONS's household
    assert "normally lives with them as a member of their family" in conflicting  # MHCLG's
    assert "Population and household definitions, Office for National Statistics" in conflicting
    assert "Housing and homelessness definitions, Ministry of Housing" in conflicting


def test_loading_the_demo_twice_leaves_the_glossary_as_it_was(db):
    call_command("load_demo")
    counts = [m.objects.count() for m in (ConceptScheme, Concept, ConceptVersion, ConceptLink)]
    linked = Field.objects.exclude(concept_uri="").count()
    call_command("load_demo")
    assert [m.objects.count() for m in (ConceptScheme, Concept, ConceptVersion, ConceptLink)] == counts
    assert Field.objects.exclude(concept_uri="").count() == linked
