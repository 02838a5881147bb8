"""The publishing workflow's records: the working draft of a published dataset and the
reviews a publication goes through.

A published dataset's edits are kept apart from the live record until they are published,
so the public (pages, search, /catalog, the APIs, the lineage export) keeps reading the live
rows and needs no rule of its own about drafts. Writes live in catalogue/workflow.py.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from catalogue.models.records import Dataset


class DatasetDraft(models.Model):
    """The changes an editor has saved to a published dataset and not yet published.

    ``content`` is the whole description as the editor left it (properties, keywords,
    themes, distributions, data dictionary, collection method, checks, measurements and
    derivation sources), in the shape ``catalogue.workflow.dataset_content`` gives the live
    record, so the two can be compared field by field and the draft applied through the
    ordinary services. ``form_data`` is the form as submitted, to show it again exactly.
    """

    dataset = models.OneToOneField(Dataset, on_delete=models.CASCADE, related_name="working_draft")
    content = models.JSONField()
    form_data = models.JSONField(default=dict, blank=True)
    # The live revision the draft was last saved against.
    base_revision = models.PositiveIntegerField()
    # What the draft changes against the live version, in words ("changed the title").
    summary = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Draft of {self.dataset}"


class DatasetReview(models.Model):
    """One request to publish a dataset (or its draft) where the organisation requires a
    second editor's approval, and what the reviewer decided."""

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting for review"
        RETURNED = "returned", "Returned with comments"
        APPROVED = "approved", "Approved and published"
        CANCELLED = "cancelled", "Cancelled"

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="reviews")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="review_requests"
    )
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING, db_index=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews_made"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    # Whether the request was for the draft of a published dataset (else a first publication).
    of_draft = models.BooleanField(default=False)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset"], condition=models.Q(state="waiting"), name="review_one_waiting_per_dataset"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_state_display()}: {self.dataset}"
