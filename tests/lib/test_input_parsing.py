"""Client values parsed once and bounded: paging numbers, row ids, moments, JSON documents."""

from datetime import UTC, datetime

import pytest

from lib.input_parsing import (
    MAX_WHOLE_NUMBER,
    InvalidValue,
    json_document_load,
    moment_parse,
    row_id_parse,
    whole_number_parse,
)


@pytest.mark.parametrize("raw", ["1e23", "1" + "0" * 23, "-1", "1.5", "x", "٣", 1e23, 1.5, True, [1], "9" * 5000])
def test_whole_numbers_out_of_bounds_or_not_whole_are_refused_with_the_name(raw):
    with pytest.raises(InvalidValue, match="page"):
        whole_number_parse(raw, "page", default=1, minimum=1)


def test_whole_numbers_within_bounds_are_read_and_page_sizes_clamped():
    assert whole_number_parse(None, "page", default=1) == 1
    assert whole_number_parse(" 42 ", "page", default=1) == 42
    assert whole_number_parse(7.0, "rows", default=10) == 7
    assert whole_number_parse("5000", "rows", default=10, maximum=1000, clamp=True) == 1000
    assert whole_number_parse(str(MAX_WHOLE_NUMBER), "start", default=0) == MAX_WHOLE_NUMBER
    with pytest.raises(InvalidValue):
        whole_number_parse("5000", "limit", default=10, maximum=1000)


def test_row_ids_are_only_numbers_a_database_can_hold():
    assert row_id_parse("17") == 17
    assert [row_id_parse(v) for v in ["0", "-3", "9" * 5000, "1e3", "٣", str(2**63)]] == [None] * 6


def test_moments_are_utc_and_within_the_years_databases_store():
    assert moment_parse("2024-05-01", "as_of") == datetime(2024, 5, 1, tzinfo=UTC)
    assert moment_parse("2024-05-01", "as_of", day_means_end=True).hour == 23
    assert moment_parse("2024-05-01T12:00:00 02:00", "as_of") == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert moment_parse("0001-01-01T00:00:00-14:00", "as_of") == datetime(1, 1, 1, 14, tzinfo=UTC)
    for raw in ["x", "99999-01-01", "2024-02-30", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", ""]:
        with pytest.raises(InvalidValue, match="as_of"):
            moment_parse(raw, "as_of")


def test_json_nested_too_deeply_is_a_value_error_not_a_recursion_error():
    assert json_document_load('{"a": [1]}') == {"a": [1]}
    with pytest.raises(ValueError, match="nested too deeply"):
        json_document_load("[" * 100_000)
