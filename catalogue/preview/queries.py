"""Reads of previews, for the dataset page.

The caller has already applied the access rule (catalogue.access) to the dataset: these
functions take the distributions of a dataset the reader may see and never look up a
dataset themselves. The comparison with the data dictionary is made here, on every read, so
it follows the dictionary as it is now rather than as it was when the file was fetched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from catalogue.models import Distribution, Field
from catalogue.preview.models import DataPreview
from catalogue.preview.reading import FORMAT_LABELS
from catalogue.preview.services import EXTENSIONS, FORMAT_CODES, MEDIA_TYPES

# Failures that are about the link, said with the day they happened on ("… on 3 Nov 2026").
_DATED = {DataPreview.Failure.NO_ANSWER, DataPreview.Failure.HTTP_ERROR, DataPreview.Failure.REFUSED}


@dataclass
class PreviewColumn:
    name: str
    datatype: str
    datatype_label: str
    non_empty: int
    distinct: int
    distinct_capped: bool
    min: str | None
    max: str | None
    # The dictionary's type for this column, when the dictionary says something else.
    dictionary_datatype_label: str = ""


@dataclass
class DictionaryComparison:
    not_in_dictionary: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)
    type_differs: list[PreviewColumn] = field(default_factory=list)
    dictionary_empty: bool = False

    @property
    def agrees(self) -> bool:
        return not (self.not_in_dictionary or self.not_in_file or self.type_differs or self.dictionary_empty)


@dataclass
class PagePreview:
    """What the page shows for one distribution."""

    distribution: Distribution
    title: str
    anchor: str
    preview: DataPreview
    columns: list[PreviewColumn]
    rows: list[list[str]]
    format_label: str
    failure_sentence: str
    comparison: DictionaryComparison | None

    @property
    def table(self) -> list[list[tuple[str, bool]]]:
        """The rows as (text, is a number) cells, so numbers line up on the right."""
        numeric = [c.datatype in ("integer", "decimal") for c in self.columns]
        return [list(zip(row, numeric, strict=False)) for row in self.rows]


def _day(moment) -> str:
    return date_format(timezone.localtime(moment), "j M Y")


def failure_sentence(preview: DataPreview) -> str:
    """The last attempt's failure as the page says it, or "" when the last attempt worked."""
    if not preview.failure:
        return ""
    message = preview.failure_message or DataPreview.Failure(preview.failure).label
    if preview.failure in _DATED:
        return f"{message} on {_day(preview.attempted_at)}."
    return f"{message} (tried on {_day(preview.attempted_at)})."


def _key(name: str) -> str:
    return name.strip().casefold()


def dictionary_compare(columns: list[PreviewColumn], fields: Iterable[Field]) -> DictionaryComparison:
    """The file's columns against the data dictionary's fields, by name (ignoring case)."""
    fields = list(fields)
    if not fields:
        return DictionaryComparison(dictionary_empty=True)
    by_name = {_key(f.name): f for f in fields}
    in_file = {_key(c.name) for c in columns}
    comparison = DictionaryComparison(
        not_in_dictionary=[c.name for c in columns if _key(c.name) not in by_name],
        not_in_file=[f.name for f in fields if _key(f.name) not in in_file],
    )
    for column in columns:
        described = by_name.get(_key(column.name))
        # An empty column says nothing about its type; text in a number column does.
        if described is None or column.non_empty == 0 or described.datatype == column.datatype:
            continue
        if column.datatype == "integer" and described.datatype in ("decimal", "gYear"):
            continue  # whole numbers are decimal numbers too, and years are written as them
        if column.datatype == "gYear" and described.datatype == "integer":
            continue
        if described.datatype == "string":
            continue  # any value is text
        column.dictionary_datatype_label = described.get_datatype_display()
        comparison.type_differs.append(column)
    return comparison


def _columns(preview: DataPreview) -> list[PreviewColumn]:
    columns = []
    for column in preview.columns:
        try:
            label = Field.Datatype(column.get("datatype", "string")).label
        except ValueError:
            label = Field.Datatype.STRING.label
        columns.append(
            PreviewColumn(
                name=column.get("name", ""),
                datatype=column.get("datatype", "string"),
                datatype_label=label,
                non_empty=column.get("non_empty", 0),
                distinct=column.get("distinct", 0),
                distinct_capped=bool(column.get("distinct_capped")),
                min=column.get("min"),
                max=column.get("max"),
            )
        )
    return columns


def previews_for_page(distributions: Iterable[Distribution], fields: Iterable[Field]) -> list[PagePreview]:
    """The previews of these distributions (of one dataset the reader may see), in their
    order, compared with the dataset's data dictionary. One query; none without distributions."""
    distributions = list(distributions)
    if not distributions:
        return []
    fields = list(fields)
    stored = {p.distribution_id: p for p in DataPreview.objects.filter(distribution__in=distributions)}
    shown = []
    for distribution in distributions:
        preview = stored.get(distribution.pk)
        if preview is None:
            continue
        columns = _columns(preview) if preview.has_rows else []
        label = distribution.format.label if distribution.format_id else ""
        shown.append(
            PagePreview(
                distribution=distribution,
                title=distribution.title or label or FORMAT_LABELS.get(preview.file_format, "") or "Distribution",
                anchor=f"preview-{distribution.pk}",
                preview=preview,
                columns=columns,
                rows=preview.rows if columns else [],
                format_label=FORMAT_LABELS.get(preview.file_format, preview.file_format.upper()),
                failure_sentence=failure_sentence(preview),
                comparison=dictionary_compare(columns, fields) if columns else None,
            )
        )
    # Each preview's tables are named by its title: two distributions called "CSV" become
    # "CSV" and "CSV (2)", so every table and scrolling region has a name of its own.
    seen: dict[str, int] = {}
    for item in shown:
        seen[item.title] = seen.get(item.title, 0) + 1
        if seen[item.title] > 1:
            item.title = f"{item.title} ({seen[item.title]})"
    return shown


def distributions_due_for_preview(max_age_hours: int, *, failed_before=None) -> QuerySet:
    """Ids of distributions in a previewable format whose data was never previewed, was last
    tried too long ago, or failed before ``failed_before`` (default: an hour ago, so a link
    that was down is tried again soon); never tried first."""
    now = timezone.now()
    cutoff = now - timedelta(hours=max_age_hours)
    failed_before = failed_before or now - timedelta(hours=1)
    previewable = Q(format__code__in=list(FORMAT_CODES)) | Q(media_type__code__in=list(MEDIA_TYPES))
    for extension in EXTENSIONS:
        previewable |= Q(download_url__iendswith=extension) | Q(download_url="", access_url__iendswith=extension)
    due = (
        Q(data_preview__isnull=True)
        | Q(data_preview__attempted_at__lt=cutoff)
        | (~Q(data_preview__failure="") & Q(data_preview__attempted_at__lt=failed_before))
    )
    return (
        Distribution.objects.filter(previewable)
        .filter(due)
        .order_by(F("data_preview__attempted_at").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)
    )
