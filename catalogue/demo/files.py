"""The sample files behind the demo catalogue's download links: CSV, JSON, GeoJSON, and
spreadsheets (XLSX, ODS) written with the standard library's zipfile, since two five-row
sheets do not justify a dependency.

Built from a data dictionary's names and types alone, so the loader can record each file's
real size as the distribution's byte size before the dataset is saved, and the view serves
exactly those bytes.
"""

import csv
import io
import json
import zipfile
from xml.sax.saxutils import escape, quoteattr

from lib.csv_cells import csv_row_neutralise

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "geojson": "application/geo+json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}


def _number(value: str) -> str | None:
    """The value as a spreadsheet number, if it is one (codes such as E06000001 are not)."""
    return value if value.lstrip("-").replace(".", "", 1).isdigit() else None


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


XLSX_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
XLSX_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    """A one-sheet Office Open XML workbook, the header row as text, numbers as numbers.

    Text is written as inline strings, which spreadsheet programs show as typed and never
    run as formulas, so these cells need no neutralising (unlike CSV, see lib.csv_cells)."""
    cells = []
    for r, row in enumerate(rows, start=1):
        out = []
        for c, value in enumerate(row):
            ref = f"{_column(c)}{r}"
            number = _number(value) if r > 1 else None
            if number is not None:
                out.append(f'<c r="{ref}"><v>{number}</v></c>')
            else:
                out.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
        cells.append(f'<row r="{r}">{"".join(out)}</row>')
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG_REL}">'
            f'<Relationship Id="rId1" Type="{XLSX_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<workbook xmlns="{XLSX_MAIN}" xmlns:r="{XLSX_REL}">'
            f'<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG_REL}">'
            f'<Relationship Id="rId1" Type="{XLSX_REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<worksheet xmlns="{XLSX_MAIN}"><sheetData>{"".join(cells)}</sheetData></worksheet>'
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


ODS_MIME = CONTENT_TYPES["ods"]


def ods_bytes(rows: list[list[str]]) -> bytes:
    """A one-table OpenDocument spreadsheet: the mimetype entry first and stored, as ODF requires."""
    table_rows = []
    for r, row in enumerate(rows):
        out = []
        for value in row:
            number = _number(value) if r else None
            if number is not None:
                out.append(f'<table:table-cell office:value-type="float" office:value={quoteattr(number)}>')
            else:
                out.append('<table:table-cell office:value-type="string">')
            out.append(f"<text:p>{escape(value)}</text:p></table:table-cell>")
        table_rows.append(f"<table:table-row>{''.join(out)}</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Data">'
        f"{''.join(table_rows)}"
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODS_MIME}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODS_MIME, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return buffer.getvalue()


SAMPLES = {
    "string": "E06000001",
    "integer": "1250",
    "decimal": "12.5",
    "boolean": "true",
    "date": "2024-03-01",
    "datetime": "2024-03-01T09:00:00Z",
    "gYear": "2024",
}


def sample_rows(names: list[str], types: list[str], rows: int = 5) -> list[list[str]]:
    """A small sample file's content: the header and a few plausible rows."""
    body = [[SAMPLES.get(t, "x") for t in types] for _ in range(rows)]
    return [list(names), *body]


def sample_file_bytes(table: list[list[str]], extension: str) -> bytes:
    """The sample file in the given format, as the server sends it."""
    header, *rows = table
    if extension == "csv":
        out = io.StringIO()
        # Field names are publishers' text: a spreadsheet must not run one as a formula.
        csv.writer(out).writerows(csv_row_neutralise(row) for row in [header, *rows])
        body = out.getvalue()
    elif extension == "json":
        body = json.dumps([dict(zip(header, row, strict=True)) for row in rows], indent=1)
    elif extension == "xlsx":
        body = xlsx_bytes([header, *rows])
    elif extension == "ods":
        body = ods_bytes([header, *rows])
    else:
        features = [
            {"type": "Feature", "geometry": None, "properties": dict(zip(header, row, strict=True))} for row in rows
        ]
        body = json.dumps({"type": "FeatureCollection", "features": features}, indent=1)
    return body if isinstance(body, bytes) else body.encode("utf-8")
