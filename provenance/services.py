"""Writes to the provenance records. Forms, the admin, the API and OpenLineage ingestion all call these.

Each records in the outbox (catalogue.outbox) the derived work it sets off, in its own
transaction: a derivation change moves the lineage closure, the search entries of both
datasets and the derived dataset's record and score.
"""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from catalogue import access, outbox
from catalogue.models import Dataset, DerivedWork, Field, Organisation, unique_slugs
from provenance import queries
from provenance.lineage import DERIVATION, EDGE, lock_derivation_writes
from provenance.models import (
    STUB_ORGANISATION_SLUG,
    Activity,
    Agent,
    DatasetAlias,
    Derivation,
    FieldDerivation,
    LineageEdge,
    mint_uri,
)

SOURCE_NOT_VISIBLE = "You may only record lineage from a dataset you can see (or a lineage stub you may claim)."


def _with_user(instance, user):
    # The history records who made the change; workers and the API have no request to read it from.
    if user is not None and getattr(user, "is_authenticated", False):
        instance._history_user = user
    return instance


def _upstream_path(start_id: int, target_id: int) -> list[int] | None:
    """The dataset ids from ``start`` up to ``target`` over current derivations, or None.

    Walks the derivation rows themselves, not the closure, because the closure may be a
    moment behind a change that has not been applied yet.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE up(node, parent) AS ("
            f" SELECT CAST(%s AS BIGINT), CAST(NULL AS BIGINT)"
            f" UNION"
            f" SELECT d.source_id, d.derived_id FROM {DERIVATION} d JOIN up ON d.derived_id = up.node"
            f" WHERE d.valid_to IS NULL"
            f") SELECT node, parent FROM up",
            [start_id],
        )
        parents: dict[int, int | None] = {}
        for node, parent in cursor.fetchall():
            parents.setdefault(node, parent)
    if target_id not in parents:
        return None
    path, node = [target_id], target_id
    while parents.get(node) is not None:
        node = parents[node]
        path.append(node)
    return path


def derivation_add(
    *,
    derived: Dataset,
    source: Dataset,
    activity: Activity | None = None,
    user=None,
    description: str = "",
    valid_from: datetime | None = None,
) -> Derivation:
    """Record that ``derived`` is made from ``source``; the lineage graph follows through Celery.

    Raises ValidationError for a self-derivation, a duplicate current derivation or a cycle;
    PermissionDenied unless ``user`` may change ``derived`` and see ``source`` (an edge from a
    dataset the user cannot see would show it, redacted, on their dataset and show their
    dataset downstream to its publisher). The lineage closure follows through the outbox,
    recorded in this transaction.
    """
    if not access.can_edit_dataset(user, derived):
        raise PermissionDenied("You may not change the lineage of this dataset.")
    if not queries.may_name_as_source(user, source):
        raise PermissionDenied(SOURCE_NOT_VISIBLE)
    if derived.pk == source.pk:
        raise ValidationError("A dataset cannot be derived from itself.")
    with transaction.atomic():
        lock_derivation_writes()
        if Derivation.objects.current().filter(derived=derived, source=source).exists():
            raise ValidationError(derivation_duplicate_message(derived, source))
        cycle = _upstream_path(source.pk, derived.pk)
        if cycle is not None:
            raise ValidationError(derivation_cycle_message(derived, source, len(cycle) - 1))
        derivation = Derivation(
            derived=derived,
            source=source,
            activity=activity,
            description=description,
            valid_from=valid_from or timezone.now(),
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        _with_user(derivation, user).save()
        outbox.derivation_changed(source.pk, derived.pk)
        return derivation


def derivation_remove(*, derivation: Derivation, user=None, when: datetime | None = None) -> None:
    """End a derivation (sets valid_to; the row stays for "as of" questions)."""
    with transaction.atomic():
        derivation = Derivation.objects.select_for_update().select_related("derived").get(pk=derivation.pk)
        if not access.can_edit_dataset(user, derivation.derived):
            raise PermissionDenied("You may not change the lineage of this dataset.")
        if derivation.valid_to is not None:
            return
        when = when or timezone.now()
        if when < derivation.valid_from:
            raise ValidationError("A derivation cannot end before it starts.")
        derivation.valid_to = when
        _with_user(derivation, user).save(update_fields=["valid_to"])
        outbox.derivation_changed(derivation.source_id, derivation.derived_id)


def derivation_sources_set(*, derived: Dataset, sources: Iterable[Dataset], user, description: str = "") -> None:
    """Make ``derived``'s current sources exactly ``sources``, all with ``description`` (the
    publisher's form and the publication of a working draft): sources dropped are ended,
    new ones added, and one whose description changed is ended and added again, so the
    lineage "as of" a past day still shows what was said then."""
    wanted = {source.pk: source for source in sources}
    current = {d.source_id: d for d in Derivation.objects.current().filter(derived=derived)}
    for source_id, derivation in current.items():
        if source_id not in wanted:
            derivation_remove(derivation=derivation, user=user)
    for source_id, source in wanted.items():
        if source_id not in current:
            derivation_add(derived=derived, source=source, user=user, description=description)
        elif current[source_id].description != description:
            derivation_remove(derivation=current[source_id], user=user)
            derivation_add(derived=derived, source=source, user=user, description=description)


def field_derivation_add(
    *,
    derived: Field,
    source: Field,
    kind: str = FieldDerivation.Kind.IDENTITY,
    description: str = "",
    activity: Activity | None = None,
    user,
) -> FieldDerivation:
    """Record column lineage: ``derived``'s values come from ``source`` (whose dataset ``user`` must see)."""
    if not access.can_edit_dataset(user, derived.dataset):
        raise PermissionDenied("You may not change the lineage of this dataset.")
    if not queries.may_name_as_source(user, source.dataset):
        raise PermissionDenied(SOURCE_NOT_VISIBLE)
    if derived.pk == source.pk:
        raise ValidationError("A field cannot be derived from itself.")
    if kind not in FieldDerivation.Kind.values:
        raise ValidationError(
            f"Unknown transformation kind {kind!r}; use one of {', '.join(FieldDerivation.Kind.values)}."
        )
    with transaction.atomic():
        existing = FieldDerivation.objects.current().filter(derived=derived, source=source).first()
        if existing is not None:
            if existing.kind != kind or existing.description != description:
                existing.kind, existing.description = kind, description
                existing.activity = activity or existing.activity
                existing.save(update_fields=["kind", "description", "activity"])
            return existing
        return FieldDerivation.objects.create(
            derived=derived, source=source, kind=kind, description=description, activity=activity
        )


def stub_organisation() -> Organisation:
    """The holder of datasets that OpenLineage events named before anyone catalogued them."""
    organisation, _ = Organisation.objects.get_or_create(
        slug=STUB_ORGANISATION_SLUG,
        defaults={
            "name": "Unclaimed lineage stubs",
            "kind": Organisation.Kind.OTHER,
            "description": "Placeholders for datasets named in OpenLineage events; publishers claim them.",
        },
    )
    return organisation


def sender_organisation_ids(user) -> list[int]:
    """The organisations an OpenLineage sender acts for: those they edit for. None for a site
    administrator, who acts for the site as a whole."""
    if user is None or access.sees_everything(user):
        return []
    return sorted(access.member_organisation_ids(user, roles=access.EDIT_ROLES))


def dataset_stub_create(*, namespace: str, name: str, named_by: Iterable[int] = ()) -> Dataset:
    """A draft, non-public placeholder for an OpenLineage dataset nobody has catalogued yet,
    claimable by the editors of the organisations in ``named_by`` (and site administrators)."""
    with transaction.atomic():
        dataset = Dataset.objects.create(
            title=name[:300],
            description=f"Named in OpenLineage events as {namespace}/{name}. Not yet claimed by a publisher.",
            publisher=stub_organisation(),
            status=Dataset.Status.DRAFT,
            access_rights=Dataset.AccessRights.NON_PUBLIC,
        )
        alias = DatasetAlias.objects.create(namespace=namespace, name=name, dataset=dataset, is_stub=True)
        alias.named_by.add(*named_by)
        outbox.datasets_changed([dataset.pk])
        return dataset


def dataset_stubs_create(names: list[tuple[str, str, Iterable[int]]]) -> list[Dataset]:
    """``dataset_stub_create`` for many (namespace, name, named_by) at once, in order: the same
    datasets (slugs as if made one after another), history, aliases, organisations that may
    claim them and outbox work, in a fixed number of statements. For a run of OpenLineage
    events applied together; names already held raise IntegrityError (the caller's savepoint
    then undoes them all)."""
    if not names:
        return []
    publisher = stub_organisation()
    titles = [name[:300] for _, name, _ in names]
    with transaction.atomic():
        datasets = []
        for (namespace, name, _), title, slug in zip(names, titles, unique_slugs(Dataset, titles), strict=True):
            dataset = Dataset(
                title=title,
                description=f"Named in OpenLineage events as {namespace}/{name}. Not yet claimed by a publisher.",
                publisher=publisher,
                status=Dataset.Status.DRAFT,
                access_rights=Dataset.AccessRights.NON_PUBLIC,
                slug=slug,
            )
            dataset.uri = mint_uri("dataset", str(dataset.uuid))  # as Dataset.save() mints it
            datasets.append(dataset)
        Dataset.objects.bulk_create(datasets)
        # As each save() records it: a "+" row, by the request's user if any, without a reason.
        Dataset.history.bulk_history_create(datasets, default_change_reason=None)
        aliases = DatasetAlias.objects.bulk_create(
            [
                DatasetAlias(namespace=namespace, name=name, dataset=dataset, is_stub=True)
                for (namespace, name, _), dataset in zip(names, datasets, strict=True)
            ]
        )
        through = DatasetAlias.named_by.through
        through.objects.bulk_create(
            [
                through(datasetalias_id=alias.pk, organisation_id=organisation_id)
                for alias, (_, _, named_by) in zip(aliases, names, strict=True)
                for organisation_id in sorted(set(named_by))
            ]
        )
        outbox.datasets_changed([dataset.pk for dataset in datasets])
    return datasets


def stub_named_by(*, dataset: Dataset, organisation_ids: Iterable[int]) -> None:
    """Another event named this stub: its sender's organisations may now claim it too."""
    organisation_ids = list(organisation_ids)
    if not organisation_ids or dataset.publisher.slug != STUB_ORGANISATION_SLUG:
        return
    for alias in DatasetAlias.objects.filter(dataset=dataset, is_stub=True):
        alias.named_by.add(*organisation_ids)  # add() skips the pairs already there


def stub_organisation_ids(dataset: Dataset) -> set[int]:
    """The organisations whose events named this stub."""
    return set(
        DatasetAlias.named_by.through.objects.filter(datasetalias__dataset=dataset).values_list(
            "organisation_id", flat=True
        )
    )


def dataset_stub_claim(*, dataset: Dataset, organisation: Organisation, user) -> Dataset:
    """A publisher takes over a stub their organisation's events named: it moves to that
    organisation, still a draft for them to complete. Site administrators claim any stub."""
    if dataset.publisher.slug != STUB_ORGANISATION_SLUG:
        raise ValidationError("Only unclaimed lineage stubs can be claimed.")
    if not access.can_edit_for_organisation(user, organisation.pk):
        raise PermissionDenied("You may only claim a stub for an organisation you edit for.")
    if not access.sees_everything(user) and organisation.pk not in stub_organisation_ids(dataset):
        raise PermissionDenied("You may only claim a stub that your organisation's lineage events named.")
    with transaction.atomic():
        dataset.publisher = organisation
        dataset.description = dataset.description.replace(" Not yet claimed by a publisher.", "")
        dataset.created_by = dataset.created_by or user
        _with_user(dataset, user).save(update_fields=["publisher", "description", "created_by", "updated_at"])
        DatasetAlias.objects.filter(dataset=dataset).update(is_stub=False)
        outbox.datasets_changed([dataset.pk])
        return dataset


def dataset_alias_add(*, dataset: Dataset, namespace: str, name: str, user) -> DatasetAlias:
    """Declare that an external system's (namespace, name) is this dataset.

    A name another dataset holds is refused; the answer names that dataset only when the user
    may see it, so the alias API cannot be used to learn what a hidden dataset is.
    """
    if not access.can_edit_dataset(user, dataset):
        raise PermissionDenied("You may not change this dataset.")
    holder = (
        DatasetAlias.objects.filter(namespace=namespace, name=name)
        .exclude(dataset=dataset)
        .select_related("dataset")
        .first()
    )
    if holder is not None:
        if access.can_view_dataset(user, holder.dataset):
            raise ValidationError(f"{namespace}/{name} already names “{holder.dataset.title}” ({holder.dataset.slug}).")
        raise ValidationError(f"{namespace}/{name} already names another dataset.")
    alias, _ = DatasetAlias.objects.get_or_create(namespace=namespace, name=name, defaults={"dataset": dataset})
    return alias


def _clean_without_unique_uri(instance) -> None:
    """Validate every field, the uri with its own validators (lib.iri among them) but not its
    uniqueness: a blank uri is minted on save, and callers look a given one up first."""
    instance.full_clean(exclude=["uri"])
    if instance.uri:
        try:
            type(instance)._meta.get_field("uri").clean(instance.uri, instance)
        except ValidationError as exc:
            raise ValidationError({"uri": exc.messages}) from None


def agent_record(*, user, data: dict) -> Agent:
    """A new prov:Agent (a person, organisation or piece of software)."""
    agent = Agent(**data)
    _clean_without_unique_uri(agent)
    agent.save()
    return agent


def activity_prepare(*, user, data: dict) -> Activity:
    """A new prov:Activity checked as ``activity_record`` checks it, not yet written (a batch
    writer writes it with ``activities_add_bulk``). The two checks that read the database
    cannot fail for it and are left out: its uuid is new, and its agent was just read or made."""
    activity = Activity(**data)
    activity.full_clean(exclude=["uri", "agent"], validate_unique=False)
    if activity.uri:
        try:
            Activity._meta.get_field("uri").clean(activity.uri, activity)
        except ValidationError as exc:
            raise ValidationError({"uri": exc.messages}) from None
    else:
        activity.uri = mint_uri("activity", str(activity.uuid))
    activity._history_date = timezone.now()
    return _with_user(activity, user)


def activities_add_bulk(activities: list[Activity]) -> list[Activity]:
    """Write activities made by ``activity_prepare``, with their history, in two statements."""
    if activities:
        Activity.objects.bulk_create(activities)
        Activity.history.bulk_history_create(activities, default_change_reason=None)
    return activities


def activity_record(*, user, data: dict) -> Activity:
    """A new prov:Activity; nothing shows it until a derivation or a check names it."""
    activity = Activity(**data)
    _clean_without_unique_uri(activity)
    _with_user(activity, user).save()
    return activity


def derivation_cycle_message(derived: Dataset, source: Dataset, steps: int) -> str:
    """What ``derivation_add`` says when ``source`` is already ``steps`` derivations downstream of ``derived``."""
    return (
        f"This derivation would make a cycle: “{source.title}” is already derived from "
        f"“{derived.title}” ({steps} step{'s' if steps != 1 else ''} upstream), so "
        f"“{derived.title}” cannot also be derived from it."
    )


def derivation_duplicate_message(derived: Dataset, source: Dataset) -> str:
    return f"“{derived.title}” is already recorded as derived from “{source.title}”."


def derivation_sources_upstream(dataset_ids: Iterable[int]) -> list[tuple[int, int]]:
    """Every current derivation (source, derived) upstream of these datasets: what a batch writer
    needs to walk for cycles in memory (the rows, not the closure, as ``_upstream_path`` does).

    The closure says where to look: the datasets and their ancestors in it have their current
    derivations read in one query. The closure may lag behind the rows (lineage work still
    waiting), so any source found that was not read yet is read the same way, until none is
    left: the result is every current row upstream (and possibly a few more current rows, above
    an ancestor the closure still lists), whatever the closure says."""
    edges: set[tuple[int, int]] = set()
    read: set[int] = set()
    frontier = set(dataset_ids)
    while frontier:
        read |= frontier
        found = set()
        for node, source in _sources_of_closure_ancestors(sorted(frontier)):
            read.add(node)
            if source is not None:
                edges.add((source, node))
                found.add(source)
        frontier = found - read
    return sorted(edges)


# Datasets per query where a list is bound as parameters (SQLite's limit on them).
_IDS_PER_QUERY = 500


def _sources_of_closure_ancestors(ids: list[int]) -> list[tuple[int, int | None]]:
    """(dataset, current source or None) for ``ids`` and every ancestor the closure lists for them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH nodes AS (SELECT unnest(%s::bigint[]) AS node"
                f" UNION SELECT ancestor_id FROM {EDGE} WHERE descendant_id = ANY(%s)) "
                f"SELECT n.node, d.source_id FROM nodes n"
                f" LEFT JOIN {DERIVATION} d ON d.derived_id = n.node AND d.valid_to IS NULL",
                [ids, ids],
            )
            return cursor.fetchall()
    nodes = set(ids)
    for start in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[start : start + _IDS_PER_QUERY]
        nodes.update(LineageEdge.objects.filter(descendant_id__in=chunk).values_list("ancestor_id", flat=True))
    rows: list[tuple[int, int | None]] = [(node, None) for node in nodes]
    ordered = sorted(nodes)
    for start in range(0, len(ordered), _IDS_PER_QUERY):
        chunk = ordered[start : start + _IDS_PER_QUERY]
        rows += [
            (derived, source)
            for source, derived in Derivation.objects.current()
            .filter(derived_id__in=chunk)
            .values_list("source_id", "derived_id")
        ]
    return rows


class DerivationBatch:
    """``derivation_add`` for the many derivations of one transaction (a batch of OpenLineage
    events): each is checked when it is added, in order, as ``derivation_add`` checks it (the
    same permissions, the same errors and messages), but in memory, over the current
    derivations upstream of the datasets involved, read in one query under
    ``lock_derivation_writes``; the rows, history and outbox work are written together by
    ``flush()`` (``derivations_add_bulk``)."""

    def __init__(self, dataset_ids: Iterable[int] = ()):
        self.batch_ids = set(dataset_ids)  # read with the first lookup, in the same query
        self.up: dict[int, set[int]] = {}  # derived -> current sources, for every dataset in ``loaded``
        self.loaded: set[int] = set()  # datasets whose whole upstream ``up`` holds
        self.pending: list[Derivation] = []
        self.activities: list[Activity] = []  # made by activity_prepare, written first at flush()
        self.locked = False

    def known_new(self, dataset_id: int) -> None:
        """A dataset made in this transaction: it has no derivations but the ones added here."""
        self.loaded.add(dataset_id)

    def _load(self, ids: set[int]) -> None:
        if not self.locked:
            lock_derivation_writes()
            self.locked = True
        missing = ids - self.loaded
        if not missing:
            return
        missing |= self.batch_ids - self.loaded
        self.batch_ids = set()
        for source_id, derived_id in derivation_sources_upstream(missing):
            self.up.setdefault(derived_id, set()).add(source_id)
            self.loaded.update((source_id, derived_id))
        self.loaded |= missing

    def _steps_upstream(self, start: int, target: int) -> int | None:
        """How many derivations up from ``start`` ``target`` is (the shortest way), or None."""
        seen, frontier, steps = {start}, [start], 0
        while frontier:
            steps += 1
            upper = []
            for node in frontier:
                for parent in self.up.get(node, ()):
                    if parent == target:
                        return steps
                    if parent not in seen:
                        seen.add(parent)
                        upper.append(parent)
            frontier = upper
        return None

    def note(self, source_id: int, derived_id: int) -> None:
        """A derivation ``derivation_add`` wrote in this transaction."""
        if derived_id in self.loaded:
            self.up.setdefault(derived_id, set()).add(source_id)

    def add(
        self,
        *,
        derived: Dataset,
        source: Dataset,
        activity: Activity | None = None,
        user=None,
        description: str = "",
        valid_from: datetime | None = None,
    ) -> Derivation:
        """As ``derivation_add`` (same checks, same exceptions), written at ``flush()``."""
        if not access.can_edit_dataset(user, derived):
            raise PermissionDenied("You may not change the lineage of this dataset.")
        if not queries.may_name_as_source(user, source):
            raise PermissionDenied(SOURCE_NOT_VISIBLE)
        if derived.pk == source.pk:
            raise ValidationError("A dataset cannot be derived from itself.")
        self._load({derived.pk, source.pk})
        if source.pk in self.up.get(derived.pk, ()):
            raise ValidationError(derivation_duplicate_message(derived, source))
        steps = self._steps_upstream(source.pk, derived.pk)
        if steps is not None:
            raise ValidationError(derivation_cycle_message(derived, source, steps))
        derivation = Derivation(
            derived=derived,
            source=source,
            activity=activity,
            description=description,
            valid_from=valid_from or timezone.now(),
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        derivation._history_date = timezone.now()
        self.pending.append(_with_user(derivation, user))
        self.up.setdefault(derived.pk, set()).add(source.pk)
        return derivation

    def activity(self, *, user, data: dict) -> Activity:
        """As ``activity_record`` (same checks, same exceptions), written at ``flush()``."""
        activity = activity_prepare(user=user, data=data)
        self.activities.append(activity)
        return activity

    def discard_after(self, mark: tuple[int, int]) -> None:
        """Drop what was added since ``mark()`` (an event that failed); the
        in-memory graph is then stale: make a new DerivationBatch after ``flush()``."""
        del self.pending[mark[0] :]
        del self.activities[mark[1] :]

    def mark(self) -> tuple[int, int]:
        return len(self.pending), len(self.activities)

    def flush(self) -> None:
        activities, self.activities = self.activities, []
        activities_add_bulk(activities)
        pending, self.pending = self.pending, []
        derivations_add_bulk(pending)


def derivations_add_bulk(derivations: list[Derivation]) -> list[Derivation]:
    """Write derivations a batch writer has already checked as ``derivation_add`` checks them
    (permission, self, duplicate, cycle, under ``lock_derivation_writes``): the rows, their
    history and the outbox work each sets off, each in a few statements for the lot, with the
    rows ``derivation_add`` would write one by one, in the same order."""
    if not derivations:
        return []
    for derivation in derivations:
        derivation.valid_from = derivation.valid_from or timezone.now()
    Derivation.objects.bulk_create(derivations)
    Derivation.history.bulk_history_create(derivations, default_change_reason=None)
    rows = []
    for d in derivations:  # as outbox.derivation_changed writes them, derivation by derivation
        rows.append(DerivedWork(kind=outbox.Kind.LINEAGE, source_id=d.source_id, target_id=d.derived_id))
        rows += [DerivedWork(kind=outbox.Kind.SEARCH, target_id=pk) for pk in sorted({d.source_id, d.derived_id})]
        rows += [DerivedWork(kind=kind, target_id=d.derived_id) for kind in (outbox.Kind.RDF, outbox.Kind.QUALITY)]
    DerivedWork.objects.bulk_create(rows)
    outbox.nudge(outbox.Kind.LINEAGE, outbox.Kind.SEARCH, outbox.Kind.RDF, outbox.Kind.QUALITY)
    return derivations
