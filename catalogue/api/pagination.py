"""Pages of the REST API's lists.

``Pagination`` numbers pages (``?page=N``): it counts every visible row and skips ``N - 1``
pages with OFFSET, so a deep page costs in proportion to its depth (kept for clients that
count pages). ``KeysetPagination`` adds cursor pages to it (``?cursor=``): each page seeks
past the last row of the one before on an indexed, unique ordering, so it costs what the
first page costs at any depth, and counts nothing. The cursor is the opaque token the DCAT
pages use (``catalogue.dcat.pages.encode_cursor``): the ordering it was given for, the
position, and the direction.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.expressions import F
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from catalogue.dcat.pages import BadRequest, decode_cursor, encode_cursor
from lib.input_parsing import MAX_WHOLE_NUMBER, InvalidValue, moment_parse

CURSOR_HELP = (
    "Cursor paging: send an empty value (`?cursor=`) for the first page, then follow `next` and "
    "`previous`. Every page costs the same at any depth; the answer has no `count`. Filters, "
    "search and `ordering` work as with `page` (send the same `ordering` for the whole walk). "
    "Takes precedence over `page`. A cursor this catalogue did not give out answers 400."
)
PAGE_HELP = (
    "A page number within the paginated result set. Pages are counted from the start on each "
    "request, so deep pages are slower (hundreds of milliseconds past page 1000 of a large "
    "catalogue): to read everything, walk `cursor` pages instead."
)
REFUSED = "cursor is not one this catalogue gave out for this ordering; start again with cursor= and follow next"


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


@dataclass(frozen=True)
class Column:
    """One column of a cursor's ordering: the model field and its direction."""

    field: models.Field
    descending: bool

    @property
    def name(self) -> str:
        return "pk" if self.field.primary_key else self.field.name

    @property
    def term(self) -> str:
        return ("-" if self.descending else "") + self.name

    def reversed(self) -> "Column":
        return Column(self.field, not self.descending)


def key_for(model: type[models.Model], terms: list[str]) -> list[Column]:
    """The ordering ``terms`` (``-updated_at``, ``title``) as a unique key: each field once, then
    the primary key in the direction of the last term, so no two rows tie."""
    columns: list[Column] = []
    for term in terms:
        name = term.lstrip("-")
        field = model._meta.pk if name in ("pk", model._meta.pk.name) else model._meta.get_field(name)
        if all(column.field != field for column in columns):
            columns.append(Column(field, term.startswith("-")))
    if all(not column.field.primary_key for column in columns):
        columns.append(Column(model._meta.pk, columns[-1].descending if columns else False))
    return columns


def _equal(column: Column, value) -> Q:
    return Q(**{f"{column.name}__isnull": True}) if value is None else Q(**{column.name: value})


def _beyond(column: Column, value) -> Q | None:
    """Rows that come after ``value`` in this column's order (PostgreSQL puts NULLs last going
    up and first going down), or None when none can."""
    if column.descending:
        if value is None:
            return Q(**{f"{column.name}__isnull": False})
        return Q(**{f"{column.name}__lt": value})
    if value is None:
        return None
    after = Q(**{f"{column.name}__gt": value})
    return after | Q(**{f"{column.name}__isnull": True}) if column.field.null else after


def after_q(columns: list[Column], values: list):
    """The condition for rows strictly after ``values`` in the order of ``columns``.

    All one direction over columns that are never NULL: a row comparison, which PostgreSQL
    answers from a composite index as a range. Otherwise the expanded form (a > x OR (a = x
    AND b > y) ...) under a bound on the first column, so the index still starts the scan
    at the position."""
    nullable = any(column.field.null for column in columns)
    directions = {column.descending for column in columns}
    if not nullable and len(directions) == 1:
        lookup = TupleLessThan if columns[0].descending else TupleGreaterThan
        return lookup(Tuple(*(F(column.name) for column in columns)), tuple(values))
    condition = Q(pk__in=[])
    equal = Q()
    for column, value in zip(columns, values, strict=True):
        beyond = _beyond(column, value)
        if beyond is not None:
            condition |= equal & beyond
        equal &= _equal(column, value)
    first, value = columns[0], values[0]
    at_or_beyond = _equal(first, value)
    if (beyond := _beyond(first, value)) is not None:
        at_or_beyond |= beyond
    return at_or_beyond & condition


def _encoded(value):
    if value is None or isinstance(value, int | str):
        return value
    return value.isoformat()


def _decoded(column: Column, raw):
    """A cursor's value for ``column``, checked as strictly as a filter value would be."""
    if raw is None:
        if column.field.null:
            return None
        raise ValueError
    internal = column.field.get_internal_type()
    if isinstance(column.field, models.DateTimeField):
        if not isinstance(raw, str):
            raise ValueError
        try:
            return moment_parse(raw, "cursor")
        except InvalidValue:
            raise ValueError from None
    if internal in ("AutoField", "BigAutoField", "IntegerField", "PositiveIntegerField", "BigIntegerField"):
        if not isinstance(raw, int) or isinstance(raw, bool) or abs(raw) > MAX_WHOLE_NUMBER:
            raise ValueError
        return raw
    if isinstance(column.field, models.CharField):
        if not isinstance(raw, str) or "\x00" in raw or len(raw) > 10_000:
            raise ValueError
        return raw
    raise ValueError


@dataclass(frozen=True)
class Position:
    """Where a cursor points: after (or, going back, before) the row with these key values."""

    values: list
    backwards: bool


def position_decode(raw: str, columns: list[Column]) -> Position | None:
    """The position in an opaque cursor; None for the first page (an empty cursor)."""
    if raw == "":
        return None
    try:
        payload = decode_cursor(raw)
    except BadRequest:
        raise ValidationError({"cursor": REFUSED}) from None
    order = ",".join(column.term for column in columns)
    values = payload.get("v")
    if payload.get("o") != order or payload.get("d") not in ("n", "p") or not isinstance(values, list):
        raise ValidationError({"cursor": REFUSED})
    if len(values) != len(columns):
        raise ValidationError({"cursor": REFUSED})
    try:
        decoded = [_decoded(column, value) for column, value in zip(columns, values, strict=True)]
    except (TypeError, ValueError):
        raise ValidationError({"cursor": REFUSED}) from None
    return Position(decoded, payload["d"] == "p")


def position_encode(columns: list[Column], row, *, backwards: bool) -> str:
    values = [_encoded(getattr(row, column.field.attname)) for column in columns]
    return encode_cursor(
        {"o": ",".join(column.term for column in columns), "v": values, "d": "p" if backwards else "n"}
    )


def keyset_page(queryset: QuerySet, columns: list[Column], position: Position | None, size: int):
    """One page from ``position`` in the order of ``columns``: (rows in that order, whether
    there are rows before them, whether there are rows after them)."""
    backwards = position is not None and position.backwards
    walk = [column.reversed() for column in columns] if backwards else columns
    if position is not None:
        queryset = queryset.filter(after_q(walk, position.values))
    rows = list(queryset.order_by(*(column.term for column in walk))[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
        return rows, more, True
    return rows, position is not None, more


def _cursor_ordering(view, queryset) -> list[str] | None:
    """The ordering terms the view's list is in, or None where it offers no cursor pages."""
    if getattr(view, "action", None) != "list" or not hasattr(view, "cursor_ordering"):
        return None
    return view.cursor_ordering(queryset)


class KeysetPagination(Pagination):
    """Numbered pages as ``Pagination``, and cursor pages when the request names ``cursor``.

    The view gives the ordering of its list action as ``cursor_ordering(queryset)`` (the
    terms its ordering filter applies); other views and actions page by number only."""

    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.columns = None
        terms = _cursor_ordering(view, queryset)
        if self.cursor_query_param not in request.query_params or terms is None:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        self.columns = key_for(queryset.model, terms)
        position = position_decode(request.query_params[self.cursor_query_param], self.columns)
        size = self.get_page_size(request)
        rows, self.has_previous, self.has_next = keyset_page(queryset, self.columns, position, size)
        self.rows = rows
        return rows

    def _link(self, row, *, backwards: bool) -> str:
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(
            url, self.cursor_query_param, position_encode(self.columns, row, backwards=backwards)
        )

    def get_next_link(self):
        if self.columns is None:
            return super().get_next_link()
        return self._link(self.rows[-1], backwards=False) if self.has_next and self.rows else None

    def get_previous_link(self):
        if self.columns is None:
            return super().get_previous_link()
        return self._link(self.rows[0], backwards=True) if self.has_previous and self.rows else None

    def get_paginated_response(self, data):
        if self.columns is None:
            return super().get_paginated_response(data)
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["required"] = ["results"]
        answer["properties"]["count"]["description"] = "Every visible row; numbered pages only (not on cursor pages)."
        return answer

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["description"] = PAGE_HELP
        if getattr(view, "action", None) == "list" and hasattr(view, "cursor_ordering"):
            parameters.append(
                {
                    "name": self.cursor_query_param,
                    "required": False,
                    "in": "query",
                    "description": CURSOR_HELP,
                    "schema": {"type": "string"},
                }
            )
        return parameters
