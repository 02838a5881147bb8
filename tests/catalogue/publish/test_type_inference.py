"""The data dictionary import guesses each CSV column's type from its name and first rows,
as a publisher would: counts are whole numbers, a year is a year only when the column says so."""

import pytest

from catalogue.publish import dictionary
from catalogue.publish.dictionary import infer_datatype


@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("admissions", ["1234", "2345"], "integer"),
        ("count", ["1999", "2000", "2001"], "integer"),
        ("year", ["2019", "2020"], "gYear"),
        ("financial_year", ["2019", "2020"], "gYear"),
        ("FinancialYear", ["2019"], "gYear"),
        ("reference_yr", ["2021"], "gYear"),
        ("year", ["2019", "12"], "integer"),
        ("year", ["2019", "4000"], "integer"),
        ("yearly_total", ["2019", "2020"], "integer"),
        ("la_code", ["00123", "00456"], "string"),
        ("change", ["-12", "+3", "0"], "integer"),
        ("rate", ["0.5", "1.25", "3"], "decimal"),
        ("flag", ["yes", "No", "TRUE"], "boolean"),
        ("month", ["2024-01-01", "2024-02-01"], "date"),
        ("seen_at", ["2024-01-01T10:00:00Z"], "datetime"),
        ("page", ["https://example.gov/a", "http://example.gov/b"], "anyURI"),
        ("region", ["E12000001", "E12000002"], "string"),
        ("empty", ["", "  "], "string"),
        ("year", ["2019/20", "2020/21"], "string"),
    ],
)
def test_a_column_gets_the_type_its_name_and_values_suggest(name, values, expected):
    assert infer_datatype(values, name) == expected


def test_a_csv_of_counts_is_imported_as_whole_numbers_not_years():
    rows = dictionary.parse_csv("year,admissions,beds\n2023,1234,2345\n2024,2345,1999\n")
    assert [(row["name"], row["datatype"]) for row in rows] == [
        ("year", "gYear"),
        ("admissions", "integer"),
        ("beds", "integer"),
    ]
