"""Column types and simple statistics of a previewed table.

Types are the data dictionary's own datatype values (catalogue.models.Field.Datatype), so the
page names them in the same words as the dictionary ("Whole number", "Decimal number",
"Date", "Text"). A column is typed by every non-empty value read: one "n/a" among numbers
makes it text, which is what a reader loading the file would meet. Four-digit whole numbers
are a year only when the column's name says so: 1234 and 2345 are counts, not years.
No Django here.
"""

from __future__ import annotations

import re
from datetime import date, datetime

# Distinct values are counted up to this; beyond it the page says "1,000 or more".
DISTINCT_CAP = 1000

_INTEGER = re.compile(r"[+-]?\d+")
_GROUPED_INTEGER = re.compile(r"[+-]?\d{1,3}(,\d{3})+")
_DECIMAL = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?")
_URL = re.compile(r"https?://\S+")
_BOOLEANS = {"true", "false", "yes", "no", "y", "n"}


def _number(value: str) -> float | None:
    text = value.replace(",", "") if _GROUPED_INTEGER.fullmatch(value) else value
    if _DECIMAL.fullmatch(text):
        return float(text)
    return None


def _is_date(value: str) -> bool:
    if len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_datetime(value: str) -> bool:
    if "T" not in value and " " not in value:
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def infer_datatype(name: str, values: list[str]) -> str:
    """The Field.Datatype value that fits every non-empty value ("string" when nothing else does)."""
    values = [v.strip() for v in values if v.strip()]
    if not values:
        return "string"
    if all(_INTEGER.fullmatch(v) or _GROUPED_INTEGER.fullmatch(v) for v in values):
        if "year" in name.lower() and all(len(v) == 4 and 1000 <= int(v) <= 2999 for v in values):
            return "gYear"
        return "integer"
    if all(_number(v) is not None for v in values):
        return "decimal"
    if all(v.lower() in _BOOLEANS for v in values):
        return "boolean"
    if all(_is_date(v) for v in values):
        return "date"
    if all(_is_datetime(v) for v in values):
        return "datetime"
    if all(_URL.fullmatch(v) for v in values):
        return "anyURI"
    return "string"


def _show_number(number: float) -> str:
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else f"{number:g}"


def profile_column(name: str, values: list[str]) -> dict:
    """The column's type and statistics: non-empty count, distinct count (capped), and the
    smallest and largest value for numbers, years, dates and times."""
    filled = [v.strip() for v in values if v.strip()]
    distinct: set[str] = set()
    for value in filled:
        distinct.add(value)
        if len(distinct) > DISTINCT_CAP:
            break
    datatype = infer_datatype(name, filled)
    low = high = None
    if filled and datatype in ("integer", "decimal", "gYear"):
        numbers = [n for n in (_number(v) for v in filled) if n is not None]
        low, high = _show_number(min(numbers)), _show_number(max(numbers))
    elif filled and datatype in ("date", "datetime"):
        # ISO 8601 text of one form sorts as its dates do.
        low, high = min(filled), max(filled)
    return {
        "name": name,
        "datatype": datatype,
        "non_empty": len(filled),
        "distinct": min(len(distinct), DISTINCT_CAP),
        "distinct_capped": len(distinct) > DISTINCT_CAP,
        "min": low,
        "max": high,
    }


def profile_table(header: list[str], rows: list[list[str]]) -> list[dict]:
    """Every column's profile, from every row read."""
    return [profile_column(name, [row[i] for row in rows]) for i, name in enumerate(header)]
