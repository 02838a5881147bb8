"""Invalid records are refused with a clear message, whatever path writes them."""

import pytest
from django.core.exceptions import ValidationError

from catalogue.models import Dataset, Distribution, Field, VocabularyTerm
from tests.conftest import term
from tests.writes import add_field


def errors_of(instance) -> dict:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


def test_end_date_before_start_date_is_refused(make_dataset):
    dataset = make_dataset()
    dataset.temporal_start, dataset.temporal_end = "2024-06-01", "2024-01-01"
    assert "cannot be before its start" in errors_of(dataset)["temporal_end"][0]


def test_bad_url_is_refused(make_dataset):
    dataset = make_dataset()
    distribution = Distribution(dataset=dataset, access_url="not a url")
    assert "Enter a valid URL" in errors_of(distribution)["access_url"][0]


def test_duplicate_identifier_is_refused(make_dataset):
    first = make_dataset("Admissions")
    second = Dataset(title="Other", slug="other", publisher=first.publisher, uri=first.uri)
    assert "already exists" in errors_of(second)["uri"][0]


@pytest.mark.parametrize(
    ("algorithm", "checksum", "ok"),
    [
        ("sha256", "a" * 64, True),
        ("sha256", "a" * 63, False),
        ("sha256", "g" * 64, False),
        ("md5", "0123456789abcdef0123456789abcdef", True),
        ("", "a" * 64, False),
    ],
)
def test_checksum_must_be_hex_of_the_algorithms_length(make_dataset, algorithm, checksum, ok):
    distribution = Distribution(
        dataset=make_dataset(), access_url="https://data.example.gov/x", checksum=checksum, checksum_algorithm=algorithm
    )
    if ok:
        distribution.full_clean()
    else:
        errors = errors_of(distribution)
        message = " ".join(errors.get("checksum", []) + errors.get("checksum_algorithm", []))
        assert "hexadecimal" in message or "algorithm" in message


def test_unknown_vocabulary_term_is_refused(make_dataset):
    dataset = make_dataset()
    dataset.licence = term("theme", "HEAL")  # a theme is not a licence
    assert "not a term of the licence vocabulary" in errors_of(dataset)["licence"][0]
    distribution = Distribution(dataset=dataset, access_url="https://data.example.gov/x", format=term("licence", "CC0"))
    assert "not a term of the file type vocabulary" in errors_of(distribution)["format"][0]


def test_field_names_are_unique_within_a_dataset(make_dataset):
    dataset = make_dataset()
    add_field(dataset, name="la_code")
    assert "already exists" in errors_of(Field(dataset=dataset, name="la_code"))["__all__"][0]


def test_field_constraints_must_be_known(make_dataset):
    field = Field(dataset=make_dataset(), name="age", constraints={"minimum": 0, "colour": "red"})
    assert "Unknown constraint(s): colour" in errors_of(field)["constraints"][0]


def test_withdrawing_needs_a_reason_for_readers(make_dataset):
    # The import service validates the record, so the error comes from creating it.
    with pytest.raises(ValidationError) as caught:
        make_dataset(status=Dataset.Status.WITHDRAWN)
    assert "Say why" in caught.value.message_dict["withdrawn_reason"][0]


def test_dataset_gets_a_stable_uri_under_the_base_and_a_human_slug(settings, make_dataset):
    dataset = make_dataset("Road Traffic Counts (2024)")
    assert dataset.slug == "road-traffic-counts-2024"
    assert dataset.uri == f"{settings.PROVCAT_BASE_URI}/id/dataset/{dataset.uuid}"
    dataset.slug = "road-traffic"
    dataset.save()
    dataset.refresh_from_db()
    assert dataset.uri.endswith(str(dataset.uuid))  # the identifier survives a new slug


def test_a_given_identifier_is_kept(make_dataset):
    dataset = make_dataset(uri="https://data.gov.uk/id/dataset/abc")
    assert dataset.uri == "https://data.gov.uk/id/dataset/abc"


def test_second_dataset_with_the_same_title_gets_its_own_slug(make_dataset):
    assert make_dataset("Admissions").slug == "admissions"
    assert make_dataset("Admissions").slug == "admissions-2"


def test_vocabularies_load_with_their_official_uris(db):
    eu = "http://publications.europa.eu/resource/authority"
    expected = {
        ("theme", "HEAL"): f"{eu}/data-theme/HEAL",
        ("frequency", "ANNUAL"): f"{eu}/frequency/ANNUAL",
        ("access-right", "RESTRICTED"): f"{eu}/access-right/RESTRICTED",
        ("file-type", "CSV"): f"{eu}/file-type/CSV",
        ("media-type", "text/csv"): "https://www.iana.org/assignments/media-types/text/csv",
        ("licence", "OGL_3_0"): f"{eu}/licence/OGL_3_0",
        ("licence", "CC_BY_4_0"): f"{eu}/licence/CC_BY_4_0",
        ("licence", "CC0"): f"{eu}/licence/CC0",
        ("licence", "ODC_ODBL"): f"{eu}/licence/ODC_ODBL",
    }
    for (scheme, code), uri in expected.items():
        assert VocabularyTerm.objects.get(scheme=scheme, code=code).uri == uri
    assert VocabularyTerm.objects.filter(scheme="theme").count() == 13
    csv = VocabularyTerm.objects.get(scheme="file-type", code="CSV")
    assert csv.machine_readable and csv.non_proprietary
    assert not VocabularyTerm.objects.get(scheme="file-type", code="XLSX").non_proprietary
