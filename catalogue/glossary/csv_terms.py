"""A concept scheme as a CSV of terms, out and in: one row per concept, in the columns of
``COLUMNS``, so a publisher can keep a glossary in a spreadsheet and load it back.

- Several alternative labels (or hidden labels) share one cell, joined by " | "; several
  IRIs share one cell, joined by spaces.
- Relations are listed in both directions, as on the concept page: a concept whose parent
  states "narrower" has that parent in its ``broader`` column. Reading, each relation is kept
  once whichever side states it.
- Cells a spreadsheet would run as a formula are written with a leading quote
  (lib.csv_cells); reading strips that quote again, so such text round-trips.
- Reading: only ``pref_label`` is required; a row without ``uri`` becomes a new concept with
  an IRI under the scheme's. The file is bounded in bytes and rows; an unknown column, a bad
  encoding or a bad row is a ValidationError that names the row.
"""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.core.exceptions import ValidationError

from catalogue.glossary.models import ConceptScheme
from catalogue.glossary.queries import scheme_relations
from catalogue.glossary.services import ConceptData, SchemeData
from lib.csv_cells import FORMULA_STARTS, csv_row_neutralise

# Relation columns -> the SKOS relation (ConceptLink.Kind value) they hold.
RELATION_COLUMNS = {
    "broader": "broader",
    "narrower": "narrower",
    "related": "related",
    "exact_match": "exactMatch",
    "close_match": "closeMatch",
    "broad_match": "broadMatch",
    "narrow_match": "narrowMatch",
    "related_match": "relatedMatch",
}
TEXT_COLUMNS = ("notation", "pref_label", "definition", "scope_note", "example", "history_note", "source", "source_url")
LABEL_COLUMNS = ("alt_labels", "hidden_labels")
COLUMNS = (
    "uri",
    "notation",
    "pref_label",
    "alt_labels",
    "hidden_labels",
    "definition",
    "scope_note",
    "example",
    "history_note",
    "source",
    "source_url",
    *RELATION_COLUMNS,
)
LABEL_SEPARATOR = "|"


def scheme_csv(scheme: ConceptScheme) -> str:
    """The scheme's concepts, one row each, under a header row of ``COLUMNS``."""
    relations = scheme_relations(scheme)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for concept in scheme.concepts.order_by("pref_label", "id"):
        by_kind: dict[str, list[str]] = {}
        for kind, other in relations.get(concept.uri, []):
            by_kind.setdefault(kind, []).append(other)
        row = [concept.uri, concept.notation, concept.pref_label]
        row += [f" {LABEL_SEPARATOR} ".join(concept.alt_labels), f" {LABEL_SEPARATOR} ".join(concept.hidden_labels)]
        row += [concept.definition, concept.scope_note, concept.example, concept.history_note]
        row += [concept.source, concept.source_url]
        row += [" ".join(by_kind.get(kind, [])) for kind in RELATION_COLUMNS.values()]
        writer.writerow(csv_row_neutralise(row))
    return out.getvalue()


def _cell(value: str | None) -> str:
    value = (value or "").strip()
    # A quote the export put before text a spreadsheet would have run as a formula.
    if value.startswith("'") and value[1:2] and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def scheme_data_from_csv(body: bytes) -> SchemeData:
    """Read a CSV of terms (UTF-8, with or without a byte-order mark) as a SchemeData."""
    max_bytes = settings.PROVCAT_GLOSSARY_IMPORT_MAX_BYTES
    if len(body) > max_bytes:
        raise ValidationError(f"The file is {len(body):,} bytes; a CSV import takes at most {max_bytes:,}.")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"The file is not UTF-8 text (byte {error.start + 1} cannot be read); save it as “CSV UTF-8”."
        ) from None
    if "\x00" in text:
        raise ValidationError("The file holds NUL characters; it is not a CSV text file.")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as error:
        raise ValidationError(f"Row 1 (the header) cannot be read as CSV: {error}.") from None
    if not header:
        raise ValidationError("The file is empty: it needs a header row naming its columns, at least pref_label.")
    reader.fieldnames = header
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise ValidationError(
            f"Unknown column(s) {', '.join(repr(n) for n in unknown)}; the columns are: {', '.join(COLUMNS)}."
        )
    if "pref_label" not in header:
        raise ValidationError("The header has no pref_label column; every concept needs a preferred label.")
    max_rows = settings.PROVCAT_GLOSSARY_IMPORT_MAX_CONCEPTS
    concepts = []
    row_number = 1
    try:
        for row in reader:
            row_number = reader.line_num
            if None in row:
                raise ValidationError(f"Row {row_number} has more cells than the header has columns.")
            if not any((value or "").strip() for value in row.values()):
                continue
            if len(concepts) >= max_rows:
                raise ValidationError(f"The file holds more than {max_rows:,} concepts; an import takes at most that.")
            concepts.append(_concept_data(row, row_number))
    except csv.Error as error:
        raise ValidationError(f"Row {row_number + 1} cannot be read as CSV: {error}.") from None
    if not concepts:
        raise ValidationError("The file holds no concepts: add one row per concept under the header.")
    return SchemeData(concepts=concepts)


def _concept_data(row: dict, row_number: int) -> ConceptData:
    values = {name: _cell(row.get(name)) for name in TEXT_COLUMNS}
    if not values["pref_label"]:
        raise ValidationError(f"Row {row_number} has no pref_label; every concept needs a preferred label.")
    labels = {
        name: [label.strip() for label in _cell(row.get(name)).split(LABEL_SEPARATOR) if label.strip()]
        for name in LABEL_COLUMNS
    }
    links = []
    for column, kind in RELATION_COLUMNS.items():
        links += [(kind, target) for target in _cell(row.get(column)).split()]
    return ConceptData(uri=_cell(row.get("uri")), links=links, **labels, **values)
