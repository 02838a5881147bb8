"""Read a data dictionary from a CSV header, a Frictionless Table Schema or CSVW metadata.

Pure functions: text in, rows of Field attributes out (name, title, definition,
datatype, unit, required, constraints). Problems are collected and reported together,
each naming the line or the field at fault.
"""

from __future__ import annotations

import csv
import io
import json

from lib.column_types import infer_datatype
from lib.input_parsing import json_document_load

# Bounds of one import: a dictionary of more columns than this is a mistake (or an attack),
# and a page listing 300,000 problems helps no one: the first MAX_SHOWN_PROBLEMS are shown.
MAX_FIELDS = 500
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_SHOWN_PROBLEMS = 50
SAMPLE_ROWS = 50

# Frictionless Table Schema and CSVW (XSD) datatypes -> Field.Datatype values.
FRICTIONLESS_TYPES = {
    "string": "string",
    "number": "decimal",
    "integer": "integer",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "time": "time",
    "year": "gYear",
    "yearmonth": "string",
    "duration": "duration",
    "geopoint": "geometry",
    "geojson": "geometry",
    "any": "string",
    "object": "string",
    "array": "string",
}
CSVW_TYPES = {
    "string": "string",
    "normalizedString": "string",
    "token": "string",
    "integer": "integer",
    "int": "integer",
    "long": "integer",
    "short": "integer",
    "nonNegativeInteger": "integer",
    "positiveInteger": "integer",
    "decimal": "decimal",
    "double": "decimal",
    "float": "decimal",
    "number": "decimal",
    "boolean": "boolean",
    "date": "date",
    "dateTime": "datetime",
    "datetime": "datetime",
    "time": "time",
    "gYear": "gYear",
    "duration": "duration",
    "anyURI": "anyURI",
    "json": "string",
}
CONSTRAINT_KEYS = {"minimum", "maximum", "minLength", "maxLength", "pattern", "enum", "unique"}


def problems_capped(problems: list[str]) -> list[str]:
    """The first MAX_SHOWN_PROBLEMS problems, then how many more there are."""
    if len(problems) <= MAX_SHOWN_PROBLEMS:
        return list(problems)
    rest = len(problems) - MAX_SHOWN_PROBLEMS
    return [*problems[:MAX_SHOWN_PROBLEMS], f"... and {rest} more problem{'s' if rest > 1 else ''}."]


class ImportProblems(Exception):
    """What is wrong with an import: ``problems`` holds at most MAX_SHOWN_PROBLEMS + 1 lines."""

    def __init__(self, problems: list[str]):
        self.problems = problems_capped(problems)
        super().__init__("; ".join(self.problems))


def parse(text: str, *, filename: str = "") -> list[dict]:
    """Detect the kind of content and parse it."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            document = json_document_load(text)
        except json.JSONDecodeError as exc:
            raise ImportProblems([f"Line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})."]) from None
        except ValueError as exc:
            raise ImportProblems([f"Not valid JSON: {exc}."]) from None
        if not isinstance(document, dict):
            raise ImportProblems(["The JSON must be an object."])
        if "tableSchema" in document or "@context" in document or "tables" in document:
            return parse_csvw(document)
        return parse_table_schema(document)
    return parse_csv(text)


def parse_csv(text: str) -> list[dict]:
    """Names from the header row; types guessed from up to 50 data rows (lib.column_types)."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportProblems(["Line 1: the file is empty; it needs a header row."]) from None
    except csv.Error as exc:  # e.g. a cell longer than the csv module's field limit
        raise ImportProblems([f"Line 1: not a readable CSV header ({exc})."]) from None
    if len(header) > MAX_FIELDS:
        # Refused before looking at each column, so the answer is one line, not one per column.
        raise ImportProblems([f"Line 1: {len(header)} columns; at most {MAX_FIELDS} can be imported."])
    problems = []
    names = [h.strip() for h in header]
    seen = {}
    for position, name in enumerate(names, start=1):
        if not name:
            problems.append(f"Line 1, column {position}: the column has no name.")
        elif name in seen:
            problems.append(f"Line 1, column {position}: '{name}' repeats the name of column {seen[name]}.")
        else:
            seen[name] = position
    samples: list[list[str]] = [[] for _ in names]
    rows = iter(reader)
    for line_number in range(2, SAMPLE_ROWS + 2):
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"Line {line_number}: not readable as CSV ({exc}).")
            break
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            problems.append(f"Line {line_number}: {len(row)} values, but the header has {len(names)} columns.")
            continue
        for i, cell in enumerate(row):
            samples[i].append(cell)
    if problems:
        raise ImportProblems(problems)
    return [
        {
            "name": name,
            "title": "",
            "definition": "",
            "datatype": infer_datatype(samples[i], name),
            "unit": "",
            "required": False,
            "constraints": {},
        }
        for i, name in enumerate(names)
    ]


def _field_row(entry, index: int, label: str, types: dict, type_key: str, problems: list) -> dict | None:
    where = f"{label} {index + 1}"
    if not isinstance(entry, dict):
        problems.append(f"{where}: must be an object.")
        return None
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}: has no 'name'.")
        return None
    where = f"{label} {index + 1} ('{name}')"
    raw_type = entry.get(type_key, "string")
    if isinstance(raw_type, dict):  # CSVW: {"base": "integer", ...}
        raw_type = raw_type.get("base", "string")
    if isinstance(raw_type, str) and raw_type.startswith("xsd:"):
        raw_type = raw_type[4:]
    datatype = types.get(raw_type) if isinstance(raw_type, str) else None
    if datatype is None:
        problems.append(f"{where}: unknown type '{raw_type}'. Use one of: {', '.join(sorted(types))}.")
        return None
    constraints = entry.get("constraints", {}) or {}
    if not isinstance(constraints, dict):
        problems.append(f"{where}: 'constraints' must be an object.")
        return None
    required = bool(constraints.get("required", entry.get("required", False)))
    kept = {k: v for k, v in constraints.items() if k in CONSTRAINT_KEYS}
    title = entry.get("title") or entry.get("titles") or ""
    if isinstance(title, list):
        title = title[0] if title else ""
    if isinstance(title, dict):
        title = next(iter(title.values()), "")
    description = entry.get("description") or entry.get("dc:description") or ""
    if isinstance(description, dict):
        description = description.get("@value", "")
    unit = entry.get("unit") or ""
    return {
        "name": name.strip()[:128],
        "title": str(title)[:200],
        "definition": str(description),
        "datatype": datatype,
        "unit": str(unit)[:50],
        "required": required,
        "constraints": kept,
    }


def _rows_from(entries, label: str, types: dict, type_key: str) -> list[dict]:
    if not isinstance(entries, list) or not entries:
        raise ImportProblems([f"No {label.lower()}s found."])
    if len(entries) > MAX_FIELDS:
        raise ImportProblems([f"{len(entries)} {label.lower()}s; at most {MAX_FIELDS} can be imported."])
    problems: list[str] = []
    rows = []
    seen = set()
    for index, entry in enumerate(entries):
        row = _field_row(entry, index, label, types, type_key, problems)
        if row is None:
            continue
        if row["name"] in seen:
            problems.append(f"{label} {index + 1} ('{row['name']}'): the name is used twice.")
            continue
        seen.add(row["name"])
        rows.append(row)
    if problems:
        raise ImportProblems(problems)
    return rows


def parse_table_schema(document: dict) -> list[dict]:
    """A Frictionless Table Schema: {"fields": [{"name", "type", "title", "description", "constraints"}]}."""
    return _rows_from(document.get("fields"), "Field", FRICTIONLESS_TYPES, "type")


def parse_csvw(document: dict) -> list[dict]:
    """CSVW metadata: {"tableSchema": {"columns": [...]}} or {"tables": [{"tableSchema": ...}]}."""
    schema = document.get("tableSchema")
    tables = document.get("tables")
    if schema is None and isinstance(tables, list) and tables and isinstance(tables[0], dict):
        schema = tables[0].get("tableSchema")
    if not isinstance(schema, dict):
        raise ImportProblems(["No 'tableSchema' found in the CSVW metadata."])
    columns = schema.get("columns")
    if not isinstance(columns, list):
        raise ImportProblems(["The 'tableSchema' has no list of 'columns'."])
    columns = [c for c in columns if not (isinstance(c, dict) and c.get("virtual"))]
    return _rows_from(columns, "Column", CSVW_TYPES, "datatype")
