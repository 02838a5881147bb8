"""Reading the first rows of each format, and typing their columns, as the page will show them."""

import pytest

from catalogue.preview.profiling import DISTINCT_CAP, infer_datatype, profile_column, profile_table
from catalogue.preview.reading import Unpreviewable, read_table
from tests.catalogue.preview.files import SHEET, standard_routes

ROUTES = standard_routes()
MB = 1024 * 1024


def read(path: str, expected: str, *, whole_file: bool = True, max_bytes: int = MB):
    _, content_type, body = ROUTES[path]
    return read_table(body, expected=expected, whole_file=whole_file, max_bytes=max_bytes, content_type=content_type)


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/admissions.csv", "csv"),
        ("/semicolons.csv", "csv"),
        ("/admissions.xlsx", "xlsx"),
        ("/admissions.ods", "ods"),
        ("/admissions.json", "json"),
        ("/admissions.geojson", "geojson"),
    ],
)
def test_each_format_gives_the_same_header_and_rows(path, expected):
    table = read(path, expected)
    assert table.header == SHEET[0]
    assert table.rows == SHEET[1:]
    assert table.whole_file
    assert table.file_format == expected


def test_an_html_page_behind_a_csv_link_is_said_to_be_html():
    with pytest.raises(Unpreviewable) as problem:
        read("/page.csv", "csv")
    assert problem.value.kind == "not-tabular"
    assert problem.value.message == "The file is not CSV (it is HTML)"


def test_a_cut_off_csv_keeps_only_its_complete_rows():
    body = ROUTES["/many-rows.csv"][2][:1000]
    table = read_table(body, expected="csv", whole_file=False, max_bytes=1000)
    last = table.rows[-1]
    assert table.header == ["id", "value"]
    assert int(last[1]) == int(last[0]) * 2  # the partial last line was dropped, not half-read
    assert not table.whole_file


def test_a_cap_holding_no_complete_row_is_too_large():
    with pytest.raises(Unpreviewable) as problem:
        read_table(b"a" * 1024, expected="csv", whole_file=False, max_bytes=1024)
    assert problem.value.kind == "too-large"
    assert problem.value.message == "Too large to preview: the first 1 KB held no complete row"


def test_a_cut_off_spreadsheet_is_too_large_rather_than_broken():
    body = ROUTES["/admissions.xlsx"][2]
    with pytest.raises(Unpreviewable) as problem:
        read_table(body[:200], expected="xlsx", whole_file=False, max_bytes=MB)
    assert problem.value.message == "Too large to preview: XLSX files are read whole, and this one is over 1 MB"


@pytest.mark.parametrize(
    "body, kind",
    [(b"", "empty"), (b"  \n", "empty"), (b"%PDF-1.7 ...", "not-tabular"), (b'{"a": 1}', "not-tabular")],
)
def test_what_cannot_be_previewed_says_why(body, kind):
    with pytest.raises(Unpreviewable) as problem:
        read_table(body, expected="csv", whole_file=True, max_bytes=MB)
    assert problem.value.kind == kind


def test_a_broken_spreadsheet_is_unreadable():
    with pytest.raises(Unpreviewable) as problem:
        read_table(
            b"PK\x03\x04[Content_Types].xml xl/workbook.xml, cut short", expected="xlsx", whole_file=True, max_bytes=MB
        )
    assert problem.value.kind == "unreadable"


def test_short_rows_are_padded_to_the_header():
    table = read_table(b"a,b,c\n1\n1,2,3\n", expected="csv", whole_file=True, max_bytes=MB)
    assert table.rows == [["1", "", ""], ["1", "2", "3"]]


def test_a_windows_1252_file_is_read_as_such():
    table = read_table(b"place,name\r\n1,Caf\xe9 des Arts\r\n", expected="csv", whole_file=True, max_bytes=MB)
    assert table.rows == [["1", "Café des Arts"]]


# Types and statistics.


@pytest.mark.parametrize(
    "name, values, datatype",
    [
        ("admissions", ["1234", "2345"], "integer"),  # not gYear: four digits are not a year by themselves
        ("year", ["2019", "2020"], "gYear"),
        ("count", ["1,234", "12"], "integer"),
        ("rate", ["12.5", "3", "-0.25"], "decimal"),
        ("day", ["2024-01-01", "2024-12-31"], "date"),
        ("at", ["2024-01-01T10:00:00", "2024-01-02 11:30:00"], "datetime"),
        ("flag", ["true", "False", "yes"], "boolean"),
        ("link", ["https://example.gov/a"], "anyURI"),
        ("count", ["12", "n/a"], "string"),
        ("blank", ["", " "], "string"),
    ],
)
def test_column_types(name, values, datatype):
    assert infer_datatype(values, name) == datatype


def test_statistics_of_numbers_and_dates():
    columns = {c["name"]: c for c in profile_table(SHEET[0], SHEET[1:] + [["E06000004", "", "", "", ""]])}
    assert columns["admissions"] == {
        "name": "admissions",
        "datatype": "integer",
        "non_empty": 3,
        "distinct": 3,
        "distinct_capped": False,
        "min": "987",
        "max": "2345",
    }
    assert (columns["rate"]["min"], columns["rate"]["max"]) == ("9.75", "14.25")
    assert (columns["period_start"]["min"], columns["period_start"]["max"]) == ("2024-01-01", "2024-03-01")
    assert columns["area_name"]["min"] is None and columns["area_name"]["non_empty"] == 3
    assert columns["area_code"]["non_empty"] == 4


def test_distinct_values_are_counted_up_to_a_cap():
    column = profile_column("id", [str(i) for i in range(DISTINCT_CAP + 500)])
    assert column["distinct"] == DISTINCT_CAP
    assert column["distinct_capped"] is True


def test_a_spreadsheet_with_nonsense_repeat_counts_is_still_read():
    import io
    import zipfile

    from tests.catalogue.preview.files import ods_bytes

    original = zipfile.ZipFile(io.BytesIO(ods_bytes(SHEET)))
    content = original.read("content.xml").replace(
        b'number-columns-repeated="16379"', b'number-columns-repeated="lots"'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", original.read("mimetype"))
        archive.writestr("content.xml", content)
    table = read_table(buffer.getvalue(), expected="ods", whole_file=True, max_bytes=MB)
    assert table.rows == SHEET[1:]
