"""The type a column of text values holds, in the data dictionary's datatype values.

One rule for every place that guesses a column's type from its values: the data dictionary's
CSV import (catalogue.publish.dictionary) and the data preview (catalogue.preview.profiling),
so a publisher and an analyst see the same type for the same column. The values are
``catalogue.models.Field.Datatype`` values ("integer", "decimal", "gYear", ...); no Django here.

A column is typed by every non-empty value: one "n/a" among numbers makes it text, which is
what a reader loading the file meets. Whole numbers come before years: four digits are a year
only when the column's name says so ("year", "financial_year", "ref_yr") and every value is
between 1000 and 2999; 1234 and 2345 in a column of admissions are counts. Numbers written
with a leading zero ("00123") are codes, kept as text so the zeros survive.
"""

from __future__ import annotations

import re
from datetime import date, datetime

YEAR_NAME = re.compile(r"(^|[^a-z])(year|yr|yyyy)(s?)($|[^a-z])|^(calendar|financial|fiscal|academic)_?year", re.I)
WHOLE_NUMBER = re.compile(r"[+-]?\d+")
GROUPED_WHOLE_NUMBER = re.compile(r"[+-]?\d{1,3}(,\d{3})+")  # 1,234,567
DECIMAL_NUMBER = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?")
WEB_ADDRESS = re.compile(r"https?://\S+")
BOOLEAN_WORDS = {"true", "false", "yes", "no", "y", "n"}


def number_value(value: str) -> float | None:
    """The number a cell holds (thousands separators allowed), or None."""
    text = value.replace(",", "") if GROUPED_WHOLE_NUMBER.fullmatch(value) else value
    return float(text) if DECIMAL_NUMBER.fullmatch(text) else None


def _is_date(value: str) -> bool:
    try:
        return len(value) == 10 and date.fromisoformat(value) is not None
    except ValueError:
        return False


def _is_datetime(value: str) -> bool:
    if "T" not in value and " " not in value:
        return False
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) is not None
    except ValueError:
        return False


def _is_whole(value: str) -> bool:
    return bool(WHOLE_NUMBER.fullmatch(value) or GROUPED_WHOLE_NUMBER.fullmatch(value))


def infer_datatype(values: list[str], name: str = "") -> str:
    """The datatype that fits every non-empty value of a column ("string" when nothing else does)."""
    values = [v.strip() for v in values if v.strip()]
    if not values:
        return "string"
    if all(_is_whole(v) for v in values):
        if any(len(v.lstrip("+-")) > 1 and v.lstrip("+-").startswith("0") for v in values):
            return "string"
        if YEAR_NAME.search(name) and all(len(v) == 4 and v.isdigit() and 1000 <= int(v) <= 2999 for v in values):
            return "gYear"
        return "integer"
    if all(number_value(v) is not None for v in values):
        return "decimal"
    if all(v.lower() in BOOLEAN_WORDS for v in values):
        return "boolean"
    if all(_is_date(v) for v in values):
        return "date"
    if all(_is_datetime(v) for v in values):
        return "datetime"
    if all(WEB_ADDRESS.fullmatch(v) for v in values):
        return "anyURI"
    return "string"
