"""Column types and simple statistics of a previewed table.

Types are the data dictionary's own datatype values (catalogue.models.Field.Datatype), so the
page names them in the same words as the dictionary ("Whole number", "Decimal number",
"Date", "Text"), guessed by the same rule as the dictionary's CSV import (lib.column_types).
No Django here.
"""

from __future__ import annotations

from lib.column_types import infer_datatype, number_value

# Distinct values are counted up to this; beyond it the page says "1,000 or more".
DISTINCT_CAP = 1000


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
    datatype = infer_datatype(filled, name)
    low = high = None
    if filled and datatype in ("integer", "decimal", "gYear"):
        numbers = [n for n in (number_value(v) for v in filled) if n is not None]
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
