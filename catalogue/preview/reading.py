"""Read the first rows of a fetched file: CSV, XLSX, ODS, JSON and GeoJSON.

No Django and no network here: the service fetches the bytes (at most a byte cap, under the
address policy) and hands them in with whether they are the whole file. Every failure is a
``Unpreviewable`` whose message a reader understands ("The file is not CSV (it is HTML)"),
because the dataset page shows it as it is.

Spreadsheets and JSON must be read whole (a ZIP's directory is at its end; JSON has no
row boundaries), so a cut-off one is too large to preview; a cut-off CSV loses only its last,
incomplete line.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field

from defusedxml import ElementTree

MAX_COLUMNS = 200
MAX_CELL_CHARS = 200
# Rows read for types and statistics; only the first PREVIEW_ROWS are kept for display.
MAX_ROWS = 10_000
PREVIEW_ROWS = 50
# A spreadsheet's XML is compressed: refuse to inflate more than this from a capped download.
MAX_UNZIPPED_BYTES = 32 * 1024 * 1024
FORMATS = ("csv", "xlsx", "ods", "json", "geojson")
FORMAT_LABELS = {"csv": "CSV", "xlsx": "XLSX", "ods": "ODS", "json": "JSON", "geojson": "GeoJSON"}


class Unpreviewable(Exception):
    """The file cannot be previewed; ``kind`` is a DataPreview.Failure value."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class Table:
    file_format: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    whole_file: bool = True


def size_words(size: int) -> str:
    """1048576 -> "1 MB", as the failure messages say it."""
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MB"
    if size >= 1024:
        return f"{round(size / 1024)} KB"
    return f"{size} bytes"


def sniff(body: bytes, content_type: str = "") -> str:
    """What the bytes are: one of FORMATS, or a word naming what else ("HTML", "PDF", ...)."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    lowered = head[:200].lower()
    if body.startswith(b"PK\x03\x04"):
        if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in body[:200]:
            return "ods"
        if b"xl/workbook.xml" in body or b"[Content_Types].xml" in body:
            return "xlsx"
        return "ZIP"
    if body.startswith(b"%PDF"):
        return "PDF"
    if lowered.startswith((b"<!doctype html", b"<html")) or "html" in content_type.lower():
        return "HTML"
    if lowered.startswith(b"<?xml") or lowered.startswith(b"<"):
        return "XML"
    if head[:1] in (b"{", b"["):
        return "json"
    if b"\x00" in body[:2048]:
        return "binary data"
    return "csv"


def read_table(body: bytes, *, expected: str, whole_file: bool, max_bytes: int, content_type: str = "") -> Table:
    """The table in ``body``, which should be ``expected`` (one of FORMATS)."""
    if not body.strip():
        raise Unpreviewable("empty", "The file is empty")
    found = sniff(body, content_type)
    expected_label = FORMAT_LABELS.get(expected, expected.upper())
    if found == "ZIP" and expected in ("xlsx", "ods") and not whole_file:
        found = expected  # a cut-off archive may not reach the entry that names its kind
    if found not in FORMATS:
        raise Unpreviewable("not-tabular", f"The file is not {expected_label} (it is {found})")
    if found == "json" and expected == "geojson":
        found = "geojson"
    if found in ("xlsx", "ods", "json", "geojson") and not whole_file:
        raise Unpreviewable(
            "too-large",
            f"Too large to preview: {FORMAT_LABELS[found]} files are read whole, and this one is over "
            f"{size_words(max_bytes)}",
        )
    reader = {"csv": _read_csv, "xlsx": _read_xlsx, "ods": _read_ods, "json": _read_json, "geojson": _read_json}
    table = reader[found](body, whole_file=whole_file, max_bytes=max_bytes)
    if not table.header:
        raise Unpreviewable("empty", "The file has no columns")
    return table


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 1] + "…"


def _shape(header: list[str], rows: list[list[str]], file_format: str, whole_file: bool) -> Table:
    """Cut to the column and row limits and pad short rows, so every row has every column."""
    header = [_cell(name).strip() or f"Column {i + 1}" for i, name in enumerate(header[:MAX_COLUMNS])]
    width = len(header)
    shaped = []
    for row in rows[:MAX_ROWS]:
        row = [_cell(value) for value in row[:width]]
        shaped.append(row + [""] * (width - len(row)))
    return Table(file_format, header, shaped, whole_file=whole_file and len(rows) <= MAX_ROWS)


# CSV.


def _decode(body: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError as exc:
            if encoding == "utf-8-sig" and exc.start >= len(body) - 3:
                # A multi-byte character cut by the byte cap.
                return body[: exc.start].decode("utf-8-sig")
    return body.decode("latin-1")


def _read_csv(body: bytes, *, whole_file: bool, max_bytes: int) -> Table:
    text = _decode(body)
    if not whole_file:
        # The cap cut the last line: keep only complete ones, and there must be a header and a row.
        end = max(text.rfind("\n"), text.rfind("\r"))
        text = text[:end] if end > 0 else ""
        if sum(1 for line in text.splitlines() if line.strip()) < 2:
            raise Unpreviewable(
                "too-large", f"Too large to preview: the first {size_words(max_bytes)} held no complete row"
            )
    sample = text[:65536]
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0] if sample else ",", delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        lines = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if any(row)]
    except csv.Error as exc:
        raise Unpreviewable("unreadable", f"The file could not be read as CSV ({exc})") from None
    if not lines:
        raise Unpreviewable("empty", "The file is empty")
    return _shape(lines[0], lines[1:], "csv", whole_file)


# Spreadsheets: the first sheet, through defusedxml (no DTDs, no entities).


def _zip_member(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise Unpreviewable("unreadable", f"The spreadsheet has no {name}") from None
    if info.file_size > MAX_UNZIPPED_BYTES:
        raise Unpreviewable("too-large", "Too large to preview: the sheet is too big once unpacked")
    with archive.open(info) as member:
        data = member.read(MAX_UNZIPPED_BYTES + 1)
    if len(data) > MAX_UNZIPPED_BYTES:
        raise Unpreviewable("too-large", "Too large to preview: the sheet is too big once unpacked")
    return data


def _xml(data: bytes, what: str):
    try:
        return ElementTree.fromstring(data)
    except Exception as exc:  # defusedxml refusals and parse errors alike: the file is unusable
        raise Unpreviewable("unreadable", f"The {what} could not be read ({type(exc).__name__})") from None


def _open_zip(body: bytes, what: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile:
        raise Unpreviewable("unreadable", f"The file could not be read as {what}") from None


XLSX = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
XLSX_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _column_index(reference: str) -> int:
    letters = re.match(r"[A-Z]+", reference or "")
    if not letters:
        return -1
    index = 0
    for letter in letters.group(0):
        index = index * 26 + ord(letter) - 64
    return index - 1


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    workbook = _xml(_zip_member(archive, "xl/workbook.xml"), "workbook")
    sheet = workbook.find(f"{XLSX}sheets/{XLSX}sheet")
    if sheet is None:
        raise Unpreviewable("empty", "The spreadsheet has no sheet")
    relation = sheet.get(f"{XLSX_REL}id")
    relations = _xml(_zip_member(archive, "xl/_rels/workbook.xml.rels"), "workbook")
    for rel in relations.iter(f"{PKG_REL}Relationship"):
        if rel.get("Id") == relation:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise Unpreviewable("unreadable", "The spreadsheet's first sheet could not be found")


def _read_xlsx(body: bytes, *, whole_file: bool, max_bytes: int) -> Table:
    with _open_zip(body, "XLSX") as archive:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in archive.namelist():
            strings = _xml(_zip_member(archive, "xl/sharedStrings.xml"), "shared strings")
            shared = ["".join(t.text or "" for t in item.iter(f"{XLSX}t")) for item in strings.iter(f"{XLSX}si")]
        sheet = _xml(_zip_member(archive, _first_sheet_path(archive)), "sheet")
    rows: list[list[str]] = []
    for row in sheet.iter(f"{XLSX}row"):
        values: list[str] = []
        for position, cell in enumerate(row.iter(f"{XLSX}c")):
            index = _column_index(cell.get("r", "")) if cell.get("r") else position
            if index < 0 or index >= MAX_COLUMNS:
                continue
            kind = cell.get("t", "n")
            if kind == "inlineStr":
                value = "".join(t.text or "" for t in cell.iter(f"{XLSX}t"))
            else:
                raw = cell.findtext(f"{XLSX}v") or ""
                if kind == "s":
                    value = shared[int(raw)] if raw.isdigit() and int(raw) < len(shared) else ""
                elif kind == "b":
                    value = "true" if raw == "1" else "false"
                else:
                    value = raw
            values += [""] * (index - len(values))
            values.append(value)
        if any(v.strip() for v in values):
            rows.append(values)
        if len(rows) > MAX_ROWS:
            break
    if not rows:
        raise Unpreviewable("empty", "The spreadsheet's first sheet is empty")
    return _shape(rows[0], rows[1:], "xlsx", whole_file)


ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
ODS_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
# Spreadsheet programs pad a sheet with "repeated" empty rows and cells up to the sheet's
# edge (a million rows): repeats are honoured only up to this.
MAX_REPEAT = 1000


def _repeat(value: str | None) -> int:
    return min(int(value), MAX_REPEAT) if value and value.isdigit() and int(value) > 0 else 1


def _read_ods(body: bytes, *, whole_file: bool, max_bytes: int) -> Table:
    with _open_zip(body, "ODS") as archive:
        content = _xml(_zip_member(archive, "content.xml"), "spreadsheet")
    table = next(content.iter(f"{ODS_TABLE}table"), None)
    if table is None:
        raise Unpreviewable("empty", "The spreadsheet has no sheet")
    rows: list[list[str]] = []
    for row in table.iter(f"{ODS_TABLE}table-row"):
        values: list[str] = []
        for cell in row:
            if cell.tag not in (f"{ODS_TABLE}table-cell", f"{ODS_TABLE}covered-table-cell"):
                continue
            if cell.get(f"{ODS_OFFICE}value-type") in ("float", "percentage", "currency"):
                value = cell.get(f"{ODS_OFFICE}value", "")
            elif cell.get(f"{ODS_OFFICE}value-type") == "date":
                value = cell.get(f"{ODS_OFFICE}date-value", "")
            else:
                value = "\n".join("".join(p.itertext()) for p in cell.iter(f"{ODS_TEXT}p"))
            repeat = _repeat(cell.get(f"{ODS_TABLE}number-columns-repeated"))
            values += [value] * repeat
            if len(values) >= MAX_COLUMNS:
                break
        while values and not values[-1].strip():
            values.pop()
        if values:
            repeat = _repeat(row.get(f"{ODS_TABLE}number-rows-repeated"))
            rows += [values] * repeat
        if len(rows) > MAX_ROWS:
            break
    if not rows:
        raise Unpreviewable("empty", "The spreadsheet's first sheet is empty")
    return _shape(rows[0], rows[1:], "ods", whole_file)


# JSON: an array of objects, an object holding one (such as {"data": [...]}), or GeoJSON features.


def _records(document: object) -> list | None:
    if isinstance(document, dict) and isinstance(document.get("features"), list):
        return [f.get("properties") if isinstance(f, dict) else None for f in document["features"]]
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        lists = [value for value in document.values() if isinstance(value, list) and value]
        if len(lists) == 1:
            return lists[0]
    return None


def _read_json(body: bytes, *, whole_file: bool, max_bytes: int) -> Table:
    try:
        document = json.loads(_decode(body))
    except (ValueError, RecursionError) as exc:
        raise Unpreviewable("unreadable", f"The file could not be read as JSON ({exc})") from None
    records = _records(document)
    if not records or not all(isinstance(r, dict) for r in records[:MAX_ROWS]):
        raise Unpreviewable("not-tabular", "The JSON is not a list of records, so it has no rows to show")
    header: list[str] = []
    seen: set[str] = set()
    for record in records[:MAX_ROWS]:
        for key in record:
            if key not in seen and len(header) < MAX_COLUMNS:
                seen.add(key)
                header.append(key)
    rows = [[_cell(record.get(key)) for key in header] for record in records[: MAX_ROWS + 1]]
    file_format = "geojson" if isinstance(document, dict) and "features" in document else "json"
    return _shape(header, rows, file_format, whole_file)
