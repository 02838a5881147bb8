"""Reading a CKAN site: its action API's ``package_search``, page by page, and each CKAN
package as a harvest record (the contract in catalogue/harvest/records.py).

CKAN offers no cursor, so pages are offsets into a sorted result. The sort is ``id asc``, as
ckanext-harvest's CKAN harvester does: a package's id never changes, so editing a dataset
while a run pages through the source moves nothing (sorted by ``metadata_modified``, every
edit of a dataset already read moves it to the end and shifts the rest back, so the run
skips one it has not read). Datasets added meanwhile can push one already read onto the
next page: it is dropped as already seen. Datasets deleted meanwhile shift the rest back,
which shows as a smaller ``count``: the next request then starts that many rows earlier,
so nothing is skipped. A source that refuses to sort by id (not every CKAN-like API can)
is read in ``metadata_modified asc`` order instead, the next most stable one.

No database and no socket here: every request goes through the ``fetch_json`` the runner
passes in (address policy, size and time limits), which raises SourceUnreachable or
MalformedPage itself.
"""

from __future__ import annotations

import calendar
import datetime
import json
import re
from collections.abc import Callable, Iterator
from urllib.parse import urlencode, urlsplit

from catalogue.harvest.errors import MalformedPage, SourceUnreachable
from catalogue.harvest.records import Page, RecordFailure, normalise
from lib.input_parsing import InvalidValue, moment_parse
from lib.iri import is_valid_iri

FetchJson = Callable[[str], tuple[object, int]]

# CKAN cuts rows above ckan.search.rows_max (1000 by default) without saying so.
MAX_ROWS = 1000
SORT = "id asc"
FALLBACK_SORT = "metadata_modified asc"
# ckanext-harvest sources and ckanext-showcase showcases are packages but not datasets.
NOT_DATASET_TYPES = frozenset({"harvest", "showcase"})
NO_LICENCE = frozenset({"notspecified", "not-specified"})
CHECKSUM_LENGTHS = {32: "md5", 40: "sha1", 64: "sha256"}
_API_PATH = re.compile(r"(?P<site>.*?)/api(?:/(?P<version>\d+))?(?:/action(?:/[^/]*)?)?/?$")
_HEX = re.compile(r"[0-9a-fA-F]+")
_DAY = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?=$|[T ])")
_MESSAGE_LIMIT = 500


class CkanActionFailed(MalformedPage):
    """The CKAN API answered a call with ``success: false``; the message is CKAN's."""


def action_base(source_url: str) -> tuple[str, str]:
    """(the action API's base, ending in /, and the site's root) for what an admin typed:
    a site root (https://ckan.example.gov, or one under a path), or its action API
    (/api/3/action/, /api/3, /api/action, even a whole action URL)."""
    parts = urlsplit(source_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceUnreachable(f"A CKAN source is an http or https address, not {source_url[:200]!r}.")
    origin = f"{parts.scheme}://{parts.netloc}"
    path = parts.path.rstrip("/")
    match = _API_PATH.fullmatch(path)
    site_path = match.group("site") if match else path
    version = match.group("version") if match and match.group("version") else "3"
    return f"{origin}{site_path}/api/{version}/action/", f"{origin}{site_path}"


class CkanClient:
    """Pages through one CKAN site's datasets; see the module docstring for the order."""

    def __init__(self, source_url: str, fetch_json: FetchJson):
        self.action_url, self.site_url = action_base(source_url)
        self._fetch_json = fetch_json
        self.sort = SORT

    def pages(self, modified_since: datetime.datetime | None = None, rows: int = 100) -> Iterator[Page]:
        """The source's datasets (those modified since ``modified_since`` when given), one
        Page per request. Each Page carries ``total_records`` (CKAN's count) and the bytes
        read. A generator: the runner stops a cancelled job by no longer iterating."""
        params = {"q": "*:*"}
        if modified_since is not None:
            params["fq"] = f"metadata_modified:[{_solr_time(modified_since)} TO *]"
        for batch in self._search(params, rows=max(1, min(rows, MAX_ROWS))):
            page = Page(total_records=batch.count, bytes_read=batch.bytes_read, next_url=batch.next_url)
            for package in batch.packages:
                mapped = package_to_record(package, site_url=self.site_url)
                if isinstance(mapped, RecordFailure):
                    page.failures.append(mapped)
                elif mapped is not None:
                    page.records.append(mapped)
            yield page

    def all_ids(self) -> set[str]:
        """The ids of every dataset the source lists now, for noticing the ones that left.

        Asks for the ids alone (``fl=id``), 1000 a page; a source that ignores ``fl`` sends
        whole packages, whose ids serve as well (and the packages that are no datasets,
        private or deleted ones a source may list, are left out). Raises MalformedPage when
        the listing holds fewer datasets than the source's own count (less any added while
        it was read: those are new, so missing them withdraws nothing): an incomplete list
        must never withdraw anything."""
        ids: set[str] = set()
        listed = count = added = 0
        for number, batch in enumerate(self._search({"q": "*:*", "fl": "id"}, rows=MAX_ROWS)):
            # Datasets added while the list is read may be missed; they are new, so harmless.
            added += max(0, batch.count - count) if number else 0
            count = batch.count
            for package in batch.packages:
                if isinstance(package, str):  # some CKAN versions answer fl=id with bare ids
                    package = {"id": package}
                identifier = _package_id(package)
                if identifier is None:
                    raise MalformedPage(
                        f"The dataset list of {self.site_url} has an entry without an id, so it cannot be complete."
                    )
                listed += 1
                if is_dataset(package):
                    ids.add(identifier)
        if listed < count - added:
            raise MalformedPage(
                f"{self.site_url} said it holds {count} datasets but listed only {listed}; "
                "nothing is withdrawn on an incomplete list."
            )
        return ids

    # Requests ----------------------------------------------------------------------------

    def _search(self, params: dict, *, rows: int) -> Iterator[_Batch]:
        """package_search page after page, each package once, until ``count`` is reached."""
        seen: set[str] = set()
        start, last_count, rewound = 0, None, False
        read_up_to = 0  # rows below this were read already (after a step back, they come again)
        while True:
            result, bytes_read = self._package_search({**params, "rows": rows, "start": start})
            count, results = _search_result(result, self.site_url)
            fresh = []
            for package in results:
                identifier = _package_id(package)
                if identifier is not None and identifier in seen:
                    continue
                if identifier is not None:
                    seen.add(identifier)
                fresh.append(package)
            shrunk_by = max(0, last_count - count) if last_count is not None else 0
            grew = last_count is not None and count > last_count
            read_up_to = max(0, read_up_to - shrunk_by)
            if results and not fresh and start >= read_up_to and not grew:
                raise MalformedPage(
                    f"{self.site_url} sent the same datasets again for rows {start} onwards: "
                    "its paging is broken, so the run stops."
                )
            read_up_to = max(read_up_to, start + len(results))
            if shrunk_by and not rewound:
                # Datasets were deleted meanwhile: those before ``start`` moved the rest back.
                start, rewound = max(0, start - shrunk_by), True
            else:
                start, rewound = start + len(results), False
            last_count = count
            more = bool(results) and (rewound or start < count)
            next_url = self._search_url({**params, "rows": rows, "start": start}) if more else None
            yield _Batch(fresh, count, bytes_read, next_url)
            if not more:
                return

    def _package_search(self, params: dict) -> tuple[object, int]:
        try:
            return self._call(self._search_url(params))
        except CkanActionFailed:
            # Only the first call may change the order: a source that cannot sort by id.
            if self.sort != SORT or params.get("start"):
                raise
            self.sort = FALLBACK_SORT
            return self._call(self._search_url(params))

    def _search_url(self, params: dict) -> str:
        return f"{self.action_url}package_search?{urlencode({**params, 'sort': self.sort})}"

    def _call(self, url: str) -> tuple[object, int]:
        data, bytes_read = self._fetch_json(url)
        if not isinstance(data, dict) or "success" not in data:
            raise MalformedPage(f"{url} did not answer as a CKAN action API does.")
        if data.get("success") is not True:
            raise CkanActionFailed(f"The CKAN API of {self.site_url} refused a search: {_error_message(data)}")
        if "result" not in data:
            raise MalformedPage(f"The CKAN API of {self.site_url} answered a search without a result.")
        return data["result"], bytes_read


class _Batch:
    __slots__ = ("packages", "count", "bytes_read", "next_url")

    def __init__(self, packages: list, count: int, bytes_read: int, next_url: str | None):
        self.packages, self.count, self.bytes_read, self.next_url = packages, count, bytes_read, next_url


def _search_result(result: object, site_url: str) -> tuple[int, list]:
    count = result.get("count") if isinstance(result, dict) else None
    results = result.get("results") if isinstance(result, dict) else None
    if not isinstance(count, int) or isinstance(count, bool) or count < 0 or not isinstance(results, list):
        raise MalformedPage(f"The package_search answer of {site_url} has no count and list of results.")
    return count, results


def _error_message(data: dict) -> str:
    error = data.get("error")
    if not isinstance(error, dict):
        return _text(error) or "no reason given"
    kind = _text(error.get("__type"))
    message = _text(error.get("message"))
    if not message:  # a Validation Error: field -> list of messages
        message = "; ".join(
            f"{field}: {', '.join(_texts(problems))}" for field, problems in error.items() if field != "__type"
        )
    text = f"{kind}: {message}" if kind and message else kind or message or "no reason given"
    return text[:_MESSAGE_LIMIT]


def _solr_time(moment: datetime.datetime) -> str:
    """UTC, to the second (rounded down, so the window only widens), with CKAN's ``Z``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# One package -> one record -----------------------------------------------------------


def is_dataset(package: dict) -> bool:
    """Is this package a public, active dataset (what a harvest brings in)?"""
    if package.get("private") in (True, "true", "True"):
        return False
    if _text(package.get("state")) not in ("", "active"):
        return False
    return _text(package.get("type")) not in NOT_DATASET_TYPES


def package_to_record(package: object, *, site_url: str) -> dict | RecordFailure | None:
    """One CKAN package as a harvest record (records.py), or a RecordFailure saying why not.

    None means the package is not a dataset to harvest, which is no failure: a private one,
    one that is not active (deleted, draft), or a ckanext-harvest source or showcase. Such a
    package is left out of ``all_ids`` too, so one harvested before is withdrawn.

    Identity is the CKAN id (names change, ids do not). Values come from the package's own
    fields, from its extras ({key, value} strings, as ckanext-dcat and data.gov.uk write
    them) and from ckanext-scheming's structured fields (contact, publisher,
    temporal_coverage, spatial_coverage), the richest first."""
    site_url = site_url.rstrip("/")
    if not isinstance(package, dict):
        return RecordFailure("", "The source listed an entry that is not a CKAN package.")
    if not is_dataset(package):
        return None
    identifier = _package_id(package)
    name = _text(package.get("name"))
    if identifier is None:
        return RecordFailure(
            name, f"The dataset {name or '(unnamed)'} has no id at the source, so it cannot be tracked."
        )
    title = _text(package.get("title")) or _text(package.get("title_translated"))
    if not title:
        return RecordFailure(identifier, f"The dataset {name or identifier} has no title: give it one at the source.")
    fields = _Fields(package)
    contact = _first_dict(package.get("contact"))
    publisher = _first_dict(package.get("publisher"))
    organisation = package.get("organization") if isinstance(package.get("organization"), dict) else {}
    temporal = _first_dict(package.get("temporal_coverage"))
    spatial = _first_dict(package.get("spatial_coverage"))
    start, end = _interval(fields.get("temporal"))
    return normalise(
        {
            "identifier": identifier,
            "uri": _http_iri(fields.get("uri")) or f"{site_url}/dataset/{identifier}",
            "title": title,
            "description": _text(package.get("notes")) or _text(package.get("notes_translated")),
            "keywords": _keywords(package),
            "themes": _themes(package, fields),
            "licence": _licence(package),
            "access_rights": _first(fields.get("access_rights")),
            "contact_name": _first_text(
                contact.get("name"),
                fields.get("contact_name", "contact-name"),
                package.get("maintainer"),
                package.get("author"),
            ),
            "contact_email": _email(
                _first_text(
                    contact.get("email"),
                    fields.get("contact_email", "contact-email"),
                    package.get("maintainer_email"),
                    package.get("author_email"),
                )
            ),
            "temporal_start": _day(temporal.get("start"))
            or _day(fields.get("temporal_start", "temporal_coverage-from"))
            or start,
            "temporal_end": _day(temporal.get("end"), end=True)
            or _day(fields.get("temporal_end", "temporal_coverage-to"), end=True)
            or end,
            "spatial_uri": _iri(spatial.get("uri")) or _iri(_first(fields.get("spatial_uri"))),
            "spatial_label": _first_text(spatial.get("text"), _first(fields.get("spatial_text"))),
            "frequency": _first(fields.get("frequency", "update_frequency", "frequency-of-update")),
            "language": _first(fields.get("language"), split_commas=True),
            "version": _text(package.get("version")),
            "version_notes": _text(fields.get("version_notes")),
            "conforms_to": _first(fields.get("conforms_to")),
            "landing_page": _url(package.get("url")),
            "issued": _day(fields.get("issued", "dcat_issued")) or _day(package.get("metadata_created")),
            "modified": _moment(fields.get("modified", "dcat_modified")) or _moment(package.get("metadata_modified")),
            "publisher_name": _first_text(
                publisher.get("name"), fields.get("publisher_name"), organisation.get("title"), organisation.get("name")
            ),
            "publisher_uri": _http_iri(publisher.get("uri"))
            or _http_iri(publisher.get("identifier"))
            or _http_iri(fields.get("publisher_uri"))
            or _organisation_uri(organisation, site_url),
            "source_page": f"{site_url}/dataset/{name or identifier}",
            "distributions": [
                _distribution(resource, identifier, site_url)
                for resource in package.get("resources") or ()
                if isinstance(resource, dict) and _text(resource.get("state")) in ("", "active")
            ],
        }
    )


class _Fields:
    """A package's custom fields: extras first (ckanext-dcat's way), then top-level fields
    (ckanext-scheming's way); the first key that has a value wins."""

    def __init__(self, package: dict):
        self.package = package
        self.extras = {}
        for extra in package.get("extras") or ():
            if isinstance(extra, dict) and isinstance(extra.get("key"), str):
                self.extras.setdefault(extra["key"], extra.get("value"))

    def get(self, *keys: str):
        for key in keys:
            for source in (self.extras, self.package):
                value = source.get(key)
                if value not in (None, "", [], {}):
                    return value
        return None


def _distribution(resource: dict, package_id: str, site_url: str) -> dict:
    resource_id = _text(resource.get("id"))
    url = _url(resource.get("url"))
    checksum, algorithm = _checksum(resource.get("hash"), resource.get("hash_algorithm"))
    return {
        "uri": _http_iri(resource.get("uri"))
        or (f"{site_url}/dataset/{package_id}/resource/{resource_id}" if resource_id else ""),
        "title": _text(resource.get("name")),
        "description": _text(resource.get("description")),
        "access_url": _url(resource.get("access_url")) or url,
        "download_url": _url(resource.get("download_url"))
        or (url if _text(resource.get("url_type")) == "upload" else ""),
        "format": _text(resource.get("format")),
        "media_type": _text(resource.get("mimetype")),
        "byte_size": _size(resource.get("size")),
        "checksum": checksum,
        "checksum_algorithm": algorithm,
        "licence": _text(resource.get("license")),
        "rights": _text(resource.get("rights")),
        "conforms_to": _first(resource.get("conforms_to")),
        "availability": _text(resource.get("availability")),  # ckanext-dcat's resource field
        "issued": _day(resource.get("issued")) or _day(resource.get("created")),
        "modified": _moment(resource.get("modified")) or _moment(resource.get("last_modified")),
    }


def _keywords(package: dict) -> list[str]:
    keywords = []
    for tag in package.get("tags") or ():
        if isinstance(tag, dict):
            if _text(tag.get("state")) not in ("", "active"):
                continue
            keywords.append(_first_text(tag.get("display_name"), tag.get("name")))
        else:
            keywords.append(_text(tag))
    return sorted({k for k in keywords if k})


def _themes(package: dict, fields: _Fields) -> list[str]:
    themes = []
    for group in package.get("groups") or ():
        if isinstance(group, dict):
            themes.append(
                _http_iri(group.get("uri"))
                or _first_text(group.get("title"), group.get("display_name"), group.get("name"))
            )
    themes += _texts(fields.get("theme"))
    themes += _texts(fields.get("theme-primary"))
    themes += _texts(fields.get("theme-secondary"))
    return sorted({t for t in themes if t})


def _licence(package: dict) -> str:
    licence_id = _text(package.get("license_id"))
    if licence_id.lower() in NO_LICENCE:
        return ""
    return _iri(package.get("license_url")) or licence_id or _text(package.get("license_title"))


def _organisation_uri(organisation: dict, site_url: str) -> str:
    if not organisation:
        return ""
    key = _text(organisation.get("id")) or _text(organisation.get("name"))
    return _http_iri(organisation.get("uri")) or (f"{site_url}/organization/{key}" if key else "")


def _checksum(raw_hash, raw_algorithm) -> tuple[str, str]:
    """(hex checksum, algorithm) when both are certain, else ("", ""): the algorithm CKAN
    gives (a name or an SPDX IRI), or an ``sha256:`` prefix, or the length of plain hex."""
    text = _text(raw_hash)
    algorithm = _algorithm(_text(raw_algorithm))
    if ":" in text:
        prefix, _, rest = text.partition(":")
        if _algorithm(prefix):
            algorithm, text = algorithm or _algorithm(prefix), rest.strip()
    if not text or not _HEX.fullmatch(text):
        return "", ""
    by_length = CHECKSUM_LENGTHS.get(len(text), "")
    algorithm = algorithm or by_length
    if not algorithm or by_length != algorithm:
        return "", ""
    return text.lower(), algorithm


def _algorithm(text: str) -> str:
    squeezed = re.sub(r"[^a-z0-9]", "", text.lower())
    for name in ("sha256", "sha1", "md5"):
        if squeezed.endswith(name):
            return name
    return ""


def _size(raw) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str):
        text = raw.strip().replace(",", "")
        raw = int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None
    return raw if isinstance(raw, int) and 0 <= raw < 2**63 else None


# Values ------------------------------------------------------------------------------


def _package_id(package: object) -> str | None:
    if isinstance(package, str):
        return package.strip() or None
    if not isinstance(package, dict):
        return None
    return _text(package.get("id")) or None


def _text(value) -> str:
    """Text of a scalar; of a language map (ckanext-fluent), its first non-empty value."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return next((t for t in map(_text, value.values()) if t), "")
    return ""


def _texts(value, *, split_commas: bool = False) -> list[str]:
    """Every value of a list, of a JSON-encoded list (how extras hold lists) or of one text."""
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if isinstance(value, list | tuple):
        return [t for t in map(_text, value) if t]
    text = _text(value)
    if split_commas:
        return [part.strip() for part in text.split(",") if part.strip()]
    return [text] if text else []


def _first(value, *, split_commas: bool = False) -> str:
    return next(iter(_texts(value, split_commas=split_commas)), "")


def _first_text(*values) -> str:
    return next((t for t in map(_first, values) if t), "")


def _first_dict(value) -> dict:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, dict)), None)
    return value if isinstance(value, dict) else {}


def _iri(value) -> str:
    text = _text(value)
    return text if is_valid_iri(text) else ""


def _http_iri(value) -> str:
    text = _iri(value)
    return text if text.lower().startswith(("http://", "https://")) else ""


def _url(value) -> str:
    """A link people follow: http(s) or ftp only (never ``javascript:``). Spaces, common in
    CKAN resource URLs, are escaped; a ``www.`` address without a scheme gets http://, as a
    browser would."""
    text = _text(value).replace(" ", "%20")
    if text.lower().startswith("www."):
        text = f"http://{text}"
    return text if text.lower().startswith(("http://", "https://", "ftp://")) and is_valid_iri(text) else ""


def _email(text: str) -> str:
    return text[len("mailto:") :].strip() if text.lower().startswith("mailto:") else text


def _day(value, *, end: bool = False) -> str:
    """A date as YYYY-MM-DD from a date, a date-time (its date as written) or a year or
    month (its first day, or its last with ``end``); "" for anything else."""
    match = _DAY.match(_first(value))
    if not match:
        return ""
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if month is None:
            return datetime.date(year, 12 if end else 1, 31 if end else 1).isoformat()
        if day is None:
            day = calendar.monthrange(year, month)[1] if end else 1
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return ""


def _moment(value) -> str:
    """An ISO 8601 date-time in UTC (CKAN's timestamps are naive UTC), or ""."""
    text = _first(value)
    if not text:
        return ""
    try:
        return moment_parse(text, "modified").isoformat()
    except InvalidValue:
        return ""


def _interval(value) -> tuple[str, str]:
    """A ``start/end`` interval (DCAT-US ``temporal``) as two dates."""
    text = _first(value)
    if "/" not in text:
        return "", ""
    start, _, end = text.partition("/")
    return _day(start), _day(end, end=True)
