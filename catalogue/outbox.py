"""The outbox: the derived work a change sets off, recorded with the change.

Every service that changes a record says here what must follow (``datasets_changed``,
``derivation_changed``, ...). That writes DerivedWork rows in the service's own
transaction, so the work commits or rolls back with the change, and arranges one nudge
per kind for when the transaction commits. A nudge is a Celery task that drains its kind
in batches (``drain``); the periodic ``sweep`` drains whatever a lost nudge missed (Redis
down, a worker killed). Draining is idempotent: each handler makes the derived state agree
with the records as they are now, so handling a row twice does no harm.

What depends on what (the one place this is written down):
- a dataset, its keywords, themes or parts change: its search entry, its stored DCAT-AP
  record and those of the datasets derived from it (they name it as their source), its score;
- a validation check changes: also the search entries of every dataset it feeds (they show
  "an upstream check failed");
- a distribution's links change: a link check of that distribution, and a preview of its data;
- a derivation changes: the lineage closure for the pair, both datasets' search entries,
  the derived dataset's record and score;
- an activity or agent changes: the records of the datasets whose RDF shows it;
- an organisation changes: the records of its datasets.
- a glossary concept changes (labels, definition, links), appears or goes: the search entries
  of the datasets whose fields measure it (search finds datasets by their concepts' labels).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.module_loading import import_string

from catalogue.models import Dataset, DerivedWork, ValidationCheck
from config.celery import task_send_quietly
from provenance.models import Derivation, LineageEdge

Kind = DerivedWork.Kind

# The task that drains each kind. Dotted paths, because the core must not import the
# capabilities that do the work (they import the core).
# In the order the sweep drains them: scores come after lineage (they count it), and
# search entries and records after scores (they show them).
DRAIN_TASKS = {
    Kind.LINEAGE: "provenance.tasks.lineage_process",
    Kind.QUALITY: "catalogue.quality.tasks.quality_score_datasets",
    Kind.SEARCH: "catalogue.search.tasks.search_drain",
    Kind.RDF: "catalogue.dcat.tasks.rdf_refresh",
    Kind.LINK_CHECK: "catalogue.quality.tasks.link_check_distributions",
    Kind.PREVIEW: "catalogue.preview.tasks.preview_distributions",
}

Row = tuple[int, int, int | None]  # (id, target_id, source_id)


# Recording.


def record(kind: str, target_ids: Iterable[int | None]) -> int:
    """Record that ``kind`` work is needed for these ids, in the caller's transaction."""
    return record_many({kind: target_ids})


def record_many(work: dict[str, Iterable[int | None]]) -> int:
    """Record several kinds of work in one statement: {kind: target ids}."""
    rows = []
    for kind, target_ids in work.items():
        rows += [
            DerivedWork(kind=kind, target_id=pk) for pk in sorted({int(pk) for pk in target_ids if pk is not None})
        ]
    if not rows:
        return 0
    DerivedWork.objects.bulk_create(rows)
    for kind in sorted({row.kind for row in rows}):
        _nudge_on_commit(kind)
    return len(rows)


def record_lineage(pairs: Iterable[tuple[int, int]]) -> int:
    """Record that the lineage closure must follow these (source, derived) pairs, in order."""
    rows = [DerivedWork(kind=Kind.LINEAGE, source_id=source, target_id=derived) for source, derived in pairs]
    if not rows:
        return 0
    DerivedWork.objects.bulk_create(rows)
    _nudge_on_commit(Kind.LINEAGE)
    return len(rows)


class _Nudge:
    """Sends one kind's drain task once, however many changes of that kind a transaction
    recorded. Every ``record`` registers the nudge with on_commit (so a rolled-back
    transaction cannot leave a later one without its nudge); the shared instance sends once."""

    def __init__(self, kind: str):
        self.kind = kind
        self.sent = False

    def __call__(self) -> None:
        if self.sent:
            return
        self.sent = True
        # With the broker down this logs and returns: the rows stay and the sweep drains them.
        task_send_quietly(import_string(DRAIN_TASKS[self.kind]))


def _nudge_on_commit(kind: str) -> None:
    connection = transaction.get_connection()
    nudges = connection.__dict__.setdefault("_provcat_outbox_nudges", {})
    nudge = nudges.get(kind)
    if nudge is None or nudge.sent:
        nudge = nudges[kind] = _Nudge(kind)
    transaction.on_commit(nudge)


def nudge(*kinds: str) -> None:
    """Drain these kinds once the caller's transaction commits: for writers that record their
    work in bulk (catalogue.bulk) and want it done now rather than at the next sweep."""
    for kind in kinds:
        _nudge_on_commit(kind)


# What a change sets off (see the module docstring).


def datasets_changed(dataset_ids: Iterable[int]) -> None:
    """A dataset's own properties, keywords, themes or parts changed (or it was deleted)."""
    ids = {pk for pk in dataset_ids if pk is not None}
    if not ids:
        return
    downstream = Derivation.objects.current().filter(source_id__in=ids).values_list("derived_id", flat=True)
    record_many({Kind.SEARCH: ids, Kind.RDF: ids | set(downstream), Kind.QUALITY: ids})


def checks_changed(dataset_ids: Iterable[int]) -> None:
    """Validation checks of these datasets changed: they and everything they feed show it."""
    ids = {pk for pk in dataset_ids if pk is not None}
    if not ids:
        return
    fed = LineageEdge.objects.filter(ancestor_id__in=ids).values_list("descendant_id", flat=True)
    datasets_changed(ids)
    record(Kind.SEARCH, fed)


def distribution_links_changed(distribution_ids: Iterable[int]) -> None:
    """A distribution's access or download URL is new or different: check that it answers,
    and preview its data (a fetch of the same links, so off too when link checks are)."""
    if settings.PROVCAT_LINK_CHECKS:
        ids = list(distribution_ids)
        record_many({Kind.LINK_CHECK: ids, Kind.PREVIEW: ids if settings.PROVCAT_PREVIEWS else []})


def derivation_changed(source_id: int, derived_id: int) -> None:
    """A derivation source -> derived was added, ended, moved or deleted."""
    record_lineage([(source_id, derived_id)])
    record_many({Kind.SEARCH: [source_id, derived_id], Kind.RDF: [derived_id], Kind.QUALITY: [derived_id]})


def activities_changed(activity_ids: Iterable[int]) -> None:
    """Activities (or their agents) changed: the records that show them must follow."""
    ids = list(activity_ids)
    if not ids:
        return
    shown = set(Derivation.objects.current().filter(activity_id__in=ids).values_list("derived_id", flat=True))
    shown |= set(ValidationCheck.objects.filter(activity_id__in=ids).values_list("dataset_id", flat=True))
    record(Kind.RDF, shown)


def organisation_changed(organisation_id: int) -> None:
    """An organisation's name or details changed: the records of its datasets show them."""
    record(Kind.RDF, Dataset.objects.filter(publisher_id=organisation_id).values_list("pk", flat=True))


# Draining.


def drain(
    kind: str,
    handle: Callable[[list[Row]], object],
    *,
    batch_size: int = 500,
    before: Callable[[], object] | None = None,
    in_transaction: bool = True,
) -> int:
    """Hand the waiting rows of ``kind`` to ``handle`` in batches, oldest first, and delete
    exactly the rows handled; returns how many rows were handled.

    Each batch locks its rows (a second worker skips them) and is handled in the same
    transaction that deletes them, so a worker that dies leaves them for the next.
    ``before`` runs first in each batch's transaction (to take a lock the handler needs).
    With ``in_transaction=False`` (work that waits on the network) the rows are handled
    outside any transaction and deleted afterwards; a worker that dies then may leave
    some to be handled again, which the handlers allow.
    """
    handled = 0
    while True:
        with transaction.atomic():
            if before is not None:
                before()
            rows = list(
                DerivedWork.objects.filter(kind=kind)
                .order_by("id")
                .select_for_update(skip_locked=True)
                .values_list("id", "target_id", "source_id")[:batch_size]
            )
            if rows and in_transaction:
                handle(rows)
                DerivedWork.objects.filter(id__in=[row[0] for row in rows]).delete()
        if rows and not in_transaction:
            handle(rows)
            DerivedWork.objects.filter(id__in=[row[0] for row in rows]).delete()
        handled += len(rows)
        if len(rows) < batch_size:
            return handled


def targets(rows: list[Row]) -> list[int]:
    """The distinct target ids of drained rows."""
    return sorted({row[1] for row in rows})


def last_id(kind: str) -> int | None:
    """The newest row of ``kind``: a full rebuild notes it before it starts..."""
    return DerivedWork.objects.filter(kind=kind).order_by("-id").values_list("id", flat=True).first()


def covered(kind: str, up_to: int | None) -> int:
    """...and, once done, deletes the rows up to it: it read every record they name, as they
    were when it started or later. Rows written meanwhile stay for the drain."""
    if up_to is None:
        return 0
    return DerivedWork.objects.filter(kind=kind, id__lte=up_to).delete()[0]


def pending(kind: str | None = None) -> int:
    rows = DerivedWork.objects.all()
    return (rows.filter(kind=kind) if kind else rows).count()


def sweep(min_age_seconds: float = 10) -> dict[str, int]:
    """Drain every kind that has rows older than ``min_age_seconds`` (younger ones are
    probably on their way through their own nudge); returns rows handled per kind."""
    cutoff = timezone.now() - timedelta(seconds=min_age_seconds)
    oldest = dict(DerivedWork.objects.values("kind").annotate(oldest=Min("requested_at")).values_list("kind", "oldest"))
    done = {}
    for kind, path in DRAIN_TASKS.items():
        if kind in oldest and oldest[kind] <= cutoff:
            done[kind] = import_string(path)()
    return done
