"""The glossary search's "measured by N datasets": exact for a concept measured by few
fields, an estimate over a sample of the datasets (said "about") for a common one, counted
in full when the sample holds too few datasets the reader may see. The thresholds are
lowered here so that a few dozen datasets make a concept "common"; at their real values
(500 fields and more) bench/glossary_bench.py measures the same code."""

import re

import pytest

from catalogue import services as catalogue_services
from catalogue.actors import system_actor
from catalogue.glossary import queries
from catalogue.models import Dataset


@pytest.fixture
def low_thresholds(monkeypatch):
    monkeypatch.setattr(queries, "SAMPLE_RATES", ((10, 2), (1000, 4), (10000, 8)))
    monkeypatch.setattr(queries, "MIN_SAMPLE", 5)


def _measured_by(make_dataset, concept, count, **options):
    for number in range(count):
        dataset = make_dataset(f"Household panel {options.get('status', 'published')} {number}", **options)
        catalogue_services.fields_replace(
            dataset=dataset, user=system_actor("tests"), rows=[{"name": "household_id", "concept_uri": concept.uri}]
        )


def _measured(client, q) -> str:
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(f"/glossary/?q={q}").content.decode()))
    return re.search(r"Measured by ([^·]*?) datasets?", text).group(1)


def test_a_common_concept_shows_an_estimate_and_a_rare_one_an_exact_count(
    client, low_thresholds, make_dataset, household, travel_household, dft
):
    _measured_by(make_dataset, household, 40)
    _measured_by(make_dataset, travel_household, 3, publisher=dft)

    common = _measured(client, "private household")
    assert common.startswith("about ")
    assert 10 <= int(common.removeprefix("about ")) <= 70  # the datasets in a 1-in-2 sample of 40, doubled
    assert _measured(client, "travel together") == "3"


def test_a_sample_too_thin_to_scale_up_is_counted_in_full(client, low_thresholds, make_dataset, household):
    _measured_by(make_dataset, household, 20, status=Dataset.Status.DRAFT)  # the public sees none of these
    _measured_by(make_dataset, household, 4)

    assert _measured(client, "private household") == "4"
