"""Every page and feed a reader or harvester can GET, under hostile query parameters.

Hypothesis draws parameters from the names the views read (and values a hostile or
careless client sends): every answer is a page or a 4xx with a reason, never a 500.
"""

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from catalogue.glossary import services as glossary
from catalogue.glossary.models import ConceptScheme
from provenance.services import derivation_add
from tests.writes import actor

PARAMETER_NAMES = [
    "q", "page", "page_size", "sort", "cursor", "as_of", "lineage_as_of", "since", "modified_since",
    "depth", "limit", "from", "to", "a", "b", "format", "theme", "publisher", "licence", "status",
    "datasets", "with", "name", "title", "slugs", "dataset",
]  # fmt: skip
HOSTILE = [
    "1e23", "-1", "0", "NaN", "9" * 5000, "x", "", "99999-01-01", "0001-01-01T00:00:00-14:00",
    "9999-12-31T23:59:59+14:00", "2024-02-30", "\x00", "' OR 1=1 --", "<script>", "%", "a" * 3000,
]  # fmt: skip
PAGES = [
    "/",
    "/datasets/hospital-admissions/",
    "/datasets/hospital-admissions/provenance.ttl",
    "/datasets/hospital-admissions.ttl",
    "/datasets/hospital-admissions.jsonld",
    "/organisations/",
    "/organisations/ohs/",
    "/themes/",
    "/about/quality/",
    "/catalog",
    "/catalog.ttl",
    "/catalog/changes",
    "/catalog/changes.atom",
    "/lineage/stubs/",
    "/glossary/",
    "/glossary/population/",
    "/glossary/population/household/",
    "/glossary/population.ttl",
    "/glossary/suggest.json",
    "/compare/",
    "/api/v1/compare/",
    "/publish/datasets/sources.json",
    "/publish/welcome/",
]


parameters = st.dictionaries(
    st.sampled_from(PARAMETER_NAMES), st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20)), min_size=1, max_size=3
)


@pytest.mark.parametrize("path", PAGES)
def test_pages_answer_a_page_or_a_4xx_for_any_parameters(client_for, make_dataset, bob, ohs, path):
    admissions = make_dataset("Hospital admissions")
    derivation_add(derived=make_dataset("Bed occupancy"), source=admissions, user=actor())
    scheme = glossary.scheme_create(
        bob, organisation=ohs, title="Population", slug="population", status=ConceptScheme.Status.PUBLISHED
    )
    glossary.concept_create(bob, scheme, pref_label="Household")
    client = client_for(bob)

    @given(params=parameters)
    @hypothesis_settings(
        max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
    )
    def run(params):
        response = client.get(path, params)
        assert response.status_code < 500, (path, params)

    run()
