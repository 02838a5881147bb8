"""What a reader (DCAT, CKAN) hands to the harvest writer: one page of records.

Readers know the remote formats and nothing of the database; the writer (writer.py) knows
the database and nothing of the formats. A record is a plain dict, JSON-serialisable, so its
content hash is the hash of what the source said, as Provcat understood it:

    {
      "identifier": str,            # identity at the source: the dataset IRI, else dct:identifier (DCAT); the id (CKAN)
      "uri": str,                   # the dataset IRI to store ("" when the source has none: Provcat mints one)
      "title": str, "description": str,
      "keywords": [str],            # free keywords, any language, de-duplicated
      "themes": [str],              # theme IRIs or labels (the writer maps them to the EU data-theme vocabulary)
      "licence": str,               # licence IRI, code or title ("" if none)
      "access_rights": str,         # IRI or label of the access right ("" = public)
      "contact_name": str, "contact_email": str,
      "temporal_start": "YYYY-MM-DD" | "", "temporal_end": "YYYY-MM-DD" | "",
      "spatial_uri": str, "spatial_label": str,
      "frequency": str, "language": str,       # IRIs, codes or labels
      "version": str, "version_notes": str,
      "conforms_to": str, "landing_page": str,
      "issued": "YYYY-MM-DD" | "", "modified": ISO 8601 date-time | "",
      "publisher_name": str, "publisher_uri": str,   # the publisher as the source names it
      "source_page": str,           # where the source shows the dataset to people
      "distributions": [{
          "uri": str, "title": str, "description": str,
          "access_url": str, "download_url": str,
          "format": str, "media_type": str,    # IRI, code, label or MIME type
          "byte_size": int | None, "checksum": str, "checksum_algorithm": "sha256" | "sha1" | "md5" | "",
          "licence": str, "rights": str, "conforms_to": str,
          "availability": str,                 # dcatap:availability: IRI, code or label ("" if none)
          "issued": "YYYY-MM-DD" | "", "modified": ISO 8601 | "",
      }],
      "fields": [{                  # the data dictionary (CSVW columns), in order
          "name": str, "title": str, "definition": str,
          "datatype": one of catalogue.models.Field.Datatype values,
          "unit": str, "required": bool, "constraints": {}, "concept_uri": str,
      }],
      "derived_from": [str],        # IRIs (or identifiers) of the datasets it was derived from
    }

Missing keys mean empty values (``normalise`` fills them). A record the reader could not
understand at all is a ``RecordFailure`` instead: it is reported and nothing is written for it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from catalogue.models import Dataset

# A record says what a dataset's description says (the fields publishers fill in), plus who it
# is at the source and how the source names its publisher and page.
DATASET_TEXT_KEYS = (
    "identifier",
    "uri",
    *Dataset.DESCRIPTION_FIELDS,
    "publisher_name",
    "publisher_uri",
    "source_page",
)
DATASET_LIST_KEYS = ("keywords", "themes", "distributions", "fields", "derived_from")
DISTRIBUTION_KEYS = (
    "uri",
    "title",
    "description",
    "access_url",
    "download_url",
    "format",
    "media_type",
    "checksum",
    "checksum_algorithm",
    "licence",
    "rights",
    "conforms_to",
    "availability",
    "issued",
    "modified",
)
FIELD_KEYS = ("name", "title", "definition", "datatype", "unit", "concept_uri")


@dataclass
class RecordFailure:
    """A record the source listed that cannot be brought in (reported with the job)."""

    identifier: str
    reason: str


# The version of what the readers and the writer make of a source. A page whose bytes did not
# change is skipped only if it was read by the same version: bump this when a reader's mapping
# or the writer's vocabulary matching changes, so the next runs read every page again.
MAPPING_VERSION = "2"  # 2: distributions carry dcatap:availability


@dataclass
class Page:
    """One page of a source, as a reader understood it."""

    records: list[dict] = field(default_factory=list)
    # Identifiers of records found unchanged without reading them (a page identical to last time).
    unchanged: list[str] = field(default_factory=list)
    failures: list[RecordFailure] = field(default_factory=list)
    next_url: str | None = None
    # How many records the whole source holds, when it says (Hydra totalItems, CKAN count).
    total_records: int | None = None
    bytes_read: int = 0


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def normalise(record: dict) -> dict:
    """The record with every key present and every value of its expected type."""
    out = {key: _text(record.get(key)) for key in DATASET_TEXT_KEYS}
    out["keywords"] = sorted({_text(k) for k in record.get("keywords") or () if _text(k)})
    out["themes"] = sorted({_text(t) for t in record.get("themes") or () if _text(t)})
    out["derived_from"] = sorted({_text(s) for s in record.get("derived_from") or () if _text(s)})
    distributions = []
    for dist in record.get("distributions") or ():
        d = {key: _text(dist.get(key)) for key in DISTRIBUTION_KEYS}
        size = dist.get("byte_size")
        d["byte_size"] = size if isinstance(size, int) and not isinstance(size, bool) else None
        distributions.append(d)
    out["distributions"] = distributions
    fields = []
    for f in record.get("fields") or ():
        row = {key: _text(f.get(key)) for key in FIELD_KEYS}
        row["required"] = bool(f.get("required"))
        row["constraints"] = f.get("constraints") if isinstance(f.get("constraints"), dict) else {}
        fields.append(row)
    out["fields"] = fields
    return out


def content_hash(record: dict) -> str:
    """SHA-256 of the normalised record: equal when the source said the same thing."""
    payload = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()
