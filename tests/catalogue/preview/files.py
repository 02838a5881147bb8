"""A file server on 127.0.0.1 for the preview tests: every fetch in them goes here."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from catalogue.demo.views import ods_bytes, xlsx_bytes

SHEET = [
    ["area_code", "area_name", "admissions", "rate", "period_start"],
    ["E06000001", "Hartlepool", "1234", "12.5", "2024-01-01"],
    ["E06000002", "Middlesbrough", "2345", "14.25", "2024-02-01"],
    ["E06000003", "Redcar and Cleveland", "987", "9.75", "2024-03-01"],
]


def csv_text(rows: list[list[str]], delimiter: str = ",") -> bytes:
    return ("\n".join(delimiter.join(row) for row in rows) + "\n").encode()


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
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (the timeout tests)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
