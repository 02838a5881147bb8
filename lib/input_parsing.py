"""Values a client sends (query parameters, JSON bodies), parsed once and bounded.

Every paging parameter, row id, date-time and JSON document that arrives from outside goes
through one of these, so an absurd value (``page=1e23``, a 5,000-digit id, year 99999 or an
offset that leaves the representable range, JSON nested 100,000 deep) is refused with a
message naming the parameter instead of overflowing a database column or the interpreter's
stack further in. ``InvalidValue`` is a ValueError: each caller answers it as its own 4xx.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

# No paging parameter needs more: PostgreSQL's OFFSET and LIMIT take 64-bit numbers, and a
# value past every row answers an empty page anyway, so anything larger is a probe or a typo.
MAX_WHOLE_NUMBER = 2**31 - 1
# Primary keys are 64-bit in PostgreSQL (bigint): a longer number names no row.
MAX_ROW_ID = 2**63 - 1


class InvalidValue(ValueError):
    """A value from a client that cannot be used; the message says which and why."""


def whole_number_parse(
    raw,
    name: str,
    *,
    default: int,
    minimum: int = 0,
    maximum: int = MAX_WHOLE_NUMBER,
    clamp: bool = False,
) -> int:
    """``raw`` (text from a query string, or a JSON number) as a whole number within bounds.

    Missing or empty gives ``default``. Above ``maximum``: the maximum with ``clamp`` (a
    page size that protocols such as CKAN's cut down silently), else refused. Never above
    MAX_WHOLE_NUMBER."""
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        raise InvalidValue(f"{name} must be a whole number, not {raw!r}")
    if isinstance(raw, float):
        if not raw.is_integer() or abs(raw) > MAX_WHOLE_NUMBER:
            raise InvalidValue(f"{name} must be a whole number from {minimum} to {min(maximum, MAX_WHOLE_NUMBER)}")
        raw = int(raw)
    if isinstance(raw, str):
        text = raw.strip()
        digits = text[1:] if text[:1] in "+-" else text
        # Length first: int() of a 5,000-digit string is slow and the number is useless anyway.
        if not digits.isascii() or not digits.isdigit() or len(digits) > len(str(MAX_WHOLE_NUMBER)):
            raise InvalidValue(
                f"{name} must be a whole number from {minimum} to {min(maximum, MAX_WHOLE_NUMBER)}, not {raw[:40]!r}"
            )
        raw = int(text)
    if not isinstance(raw, int):
        raise InvalidValue(f"{name} must be a whole number, not {type(raw).__name__}")
    if raw < minimum:
        raise InvalidValue(f"{name} must be at least {minimum}")
    if raw > maximum:
        if clamp and raw <= MAX_WHOLE_NUMBER:
            return maximum
        raise InvalidValue(f"{name} must be at most {maximum}")
    return raw


def row_id_parse(raw) -> int | None:
    """``raw`` as a database id when it could be one (ASCII digits within 64 bits), else None."""
    text = str(raw)
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ROW_ID)):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ROW_ID else None


def moment_parse(raw: str, name: str, *, day_means_end: bool = False) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC date-time; a naive one is UTC.

    A bare date means the start of that day, or its end with ``day_means_end`` ("as of
    2024-05-01" includes that day). A '+' that a query string turned into a space is put
    back. Refused: anything else, impossible dates (2024-02-30) and moments that leave the
    years 1 to 9999 once converted to UTC (0001-01-01T00:00:00-14:00), which databases
    cannot store or compare."""
    text = str(raw).strip()
    hint = f"{name} must be a date (2024-05-01) or date-time (2024-05-01T12:00:00Z)"
    if not text or len(text) > 64:
        raise InvalidValue(hint)
    moment = None
    for candidate in (text, text.replace(" ", "+")):
        try:
            moment = datetime.fromisoformat(candidate) if ("T" in candidate or ":" in candidate) else None
        except ValueError:
            continue
        if moment is not None:
            break
    if moment is None:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise InvalidValue(f"{hint}, not {text!r}") from None
        moment = datetime.combine(day, time.max if day_means_end else time.min)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidValue(f"{name} is out of range once converted to UTC: {text!r}") from None


def json_document_load(text: str | bytes, **options):
    """``json.loads``, with nesting too deep for the parser refused as invalid JSON.

    A few hundred bytes (or a 452-byte gzip body) of ``[[[[...`` make the parser exhaust
    the interpreter's recursion limit; that is a client's malformed body, not a server
    error. Raises ValueError (json.JSONDecodeError for ordinary syntax errors)."""
    try:
        return json.loads(text, **options)
    except RecursionError:
        raise InvalidValue("the JSON is nested too deeply") from None
