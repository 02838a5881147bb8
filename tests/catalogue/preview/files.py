"""A file server on 127.0.0.1 for the preview tests: every fetch in them goes here."""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

import openpyxl

SHEET = [
    ["area_code", "area_name", "admissions", "rate", "period_start"],
    ["E06000001", "Hartlepool", "1234", "12.5", "2024-01-01"],
    ["E06000002", "Middlesbrough", "2345", "14.25", "2024-02-01"],
    ["E06000003", "Redcar and Cleveland", "987", "9.75", "2024-03-01"],
]


def csv_text(rows: list[list[str]], delimiter: str = ",") -> bytes:
    return ("\n".join(delimiter.join(row) for row in rows) + "\n").encode()


def _number(value: str) -> bool:
    return value.replace(".", "", 1).isdigit()


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    """A workbook as a spreadsheet program writes one (openpyxl: shared strings, numbers as numbers)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for r, row in enumerate(rows):
        sheet.append([float(v) if r and _number(v) and "." in v else int(v) if r and v.isdigit() else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"


def ods_bytes(rows: list[list[str]]) -> bytes:
    """An OpenDocument spreadsheet padded the way LibreOffice pads one: repeated empty cells
    to the right of each row and a million repeated empty rows below the data."""
    body = []
    for r, row in enumerate(rows):
        cells = []
        for value in row:
            if r and _number(value):
                cells.append(
                    f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
                )
            else:
                cells.append(
                    f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'
                )
        cells.append('<table:table-cell table:number-columns-repeated="16379"/>')
        body.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
    body.append(
        '<table:table-row table:number-rows-repeated="1048571"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Data">{"".join(body)}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODS_MIME, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
    return buffer.getvalue()


def standard_routes() -> dict[str, tuple[int, str, bytes]]:
    """path -> (status, content type, body)."""
    records = [dict(zip(SHEET[0], row, strict=True)) for row in SHEET[1:]]
    return {
        "/admissions.csv": (200, "text/csv", csv_text(SHEET)),
        "/semicolons.csv": (200, "text/csv", csv_text(SHEET, ";")),
        "/admissions.xlsx": (200, "application/octet-stream", xlsx_bytes(SHEET)),
        "/admissions.ods": (200, "application/octet-stream", ods_bytes(SHEET)),
        "/admissions.json": (200, "application/json", json.dumps(records).encode()),
        "/admissions.geojson": (
            200,
            "application/geo+json",
            json.dumps(
                {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": r} for r in records]}
            ).encode(),
        ),
        "/page.csv": (200, "text/html; charset=utf-8", b"<!DOCTYPE html><html><body>Sign in</body></html>"),
        "/one-long-line.csv": (200, "text/csv", b"a" * 5000),
        "/many-rows.csv": (
            200,
            "text/csv",
            csv_text([["id", "value"]] + [[str(i), str(i * 2)] for i in range(1, 3000)]),
        ),
    }


class FileServer:
    def __init__(self):
        self.routes = standard_routes()
        self.requests: list[str] = []
        routes, requests = self.routes, self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                requests.append(self.path)
                if self.path.startswith("/slow"):
                    time.sleep(3)
                status, content_type, body = routes.get(self.path, (404, "text/plain", b"Not here"))
                with contextlib.suppress(OSError):  # the client gave up (the timeout tests)
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, *args):
                """Quiet: the tests assert on what the server answered, not on its log."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
