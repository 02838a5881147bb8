"""The stored preview of one distribution's data.

A preview is derived state, like a link check: a worker writes it (catalogue.preview.services)
after the distribution's links change, and nobody edits it. One row per distribution holds
the last good preview (rows, columns, statistics) and, separately, the outcome of the last
attempt: a failed fetch records what went wrong and when, and leaves the earlier good preview
in place, so the page can say "the preview below is from 1 Nov" instead of losing it.
"""

from __future__ import annotations

from django.db import models

from catalogue.models import Distribution


class DataPreview(models.Model):
    class Failure(models.TextChoices):
        NO_ANSWER = "no-answer", "The link did not answer"
        HTTP_ERROR = "http-error", "The link answered with an error"
        REFUSED = "refused", "The link points to a private or local address"
        NOT_TABULAR = "not-tabular", "The file is not in the format it claims"
        TOO_LARGE = "too-large", "Too large to preview"
        UNREADABLE = "unreadable", "The file could not be read"
        EMPTY = "empty", "The file is empty"

    distribution = models.OneToOneField(Distribution, on_delete=models.CASCADE, related_name="data_preview")
    # The last good preview: what was read, from where, and when.
    url = models.URLField(max_length=1000, blank=True)
    file_format = models.CharField(max_length=12, blank=True)
    # [{"name", "datatype", "non_empty", "distinct", "distinct_capped", "min", "max"}, ...]
    columns = models.JSONField(default=list, blank=True)
    # The first rows, as text, in column order.
    rows = models.JSONField(default=list, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    whole_file = models.BooleanField(default=False)
    previewed_at = models.DateTimeField(null=True, blank=True)
    # The last attempt, good or not.
    attempted_url = models.URLField(max_length=1000, blank=True)
    attempted_at = models.DateTimeField()
    failure = models.CharField(max_length=12, choices=Failure.choices, blank=True)
    # What the reader is told, without the date ("The file is not CSV (it is HTML)").
    failure_message = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["attempted_at"], name="datapreview_attempted_idx")]

    def __str__(self) -> str:
        return f"Preview of distribution {self.distribution_id}"

    @property
    def has_rows(self) -> bool:
        return self.previewed_at is not None and bool(self.columns)
