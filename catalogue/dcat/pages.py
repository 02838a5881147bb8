"""Reads for the DCAT endpoints: catalogue pages with keyset cursors, full dumps, the change feed.

Every read starts from ``catalogued_datasets()`` joined to the stored records, so a
dataset that is not published and public is never served, even while its record
still waits for a refresh.
"""

import base64
import binascii
import datetime
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Max, QuerySet

from catalogue.access import catalogued_datasets
from catalogue.models import RdfRecord
from catalogue.rdf import dcat
from catalogue.rdf.formats import RdfFormat, StatedOnce
from lib.input_parsing import InvalidValue, moment_parse, whole_number_parse

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
DUMP_CHUNK = 1000


class BadRequest(ValueError):
    """A parameter the client sent cannot be understood; the message says which."""


def parse_when(raw: str, name: str) -> datetime.datetime:
    """An ISO 8601 date or date-time in UTC (lib.input_parsing.moment_parse: naive values are
    UTC, a '+' that a query string turned into a space is put back, out-of-range refused)."""
    try:
        return moment_parse(raw, name)
    except InvalidValue as error:
        raise BadRequest(f"{error}; ISO 8601, e.g. 2024-01-31T00:00:00Z") from None


def encode_cursor(payload: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> dict:
    try:
        payload = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadRequest("cursor is not one this catalogue gave out; follow the next/previous links") from None
    if not isinstance(payload, dict):
        raise BadRequest("cursor is not one this catalogue gave out; follow the next/previous links")
    return payload


def catalogued_records(modified_since: datetime.datetime | None = None) -> QuerySet:
    """Stored records of datasets in the catalogue (as of their last refresh)."""
    records = RdfRecord.objects.filter(in_catalogue=True)
    if modified_since is not None:
        records = records.filter(modified__gte=modified_since)
    return records


def confirm(rows: list[tuple]) -> list[tuple]:
    """(pk, uri, uuid, *rest) for the rows whose dataset is catalogued right now.

    Records are read by their own indexes, so a page costs the same at any depth; this
    check through ``catalogued_datasets()`` drops a dataset that left the catalogue a
    moment ago and whose record still waits for its refresh, so it can never leak."""
    if not rows:
        return []
    current = {
        pk: (uri, str(uuid))
        for pk, uri, uuid in catalogued_datasets().filter(pk__in=[r[0] for r in rows]).values_list("pk", "uri", "uuid")
    }
    return [(r[0], *current[r[0]], *r[1:]) for r in rows if r[0] in current]


def last_change() -> datetime.datetime | None:
    """When anything in the catalogue last changed (a record rebuilt or withdrawn)."""
    return RdfRecord.objects.aggregate(last=Max("modified"))["last"]


def first_issued() -> datetime.datetime | None:
    first = RdfRecord.objects.order_by("id").only("created_at").first()
    return first.created_at if first else None


@dataclass
class PageQuery:
    page_size: int = DEFAULT_PAGE_SIZE
    page: int | None = None
    after: int | None = None
    before: int | None = None
    modified_since: datetime.datetime | None = None

    @classmethod
    def from_params(cls, params) -> "PageQuery":
        query = cls()
        raw_size = params.get("page_size")
        if raw_size:
            try:
                query.page_size = int(raw_size)
            except ValueError:
                raise BadRequest("page_size must be a whole number from 1 to 1000") from None
            if query.page_size < 1:
                raise BadRequest("page_size must be a whole number from 1 to 1000")
            query.page_size = min(query.page_size, MAX_PAGE_SIZE)
        if params.get("modified_since"):
            query.modified_since = parse_when(params["modified_since"], "modified_since")
        if params.get("cursor"):
            cursor = decode_cursor(params["cursor"])
            try:
                if "a" in cursor:
                    query.after = int(cursor["a"])
                elif "b" in cursor:
                    query.before = int(cursor["b"])
                else:
                    raise ValueError
            except (TypeError, ValueError):
                raise BadRequest("cursor is not one this catalogue gave out; follow the next/previous links") from None
        elif params.get("page"):
            try:
                query.page = whole_number_parse(params["page"], "page", default=1, minimum=1)
            except InvalidValue as error:
                raise BadRequest(str(error)) from None
        return query

    def base_params(self) -> dict:
        params = {}
        if self.page_size != DEFAULT_PAGE_SIZE:
            params["page_size"] = str(self.page_size)
        if self.modified_since is not None:
            params["modified_since"] = self.modified_since.isoformat().replace("+00:00", "Z")
        return params


@dataclass
class Page:
    rows: list[tuple]  # (dataset pk, uri, uuid, etag)
    total: int
    last_page: int
    has_next: bool
    has_previous: bool
    is_first: bool
    first_key: int | None = None  # the cursor bounds, from the records read (kept even if one is dropped)
    last_key: int | None = None

    @property
    def ids(self) -> list[int]:
        return [row[0] for row in self.rows]


def catalogue_page(query: PageQuery) -> Page:
    """One page of catalogued datasets in id order. Cursors (``after``/``before``) seek by
    id, so a deep page costs what the first costs; ``page`` numbers are an offset, kept
    for first/last and for clients that count pages (the last page is read backwards).

    ``total`` counts the stored records in the catalogue (an index-only count)."""
    records = catalogued_records(query.modified_since)
    total = records.count()
    size = query.page_size
    last_page = max(1, -(-total // size))
    columns = ("dataset_pk", "etag")
    if query.after is not None:
        rows = list(records.filter(dataset_pk__gt=query.after).order_by("dataset_pk").values_list(*columns)[:size])
    elif query.before is not None:
        rows = list(records.filter(dataset_pk__lt=query.before).order_by("-dataset_pk").values_list(*columns)[:size])[
            ::-1
        ]
    else:
        number = query.page or 1
        if number > last_page:
            raise BadRequest(f"page {number} is past the last page ({last_page})")
        if number == last_page and number > 1:
            remainder = total - (last_page - 1) * size
            rows = list(records.order_by("-dataset_pk").values_list(*columns)[:remainder])[::-1]
        else:
            rows = list(records.order_by("dataset_pk").values_list(*columns)[(number - 1) * size : number * size])
    has_next = bool(rows) and records.filter(dataset_pk__gt=rows[-1][0]).exists()
    has_previous = bool(rows) and records.filter(dataset_pk__lt=rows[0][0]).exists()
    return Page(
        rows=confirm(rows),
        total=total,
        last_page=last_page,
        has_next=has_next,
        has_previous=has_previous,
        is_first=not has_previous,
        first_key=rows[0][0] if rows else None,
        last_key=rows[-1][0] if rows else None,
    )


def page_etag(fmt: RdfFormat, page: Page, url: str) -> str:
    digest = hashlib.sha256(f"{fmt.name}|{url}|{page.total}|".encode())
    for row in page.rows:
        digest.update(row[3].encode())
    return f'"{digest.hexdigest()[:40]}"'


def stored_fragments(fmt: RdfFormat, ids: list[int], chunk: int = 200) -> Iterator[str]:
    """The stored fragments of these datasets in this order, read ``chunk`` at a time."""
    for start in range(0, len(ids), chunk):
        wanted = ids[start : start + chunk]
        found = dict(RdfRecord.objects.filter(dataset_pk__in=wanted).values_list("dataset_pk", fmt.name))
        for pk in wanted:
            fragment = found.get(pk)
            if fragment:
                yield fragment


def page_fragments(fmt: RdfFormat, page: Page, hydra: list) -> Iterator[str]:
    """The page's catalogue node and its datasets' stored records, each triple once (the
    records share publishers, licences, formats and other nodes)."""
    once = StatedOnce(fmt)
    yield from once.pieces(
        fmt.fragment(
            dcat.catalog_triples(issued=first_issued(), modified=last_change())
            + dcat.catalog_link_triples([(uri, uuid) for _, uri, uuid, _ in page.rows])
            + hydra
        )
    )
    for fragment in stored_fragments(fmt, page.ids):
        yield from once.pieces(fragment)


def dump_fragments(fmt: RdfFormat) -> Iterator[str]:
    """The whole catalogue, read in id order ``DUMP_CHUNK`` records at a time: memory stays
    flat whatever the catalogue's size. Each chunk states each triple once (what it
    remembers to do so is dropped with the chunk); a node shared by records of different
    chunks is stated once per chunk."""
    once = StatedOnce(fmt)
    yield from once.pieces(fmt.fragment(dcat.catalog_triples(issued=first_issued(), modified=last_change())))
    once.mark()
    records = catalogued_records()
    after = 0
    while True:
        chunk = list(
            records.filter(dataset_pk__gt=after).order_by("dataset_pk").values_list("dataset_pk", fmt.name)[:DUMP_CHUNK]
        )
        if not chunk:
            return
        rows = confirm(chunk)
        once.forget()
        yield from once.pieces(fmt.fragment(dcat.catalog_link_triples([(uri, uuid) for _, uri, uuid, _ in rows])))
        for row in rows:
            if row[3]:
                yield from once.pieces(row[3])
        after = chunk[-1][0]


# The change feed ---------------------------------------------------------------------


@dataclass
class Change:
    uri: str
    slug: str
    title: str
    change: str  # created, modified or withdrawn
    at: datetime.datetime


def changes_since(
    since: datetime.datetime, *, limit: int = 1000, cursor: dict | None = None
) -> tuple[list[Change], dict | None]:
    """Datasets that entered, changed in or left the catalogue since ``since``, oldest
    first, with the cursor of the next batch (None when this is the last)."""
    records = RdfRecord.objects.filter(modified__gte=since).order_by("modified", "id")
    if cursor:
        try:
            at, last_id = parse_when(cursor["m"], "cursor"), int(cursor["i"])
        except (KeyError, TypeError, ValueError):
            raise BadRequest("cursor is not one this catalogue gave out") from None
        records = records.filter(modified__gte=at).exclude(modified=at, id__lte=last_id)
    rows = list(
        records.values_list(
            "id", "dataset_pk", "dataset_uri", "slug", "title", "in_catalogue", "created_at", "modified"
        )[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    present = set(catalogued_datasets().filter(pk__in=[r[1] for r in rows]).values_list("pk", flat=True))
    changes = []
    for _, pk, uri, slug, title, in_catalogue, created_at, modified in rows:
        if in_catalogue and pk in present:
            kind = "created" if created_at >= since else "modified"
        else:
            kind = "withdrawn"
        changes.append(Change(uri=uri, slug=slug, title=title, change=kind, at=modified))
    next_cursor = None
    if more and rows:
        next_cursor = {"m": rows[-1][7].isoformat(), "i": rows[-1][0]}
    return changes, next_cursor
