"""Derived state: tables computed from the records, never edited by hand.

Each is rebuilt by a worker from the outbox (catalogue.outbox) or a periodic sweep: the
quality score history and link checks, the search index and its facet totals, the stored
DCAT-AP records, and the workers' heartbeats.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone

from catalogue.models.records import Dataset, Distribution, Organisation


class QualityAssessment(models.Model):
    """One computation of a dataset's metadata-quality score, kept as history (publisher).

    ``mqa_score`` is the data.europa.eu MQA score out of 405; ``provcat_score`` out of
    ``provcat_max`` is Provcat's own dimension (definitions, collection method, checks,
    lineage), kept apart so the MQA figure stays comparable with the EU portal's.
    ``breakdown`` lists every dimension and indicator with points earned and the hint
    that earns the missing ones.
    """

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="quality_assessments")
    computed_at = models.DateTimeField(default=timezone.now, db_index=True)
    mqa_score = models.PositiveIntegerField()
    band = models.CharField(max_length=12)
    provcat_score = models.PositiveIntegerField()
    provcat_max = models.PositiveIntegerField()
    breakdown = models.JSONField(default=list)

    class Meta:
        ordering = ["dataset", "-computed_at"]
        indexes = [models.Index(fields=["dataset", "-computed_at"], name="quality_latest_idx")]

    def __str__(self) -> str:
        return f"{self.dataset_id}: {self.mqa_score}/405 ({self.band})"


class LinkCheck(models.Model):
    """The latest answer of one distribution URL to an HTTP request (MQA accessibility)."""

    class Kind(models.TextChoices):
        ACCESS = "access", "Access URL"
        DOWNLOAD = "download", "Download URL"

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="link_checks")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    url = models.URLField(max_length=1000)
    checked_at = models.DateTimeField(default=timezone.now)
    reachable = models.BooleanField(default=False)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # The size the server reported (Content-Length), to set beside the size the publisher declared.
    byte_size = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["distribution", "kind"], name="linkcheck_unique_kind")]

    def __str__(self) -> str:
        return f"{self.url}: {'reachable' if self.reachable else 'unreachable'}"


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker ran the heartbeat task; /healthz reports it."""

    hostname = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.hostname} at {self.seen_at:%Y-%m-%d %H:%M:%S}"


class SearchEntry(models.Model):
    """A dataset as the search page sees it (analyst): written when the dataset or its parts
    change, so a search reads one narrow table and computes nothing per row.

    ``status``, ``access_rights`` and ``publisher`` copy the dataset's own, so the access
    condition from catalogue.access applies to this table without a join. ``facet_keys``
    holds every facet value of the dataset as space-separated tokens (" p3 t12 k40 fCSV ... "),
    which lets PostgreSQL count all facets in one grouped scan and filter with a GIN index.
    ``document`` is the weighted tsvector (title A, keywords and field names B, description
    and field definitions C; filled on PostgreSQL only).
    """

    # No cascade: a deleted dataset's entry stays until the search drain takes it out of the
    # facet totals (catalogue.services.dataset_delete records that work).
    dataset = models.OneToOneField(
        Dataset, on_delete=models.DO_NOTHING, db_constraint=False, primary_key=True, related_name="search_entry"
    )
    status = models.CharField(max_length=10)
    access_rights = models.CharField(max_length=12)
    publisher = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    keywords_text = models.TextField(blank=True)
    fields_text = models.TextField(blank=True)
    facet_keys = models.TextField(blank=True)
    quality_score = models.PositiveIntegerField(null=True, blank=True)
    quality_band = models.CharField(max_length=12, blank=True)
    modified = models.DateTimeField()
    document = SearchVectorField(null=True)
    # Title (A) and keywords (B) only: small enough to stay in the row, so ranking many
    # matches does not read each full document back from TOAST storage.
    rank_document = SearchVectorField(null=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["publisher", "status"], name="searchentry_publisher_idx"),
            models.Index(fields=["-modified", "dataset"], name="searchentry_modified_idx"),
            models.Index(fields=["title", "dataset"], name="searchentry_title_idx"),
            # Created on PostgreSQL only, by migration 0006 (SQLite leaves ``document`` empty).
            GinIndex(fields=["document"], name="searchentry_document_gin"),
            # Two more indexes exist on PostgreSQL only and live in migrations, not here:
            # searchentry_facets_gin, GIN on string_to_array(btrim(facet_keys), ' ') (0006),
            # and searchentry_quality_idx, (quality_score DESC NULLS LAST, dataset_id) (0010).
            # SQLite rejects both (no such functions; no NULLS LAST in an index), Django
            # cannot declare an index for one database vendor only, and SQLite rebuilds a
            # table with every index in its model state when a field is altered.
            # tests/catalogue/test_search_indexes.py checks all three exist on PostgreSQL.
        ]

    def __str__(self) -> str:
        return self.title


class SearchFacetTotal(models.Model):
    """Facet counts for the unfiltered search page, kept up to date on every index write
    (analyst), so the busiest page — the home page with no query — counts nothing.

    ``scope`` "public" counts what everyone may see; "all" counts every searchable dataset
    (for site administrators). Key "*" is the number of datasets.
    """

    scope = models.CharField(max_length=10)
    key = models.CharField(max_length=120)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="searchfacettotal_unique_key")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}: {self.count}"


class RdfRecord(models.Model):
    """A catalogued dataset's DCAT-AP description, kept ready in every format.

    Rebuilt by catalogue.dcat.records whenever the dataset or anything its RDF shows
    changes, so /catalog pages and dumps are stored fragments put together. The row
    outlives the dataset's place in the catalogue (and the dataset itself): when a
    dataset is withdrawn, made non-public or deleted, the row stays as a tombstone with
    ``in_catalogue`` false, so the change feed can tell harvesters it went away.
    """

    dataset = models.OneToOneField(Dataset, null=True, blank=True, on_delete=models.SET_NULL, related_name="rdf_record")
    dataset_pk = models.BigIntegerField(unique=True, help_text="The dataset's id, kept after it is deleted.")
    dataset_uri = models.URLField(max_length=500)
    slug = models.CharField(max_length=100)
    title = models.CharField(max_length=300, help_text="The title while it was catalogued.")
    in_catalogue = models.BooleanField(default=True)
    created_at = models.DateTimeField(help_text="When the dataset first entered the catalogue.")
    modified = models.DateTimeField(help_text="When the stored RDF last changed, or the dataset left the catalogue.")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    etag = models.CharField(max_length=64, blank=True)
    turtle = models.TextField(blank=True)
    ntriples = models.TextField(blank=True)
    jsonld = models.TextField(blank=True)
    rdfxml = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["modified", "id"], name="rdfrecord_modified_idx"),
            models.Index(fields=["in_catalogue", "dataset_pk"], name="rdfrecord_catalogue_idx"),
        ]

    def __str__(self) -> str:
        return f"RDF of {self.slug}"


class DerivedWork(models.Model):
    """The outbox: derived work a change needs, written in the same transaction as the change.

    Services record rows (catalogue.outbox.record); after commit one nudge per kind wakes
    the worker that drains that kind, and a periodic sweep drains whatever a lost nudge
    missed. Draining deletes exactly the rows it handled, so nothing is lost when Redis
    is down or a worker dies. Plain ids, no foreign keys: work about a deleted dataset
    (its tombstone, the lineage pairs that ran through it) must survive the delete.
    """

    class Kind(models.TextChoices):
        LINEAGE = "lineage", "Lineage closure (source -> target)"
        SEARCH = "search", "Search entry"
        RDF = "rdf", "Stored DCAT-AP record"
        QUALITY = "quality", "Quality score"
        LINK_CHECK = "link-check", "Link check of a distribution"
        PREVIEW = "preview", "Preview of a distribution's data"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    # The dataset (distribution for link checks; the derived dataset for lineage).
    target_id = models.BigIntegerField()
    # Lineage only: the source dataset of the derivation.
    source_id = models.BigIntegerField(null=True, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["kind", "id"], name="derivedwork_kind_idx")]
        verbose_name_plural = "derived work"

    def __str__(self) -> str:
        source = f"{self.source_id} -> " if self.source_id is not None else ""
        return f"{self.kind}: {source}{self.target_id}"
