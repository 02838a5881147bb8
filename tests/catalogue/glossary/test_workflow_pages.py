"""The owners' glossary pages: an editor creates a scheme, adds and edits concepts (each change
of meaning a kept version, a stale edit refused with the user's text kept), links them to
another department's concepts (SKOS refusals shown on the form), publishes, deletes; outsiders
are refused and change nothing."""

import pytest
from django.urls import reverse

from catalogue.glossary import services
from catalogue.glossary.models import Concept, ConceptLink, ConceptScheme, ConceptVersion
from tests.catalogue.glossary.conftest import HOUSEHOLD

pytestmark = pytest.mark.django_db


def concept_url(concept):
    return reverse("glossary:concept-edit", args=[concept.scheme.slug, concept.slug])


def concept_post(concept, **changes):
    """The concept form as the page fills it in, with ``changes``."""
    data = {
        "pref_label": concept.pref_label,
        "alt_labels": "\n".join(concept.alt_labels),
        "hidden_labels": "\n".join(concept.hidden_labels),
        "notation": concept.notation,
        "definition": concept.definition,
        "scope_note": concept.scope_note,
        "example": concept.example,
        "source": concept.source,
        "source_url": concept.source_url,
        "history_note": concept.history_note,
        "change_note": "",
        "version": concept.version,
    }
    data.update(changes)
    return data


def test_an_editor_creates_a_scheme_adds_concepts_and_publishes_it(client_for, bob, ohs):
    client = client_for(bob)
    dashboard = client.get(reverse("publish:dashboard"))
    assert reverse("glossary:schemes") in dashboard.content.decode()
    page = client.get(reverse("glossary:scheme-create"))
    assert page.status_code == 200 and 'name="organisation"' in page.content.decode()

    response = client.post(
        reverse("glossary:scheme-create"),
        {"organisation": ohs.pk, "title": "Labour market definitions", "description": "For the LFS.", "version": "1"},
    )
    scheme = ConceptScheme.objects.get(title="Labour market definitions")
    assert response.status_code == 302 and response["Location"] == reverse("glossary:scheme-edit", args=[scheme.slug])
    assert scheme.organisation == ohs and scheme.status == ConceptScheme.Status.DRAFT and scheme.version == "1"

    new_concept = reverse("glossary:concept-create", args=[scheme.slug])
    response = client.post(
        new_concept,
        {
            "pref_label": "ILO unemployment",
            "alt_labels": "Unemployment\n  LFS unemployment  \n",
            "hidden_labels": "ilo unemp",
            "definition": "Without a job, available to start within two weeks, and looked for work in the last four weeks.",
            "source": "ILO",
            "source_url": "https://www.ilo.org/",
            "change_note": "From the LFS user guide.",
        },
    )
    concept = Concept.objects.get(scheme=scheme, pref_label="ILO unemployment")
    assert response.status_code == 302 and response["Location"] == concept_url(concept)
    assert concept.alt_labels == ["Unemployment", "LFS unemployment"] and concept.hidden_labels == ["ilo unemp"]
    assert concept.versions.get().change_note == "From the LFS user guide."
    client.post(new_concept, {"pref_label": "Claimant count", "definition": "People claiming benefits."})

    scheme_page = client.get(reverse("glossary:scheme-edit", args=[scheme.slug])).content.decode()
    assert "ILO unemployment" in scheme_page and "Claimant count" in scheme_page
    listing = client.get(reverse("glossary:schemes")).content.decode()
    assert f'data-scheme="{scheme.slug}"' in listing and "Draft" in listing

    response = client.post(reverse("glossary:scheme-status", args=[scheme.slug]), {"status": "published"}, follow=True)
    scheme.refresh_from_db()
    assert scheme.status == ConceptScheme.Status.PUBLISHED
    assert "Published" in response.content.decode()
    client.post(reverse("glossary:scheme-status", args=[scheme.slug]), {"status": "draft"})
    scheme.refresh_from_db()
    assert scheme.status == ConceptScheme.Status.DRAFT


def test_the_scheme_page_saves_its_title_and_refuses_a_stale_edit(client_for, bob, ohs_scheme):
    client = client_for(bob)
    url = reverse("glossary:scheme-edit", args=[ohs_scheme.slug])
    revision = ohs_scheme.revision
    data = {
        "title": "Population definitions",
        "description": "Census and surveys.",
        "version": "2",
        "revision": revision,
    }
    assert client.post(url, data).status_code == 302
    ohs_scheme.refresh_from_db()
    assert (ohs_scheme.title, ohs_scheme.version) == ("Population definitions", "2")

    stale = client.post(url, {**data, "title": "Someone else's title"})
    assert stale.status_code == 400 and "Someone else changed this scheme" in stale.content.decode()
    ohs_scheme.refresh_from_db()
    assert ohs_scheme.title == "Population definitions"


def test_editing_a_definition_keeps_the_earlier_version_and_shows_it(client_for, bob, household):
    client = client_for(bob)
    response = client.post(
        concept_url(household),
        concept_post(
            household,
            definition="People at the same address who share cooking facilities and a living room.",
            change_note="Shortened after the 2021 review.",
        ),
        follow=True,
    )
    household.refresh_from_db()
    assert household.version == 2
    assert household.definition.startswith("People at the same address")
    assert list(household.versions.values_list("version", "definition")) == [
        (2, household.definition),
        (1, HOUSEHOLD),
    ]
    page = response.content.decode()
    assert "Saved as version 2" in page
    assert "Shortened after the 2021 review." in page and HOUSEHOLD in page

    # A change outside the meaning (the history note) keeps the version.
    client.post(concept_url(household), concept_post(household, history_note="Census 1981-2001: shared a meal."))
    household.refresh_from_db()
    assert household.version == 2 and household.history_note == "Census 1981-2001: shared a meal."


def test_a_stale_edit_is_refused_and_the_users_text_is_kept(client_for, alice, bob, household):
    client = client_for(bob)
    form = concept_post(household, definition="Bob's careful new wording.")
    services.concept_update(alice, household, definition="Alice's wording, saved first.", change_note="Alice")

    response = client.post(concept_url(household), form)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Someone else changed this concept while you were editing (it is now at version 2)" in page
    assert "Bob&#x27;s careful new wording." in page
    assert "Alice&#x27;s wording, saved first." in page
    household.refresh_from_db()
    assert household.definition == "Alice's wording, saved first." and household.versions.count() == 2


def test_a_label_clash_is_shown_beside_the_field_and_nothing_changes(client_for, bob, alice, ohs_scheme, household):
    services.concept_create(alice, ohs_scheme, pref_label="Family")
    client = client_for(bob)
    response = client.post(concept_url(household), concept_post(household, pref_label="family"))
    assert response.status_code == 400
    assert "The scheme already has a concept labelled “Family”" in response.content.decode()
    response = client.post(concept_url(household), concept_post(household, alt_labels="Household"))
    assert response.status_code == 400 and "SKOS S13" in response.content.decode()
    response = client.post(concept_url(household), concept_post(household, source_url="javascript:alert(1)"))
    assert response.status_code == 400
    response = client.post(concept_url(household), concept_post(household, version="not a number"))
    assert response.status_code == 400
    household.refresh_from_db()
    assert household.pref_label == "Household" and household.version == 1 and household.source_url == ""


def test_an_exact_match_to_another_departments_concept_and_a_close_match(
    client_for, bob, dora, household, travel_household
):
    client = client_for(bob)
    found = client.get(concept_url(household), {"q": "household"})
    page = found.content.decode()
    assert found.status_code == 200
    assert f'value="{travel_household.uri}"' in page and "Transport survey definitions" in page
    assert f'type="radio" name="target" value="{household.uri}"' not in page  # not itself

    add = reverse("glossary:link-add", args=[household.scheme.slug, household.slug])
    response = client.post(add, {"q": "household", "kind": "exactMatch", "target": travel_household.uri}, follow=True)
    assert response.status_code == 200
    assert ConceptLink.objects.filter(concept=household, kind="exactMatch", target_uri=travel_household.uri).exists()
    assert "Linked" in response.content.decode()

    elsewhere = "https://statistics.example.org/def/household-2001"
    client.post(add, {"q": "", "kind": "closeMatch", "target_uri": elsewhere})
    assert ConceptLink.objects.filter(concept=household, kind="closeMatch", target_uri=elsewhere).exists()
    page = client.get(concept_url(household)).content.decode()
    assert f'data-link="exactMatch {travel_household.uri}"' in page
    assert f'data-link="closeMatch {elsewhere}"' in page

    # DfT's editor sees, read-only, what OHS stated about their concept.
    theirs = client_for(dora).get(concept_url(travel_household)).content.decode()
    assert 'data-links="theirs"' in theirs and "Population and household definitions" in theirs
    assert "exact match" in theirs


def test_a_skos_refusal_is_shown_on_the_link_form_and_nothing_is_stored(
    client_for, bob, alice, household, travel_household
):
    services.link_add(alice, household, "exactMatch", travel_household.uri)
    client = client_for(bob)
    add = reverse("glossary:link-add", args=[household.scheme.slug, household.slug])
    response = client.post(add, {"q": "", "kind": "broadMatch", "target_uri": travel_household.uri})
    page = response.content.decode()
    assert response.status_code == 400
    assert "(SKOS S46)" in page and 'id="link-errors"' in page
    assert not ConceptLink.objects.filter(kind="broadMatch").exists()

    for bad in (
        {"kind": "exactMatch", "target_uri": ""},
        {"kind": "sameAs", "target_uri": travel_household.uri},
        {"kind": "related", "target_uri": "not an iri"},
        {"kind": "related", "target_uri": household.uri},
        {"kind": "related", "target": "https://forged.example/choice"},
    ):
        assert client.post(add, {"q": "", **bad}).status_code == 400, bad
    assert ConceptLink.objects.count() == 1


def test_removing_a_link_and_deleting_a_concept_and_a_scheme(client_for, bob, alice, household, travel_household):
    link = services.link_add(alice, household, "closeMatch", travel_household.uri)
    client = client_for(bob)
    remove = reverse("glossary:link-remove", args=[household.scheme.slug, household.slug, link.pk])
    assert client.get(remove).status_code == 405
    assert client.post(remove).status_code == 302
    assert not ConceptLink.objects.exists()

    delete = reverse("glossary:concept-delete", args=[household.scheme.slug, household.slug])
    confirm = client.get(delete)
    assert confirm.status_code == 200 and household.uri in confirm.content.decode()
    assert Concept.objects.filter(pk=household.pk).exists()
    assert client.post(delete)["Location"] == reverse("glossary:scheme-edit", args=[household.scheme.slug])
    assert not Concept.objects.filter(pk=household.pk).exists()

    scheme_delete = reverse("glossary:scheme-delete", args=[household.scheme.slug])
    assert client.get(scheme_delete).status_code == 200
    assert client.post(scheme_delete)["Location"] == reverse("glossary:schemes")
    assert not ConceptScheme.objects.filter(pk=household.scheme_id).exists()


def test_outsiders_are_refused_and_change_nothing(client_for, anon, charlie, vera, dora, alice, ohs, household):
    draft = services.scheme_create(alice, organisation=ohs, title="Draft definitions")
    published = household.scheme
    pages = [
        reverse("glossary:scheme-edit", args=[published.slug]),
        reverse("glossary:concept-create", args=[published.slug]),
        concept_url(household),
        reverse("glossary:concept-delete", args=[published.slug, household.slug]),
        reverse("glossary:scheme-delete", args=[published.slug]),
    ]
    login = client_for(anon).get(pages[0])
    assert login.status_code == 302 and "login" in login["Location"]
    assert client_for(anon).get(reverse("glossary:schemes")).status_code == 302

    for user in (charlie, vera, dora):
        client = client_for(user)
        for url in pages:
            assert client.get(url).status_code == 403, (user, url)
            assert client.post(url, concept_post(household, definition="Hijacked")).status_code == 403, (user, url)
        status = reverse("glossary:scheme-status", args=[published.slug])
        assert client.post(status, {"status": "draft"}).status_code == 403
        add = reverse("glossary:link-add", args=[published.slug, household.slug])
        assert client.post(add, {"kind": "related", "target_uri": "https://x.example/c"}).status_code == 403
    # A draft is not there at all for people outside its organisation; its own viewer may not edit it.
    assert client_for(charlie).get(reverse("glossary:scheme-edit", args=[draft.slug])).status_code == 404
    assert client_for(dora).get(reverse("glossary:scheme-edit", args=[draft.slug])).status_code == 404
    assert client_for(vera).get(reverse("glossary:scheme-edit", args=[draft.slug])).status_code == 403
    assert client_for(charlie).get(reverse("glossary:scheme-create")).status_code == 403
    assert (
        client_for(charlie).post(reverse("glossary:scheme-create"), {"organisation": ohs.pk, "title": "X"}).status_code
        == 403
    )

    household.refresh_from_db()
    published.refresh_from_db()
    assert household.definition == HOUSEHOLD and household.version == 1 and ConceptVersion.objects.count() == 1
    assert published.status == ConceptScheme.Status.PUBLISHED and not ConceptLink.objects.exists()
    assert ConceptScheme.objects.count() == 2


def test_an_editor_cannot_create_a_scheme_for_another_organisation(client_for, bob, dft):
    response = client_for(bob).post(reverse("glossary:scheme-create"), {"organisation": dft.pk, "title": "Taken over"})
    assert response.status_code == 400
    assert not ConceptScheme.objects.filter(title="Taken over").exists()


def test_the_list_shows_only_the_users_organisations_schemes(client_for, bob, vera, ohs_scheme, dft_scheme):
    listing = client_for(bob).get(reverse("glossary:schemes")).content.decode()
    assert f'data-scheme="{ohs_scheme.slug}"' in listing and f'data-scheme="{dft_scheme.slug}"' not in listing
    assert reverse("glossary:scheme-create") in listing
    read_only = client_for(vera).get(reverse("glossary:schemes")).content.decode()
    assert f'data-scheme="{ohs_scheme.slug}"' in read_only and "(read only)" in read_only
    assert reverse("glossary:scheme-create") not in read_only


TURTLE = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <https://ohs.example.gov/def/> .
ex:resident a skos:Concept ; skos:prefLabel "Usual resident"@en ;
  skos:definition "In the UK on census day and staying 12 months or more."@en ;
  skos:related ex:household-member .
ex:household-member a skos:Concept ; skos:prefLabel "Household member"@en ;
  skos:exactMatch <%(travel)s> .
"""


def upload(name, text, content_type="text/turtle"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode(), content_type=content_type)


def test_importing_a_skos_file_and_a_csv_of_terms(client_for, bob, ohs_scheme, travel_household):
    client = client_for(bob)
    url = reverse("glossary:scheme-import", args=[ohs_scheme.slug])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"file": upload("terms.ttl", TURTLE % {"travel": travel_household.uri}), "change_note": "From the census."},
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "2 concepts added, 0 changed, 0 unchanged; 2 links added, 0 removed" in page
    resident = Concept.objects.get(uri="https://ohs.example.gov/def/resident")
    assert resident.scheme == ohs_scheme and resident.versions.get().change_note == "From the census."
    assert ConceptLink.objects.filter(
        concept__uri="https://ohs.example.gov/def/household-member", kind="exactMatch", target_uri=travel_household.uri
    ).exists()

    csv = 'pref_label,definition\nBenefit unit,"One adult, their partner and dependent children."\n'
    response = client.post(url, {"file": upload("terms.csv", csv, "text/csv")}, follow=True)
    assert "1 concepts added" in response.content.decode()
    assert ohs_scheme.concepts.filter(pref_label="Benefit unit").exists()


def test_a_bad_import_shows_why_and_changes_nothing(client_for, bob, alice, household, travel_household):
    services.link_add(alice, household, "exactMatch", travel_household.uri)
    scheme = household.scheme
    client = client_for(bob)
    url = reverse("glossary:scheme-import", args=[scheme.slug])
    conflicting = f"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://ohs.example.gov/def/new> a skos:Concept ; skos:prefLabel "New concept"@en .
<{household.uri}> a skos:Concept ; skos:prefLabel "Household"@en ; skos:broadMatch <{travel_household.uri}> ."""
    dtd = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">&a;</rdf:RDF>'
    for name, body, content_type, reason in (
        ("conflict.ttl", conflicting, "text/turtle", "SKOS S46"),
        ("broken.ttl", "this is not turtle <<<", "text/turtle", ""),
        ("entities.rdf", dtd, "application/rdf+xml", ""),
        ("empty.csv", "", "text/csv", "empty"),
        ("unknown.csv", "label,colour\nx,red\n", "text/csv", "Unknown column"),
    ):
        response = client.post(url, {"file": upload(name, body, content_type)})
        assert response.status_code == 400, name
        assert 'class="error-summary"' in response.content.decode() and reason in response.content.decode(), name
    assert client.post(url, {}).status_code == 400
    assert list(scheme.concepts.values_list("pref_label", flat=True)) == ["Household"]
    assert list(ConceptLink.objects.values_list("kind", flat=True)) == ["exactMatch"]


def test_only_the_schemes_editors_import(client_for, dora, vera, ohs_scheme):
    url = reverse("glossary:scheme-import", args=[ohs_scheme.slug])
    for user in (dora, vera):
        response = client_for(user).post(url, {"file": upload("terms.csv", "pref_label\nTaken\n", "text/csv")})
        assert response.status_code == 403
    assert not ohs_scheme.concepts.exists()
