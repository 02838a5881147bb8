"""The one writer of previews: fetch a distribution's file, read its first rows, store them.

Run by workers from the outbox (a distribution's links changed) and by the periodic sweep.
The fetch goes through the address policy the link checks and harvests use
(lib.netpolicy: every address checked before any socket connects, every redirect again) —
or, for a file on this site itself, in-process (catalogue.own_site), as the link checks do;
reads at most ``max_bytes`` and stops there, and has a deadline a trickling server cannot
stretch. A failure is stored as what it is, with when; the last good preview is kept beside
it, never silently replaced.
"""

from __future__ import annotations

import logging
import time
from http import HTTPStatus
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone

from catalogue import outbox
from catalogue.models import Distribution
from catalogue.own_site import is_own_url, own_url_get
from catalogue.preview.models import DataPreview
from catalogue.preview.profiling import profile_table
from catalogue.preview.reading import FORMAT_LABELS, PREVIEW_ROWS, Unpreviewable, read_table
from lib.netpolicy import RefusedAddress, fetch

logger = logging.getLogger(__name__)

# The distribution's declared format, media type or file extension -> the reader to use.
FORMAT_CODES = {"CSV": "csv", "XLSX": "xlsx", "ODS": "ods", "JSON": "json", "GEOJSON": "geojson"}
MEDIA_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/json": "json",
    "application/geo+json": "geojson",
    "application/vnd.geo+json": "geojson",
}
EXTENSIONS = {".csv": "csv", ".xlsx": "xlsx", ".ods": "ods", ".json": "json", ".geojson": "geojson"}


def previewable_format(distribution: Distribution) -> str | None:
    """The tabular format this distribution says it has (reading.FORMATS), or None."""
    if distribution.format_id and distribution.format.code.upper() in FORMAT_CODES:
        return FORMAT_CODES[distribution.format.code.upper()]
    if distribution.media_type_id and distribution.media_type.code.lower() in MEDIA_TYPES:
        return MEDIA_TYPES[distribution.media_type.code.lower()]
    for url in (distribution.download_url, distribution.access_url):
        path = urlsplit(url or "").path.lower()
        for extension, file_format in EXTENSIONS.items():
            if path.endswith(extension):
                return file_format
    return None


def preview_url(distribution: Distribution) -> str:
    """The file to read: the download URL, else the access URL."""
    return distribution.download_url or distribution.access_url


def preview_refresh(
    *, distribution_id: int, allow_loopback: bool, timeout: float, max_bytes: int
) -> DataPreview | None:
    """Fetch and store the preview of one distribution; None when it has nothing to preview
    (then any old preview goes, since the page must not show rows of a file no longer linked)."""
    distribution = Distribution.objects.select_related("format", "media_type").filter(pk=distribution_id).first()
    if distribution is None:
        return None
    expected = previewable_format(distribution)
    url = preview_url(distribution)
    if expected is None or not url:
        with transaction.atomic():
            if DataPreview.objects.filter(distribution_id=distribution_id).delete()[0]:
                _page_changed(distribution.dataset_id)
        return None
    outcome = _fetch_and_read(
        url, expected=expected, allow_loopback=allow_loopback, timeout=timeout, max_bytes=max_bytes
    )
    return _store(distribution, url, outcome)


def _fetch_and_read(url: str, *, expected: str, allow_loopback: bool, timeout: float, max_bytes: int):
    """A reading.Table, or an Unpreviewable saying why not."""
    try:
        if is_own_url(url):  # this site's own file: asked in-process, no socket (catalogue.own_site)
            own = own_url_get(url, max_bytes=max_bytes + 1)
            status, body, content_type = own.status, own.body, own.content_type
        else:
            response = fetch(
                url,
                allow_loopback=allow_loopback,
                timeout=timeout,
                max_bytes=max_bytes + 1,  # one byte more tells a file of exactly max_bytes from a longer one
                truncate=True,
                deadline=time.monotonic() + 2 * timeout,
                headers={"Accept": "text/csv, application/json;q=0.9, */*;q=0.5"},
            )
            status, body, content_type = response.status, response.body, response.headers.get("content-type", "")
    except RefusedAddress:
        return Unpreviewable("refused", "The link points to a private or local address, so it was not fetched")
    except (OSError, ValueError):  # refused connection, timeout, DNS, TLS, a malformed answer: no answer
        return Unpreviewable("no-answer", "The link did not answer")
    if status >= 400:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "an error"
        return Unpreviewable("http-error", f"The link answered {status} {reason}".rstrip())
    whole_file = len(body) <= max_bytes
    try:
        return read_table(
            body[:max_bytes],
            expected=expected,
            whole_file=whole_file,
            max_bytes=max_bytes,
            content_type=content_type,
        )
    except Unpreviewable as problem:
        return problem
    except Exception:  # a file no reader foresaw must not stop the worker: it is unreadable
        logger.warning("preview of %s failed unexpectedly", url, exc_info=True)
        return Unpreviewable("unreadable", f"The file could not be read as {FORMAT_LABELS[expected]}")


def _store(distribution: Distribution, url: str, outcome) -> DataPreview:
    now = timezone.now()
    try:
        return _write(distribution, url, outcome, now)
    except IntegrityError:  # another worker created the row first: update it instead
        return _write(distribution, url, outcome, now)


def _write(distribution: Distribution, url: str, outcome, now) -> DataPreview:
    with transaction.atomic():
        preview = DataPreview.objects.select_for_update().filter(distribution=distribution).first()
        if preview is None:
            preview = DataPreview(distribution=distribution, attempted_at=now)
        preview.attempted_url, preview.attempted_at = url, now
        if isinstance(outcome, Unpreviewable):
            preview.failure, preview.failure_message = outcome.kind, outcome.message[:300]
        else:
            preview.failure, preview.failure_message = "", ""
            preview.url, preview.file_format = url, outcome.file_format
            preview.columns = profile_table(outcome.header, outcome.rows)
            preview.rows = outcome.rows[:PREVIEW_ROWS]
            preview.rows_read, preview.whole_file = len(outcome.rows), outcome.whole_file
            preview.previewed_at = now
        preview.save()
        _page_changed(distribution.dataset_id)
    return preview


def _page_changed(dataset_id: int) -> None:
    """The dataset page shows the preview: its search entry is rewritten, which is what moves
    the anonymous page cache's key (catalogue.views) to a fresh rendering."""
    outbox.record(outbox.Kind.SEARCH, [dataset_id])
