"""Lineage reads for pages, the API and PROV-O export, with the catalogue's access rules.

Current lineage comes from the closure (provenance.lineage): one index scan gives the
datasets up to ``depth`` steps away, nearest first. "As of" a past moment the closure
cannot help (it only holds the present), so those answers walk the Derivation rows valid
at that moment, one query per level — slower, and only asked for history.

Datasets the user may not see (catalogue.access.visible_datasets) appear as redacted
nodes: a placeholder key such as "redacted-1" and their place in the graph, nothing else.
"""

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import OuterRef, Subquery
from django.http import Http404

from catalogue import access
from catalogue.models import Dataset, ValidationCheck
from catalogue.models import Field as CatalogueField
from catalogue.sharing.models import SharingAgreement, plans_for
from catalogue.sharing.queries import is_party_member
from provenance.models import STUB_ORGANISATION_SLUG, DatasetAlias, Derivation, FieldDerivation, LineageEdge

DEFAULT_DEPTH = 20
DEFAULT_LIMIT = 100
MAX_LIMIT = 500


@dataclass
class LineageNode:
    key: str  # the slug, or "redacted-N"
    depth: int
    visible: bool
    pk: int | None = None  # None when redacted: callers must not look the dataset up
    slug: str = ""
    title: str = ""
    uri: str = ""
    url: str = ""
    publisher: str = ""
    status: str = ""
    failed_check: bool = False

    def as_dict(self) -> dict:
        if not self.visible:
            return {"id": self.key, "depth": self.depth, "redacted": True, "failed_check": self.failed_check}
        return {
            "id": self.key,
            "depth": self.depth,
            "redacted": False,
            "slug": self.slug,
            "title": self.title,
            "uri": self.uri,
            "url": self.url,
            "publisher": self.publisher,
            "status": self.status,
            "failed_check": self.failed_check,
        }


@dataclass
class LineageAnswer:
    root: LineageNode
    direction: str  # "upstream" or "downstream"
    depth: int
    as_of: datetime | None
    page: int
    limit: int
    nodes: list[LineageNode] = field(default_factory=list)
    edges: list[tuple[str, str]] = field(default_factory=list)  # (source key, derived key)
    # (source id, derived id, valid_from) of the edges between two visible datasets: what a
    # page asks about them (e.g. the sharing agreement each was made under); not served.
    visible_derivations: list[tuple[int, int, datetime]] = field(default_factory=list)
    truncated: bool = False  # a depth limit or the page size cut the answer
    has_next_page: bool = False

    def as_dict(self) -> dict:
        return {
            "dataset": self.root.as_dict(),
            "direction": self.direction,
            "depth": self.depth,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "page": self.page,
            "limit": self.limit,
            "truncated": self.truncated,
            "next_page": self.page + 1 if self.has_next_page else None,
            "count": len(self.nodes),
            "nodes": [node.as_dict() for node in self.nodes],
            "edges": [{"source": source, "derived": derived} for source, derived in self.edges],
        }


class _Redactor:
    """Turns dataset ids into nodes, hiding what the user may not see."""

    def __init__(self, user):
        self.user = user
        self.keys: dict[int, str] = {}
        self.visible: set[int] = set()
        self.count = 0

    def nodes(self, id_depths: list[tuple[int, int]], failing: set[int] | None = None) -> list[LineageNode]:
        ids = [pk for pk, _ in id_depths]
        rows = {
            row["pk"]: row
            for row in access.visible_datasets(self.user, Dataset.objects.filter(pk__in=ids)).values(
                "pk", "slug", "title", "uri", "status", "publisher__name"
            )
        }
        if failing is None:
            failing = failing_dataset_ids(ids)
        result = []
        for pk, depth in id_depths:
            row = rows.get(pk)
            if row is None:
                result.append(LineageNode(key=self.key_for(pk), depth=depth, visible=False, failed_check=pk in failing))
            else:
                result.append(self._visible(row, depth, pk in failing))
        return result

    def _visible(self, row: dict, depth: int, failed: bool) -> LineageNode:
        self.keys[row["pk"]] = row["slug"]
        self.visible.add(row["pk"])
        return LineageNode(
            key=row["slug"],
            depth=depth,
            visible=True,
            pk=row["pk"],
            slug=row["slug"],
            title=row["title"],
            uri=row["uri"],
            url=f"/datasets/{row['slug']}/",
            publisher=row["publisher__name"],
            status=row["status"],
            failed_check=failed,
        )

    def root(self, dataset: Dataset, failing: set[int] | None = None) -> LineageNode:
        row = {
            "pk": dataset.pk,
            "slug": dataset.slug,
            "title": dataset.title,
            "uri": dataset.uri,
            "status": dataset.status,
            "publisher__name": dataset.publisher.name,
        }
        if failing is None:
            failing = failing_dataset_ids([dataset.pk])
        return self._visible(row, 0, dataset.pk in failing)

    def key_for(self, pk: int) -> str:
        if pk not in self.keys:
            self.count += 1
            self.keys[pk] = f"redacted-{self.count}"
        return self.keys[pk]


def _clamp(depth: int | None, page: int | None, limit: int | None) -> tuple[int, int, int]:
    depth = DEFAULT_DEPTH if depth is None else max(1, int(depth))
    page = 1 if page is None else max(1, int(page))
    limit = DEFAULT_LIMIT if limit is None else min(MAX_LIMIT, max(1, int(limit)))
    return depth, page, limit


def _walk_as_of(dataset_id: int, direction: str, depth: int, moment: datetime) -> list[tuple[int, int]]:
    """(id, depth) of every dataset reachable at ``moment``, breadth first, one query per level."""
    step, back = ("source_id", "derived_id") if direction == "upstream" else ("derived_id", "source_id")
    seen = {dataset_id: 0}
    frontier = [dataset_id]
    found: list[tuple[int, int]] = []
    level = 0
    while frontier and level < depth + 1:
        level += 1
        rows = (
            Derivation.objects.as_of(moment).filter(**{f"{back}__in": frontier}).order_by().values_list(step, flat=True)
        )
        frontier = []
        for pk in sorted(set(rows)):
            if pk not in seen:
                seen[pk] = level
                frontier.append(pk)
                found.append((pk, level))
    return found


def _lineage(user, dataset: Dataset, direction: str, depth, as_of, page, limit, with_edges: bool) -> LineageAnswer:
    depth, page, limit = _clamp(depth, page, limit)
    offset = (page - 1) * limit
    if as_of is None:
        if direction == "upstream":
            base = LineageEdge.objects.filter(descendant_id=dataset.pk)
            other = "ancestor_id"
        else:
            base = LineageEdge.objects.filter(ancestor_id=dataset.pk)
            other = "descendant_id"
        # One index scan: rows one step deeper than asked sort last and only tell that the depth cut something.
        fetched = list(
            base.filter(depth__lte=depth + 1)
            .order_by("depth", other)
            .values_list(other, "depth")[offset : offset + limit + 1]
        )
        rows = [row for row in fetched if row[1] <= depth]
        deeper = len(rows) < len(fetched)
    else:
        everything = _walk_as_of(dataset.pk, direction, depth, as_of)
        deeper = any(d > depth for _, d in everything)
        everything = [(pk, d) for pk, d in everything if d <= depth]
        rows = everything[offset : offset + limit + 1]
    has_next = len(rows) > limit
    rows = rows[:limit]
    redactor = _Redactor(user)
    failing = failing_dataset_ids([dataset.pk] + [pk for pk, _ in rows])
    answer = LineageAnswer(
        root=redactor.root(dataset, failing),
        direction=direction,
        depth=depth,
        as_of=as_of,
        page=page,
        limit=limit,
        truncated=has_next or deeper,
        has_next_page=has_next,
    )
    answer.nodes = redactor.nodes(rows, failing)
    if with_edges:
        answer.edges, answer.visible_derivations = _edges_between(
            redactor, [dataset.pk] + [pk for pk, _ in rows], as_of
        )
    return answer


def _edges_between(
    redactor: _Redactor, ids: list[int], as_of: datetime | None
) -> tuple[list[tuple[str, str]], list[tuple[int, int, datetime]]]:
    """The edges among ``ids`` as (source key, derived key), and the ones between two visible
    datasets as (source id, derived id, valid_from)."""
    derivations = Derivation.objects.current() if as_of is None else Derivation.objects.as_of(as_of)
    # order_by(): the model's default ordering would join the datasets just to sort by title.
    rows = list(
        derivations.filter(source_id__in=ids, derived_id__in=ids)
        .order_by()
        .values_list("source_id", "derived_id", "valid_from")
    )
    edges = sorted({(redactor.key_for(source), redactor.key_for(derived)) for source, derived, _ in rows})
    visible = sorted(row for row in rows if row[0] in redactor.visible and row[1] in redactor.visible)
    return edges, visible


def upstream(
    user,
    dataset: Dataset,
    depth: int | None = DEFAULT_DEPTH,
    as_of: datetime | None = None,
    page: int | None = 1,
    limit: int | None = DEFAULT_LIMIT,
    with_edges: bool = True,
) -> LineageAnswer:
    """What feeds ``dataset`` (which the caller has checked ``user`` may see), nearest first."""
    return _lineage(user, dataset, "upstream", depth, as_of, page, limit, with_edges)


def downstream(
    user,
    dataset: Dataset,
    depth: int | None = DEFAULT_DEPTH,
    as_of: datetime | None = None,
    page: int | None = 1,
    limit: int | None = DEFAULT_LIMIT,
    with_edges: bool = True,
) -> LineageAnswer:
    """What is built from ``dataset``, nearest first."""
    return _lineage(user, dataset, "downstream", depth, as_of, page, limit, with_edges)


def lineage_path(user, origin: Dataset, target: Dataset) -> dict:
    """A shortest chain of current derivations between two datasets, in either direction."""
    if origin.pk == target.pk:
        return {"found": True, "direction": None, "length": 0, "nodes": []}
    direction = "downstream"
    top, bottom = origin, target
    pair = LineageEdge.objects.filter(ancestor_id=origin.pk, descendant_id=target.pk).first()
    if pair is None:
        pair = LineageEdge.objects.filter(ancestor_id=target.pk, descendant_id=origin.pk).first()
        direction, top, bottom = "upstream", target, origin
    if pair is None:
        return {"found": False, "direction": None, "length": None, "nodes": []}
    # Two queries whatever the path's length: the bottom's ancestors closer than the top, and
    # the current derivations among them; then walk down one step at a time in memory.
    closer = set(
        LineageEdge.objects.filter(descendant_id=bottom.pk, depth__gte=1, depth__lt=pair.depth).values_list(
            "ancestor_id", "depth"
        )
    )
    between = {ancestor for ancestor, _ in closer}
    steps = list(
        Derivation.objects.current()
        .filter(source_id__in=between | {top.pk}, derived_id__in=between)
        .values_list("source_id", "derived_id")
    )
    chain = [top.pk]
    current = top.pk
    for remaining in range(pair.depth - 1, 0, -1):
        # The next step is a child of `current` that is exactly `remaining` steps above the bottom.
        children = sorted(d for s, d in steps if s == current and (d, remaining) in closer)
        current = children[0] if children else None
        if current is None:  # the closure is a moment behind a change; say so rather than guess
            return {"found": False, "direction": None, "length": None, "nodes": []}
        chain.append(current)
    chain.append(bottom.pk)
    if direction == "upstream":
        chain.reverse()
    redactor = _Redactor(user)
    nodes = redactor.nodes([(pk, i) for i, pk in enumerate(chain)])
    return {"found": True, "direction": direction, "length": pair.depth, "nodes": [n.as_dict() for n in nodes]}


# --- sharing agreements as the plans of derivations ---------------------------------------


def derivation_plans(user, pairs) -> dict[tuple[int, int], SharingAgreement]:
    """The agreements under which derivations between visible datasets were made, as far as
    ``user`` may read them: agreements on the public register for everyone, any of an
    organisation's agreements for its members (catalogue.sharing.queries).

    ``pairs`` are (source id, derived id, valid_from); the answer is keyed by (source id,
    derived id). Callers pass only derivations whose two datasets the user sees, so a plan
    never names a hidden dataset's agreement beside it."""
    plans = plans_for(pairs)
    return {
        key: agreement
        for key, agreement in plans.items()
        if agreement.is_on_register or is_party_member(user, agreement)
    }


# --- validation failures and their impact downstream -------------------------------------


def failing_dataset_ids(ids: list[int] | None = None) -> set[int]:
    """Datasets whose latest run of some check (latest per (dataset, name)) failed."""
    latest = ValidationCheck.objects.filter(dataset_id=OuterRef("dataset_id"), name=OuterRef("name")).order_by(
        "-run_at", "-id"
    )
    checks = ValidationCheck.objects.filter(outcome=ValidationCheck.Outcome.FAIL)
    if ids is not None:
        checks = checks.filter(dataset_id__in=ids)
    checks = checks.filter(pk=Subquery(latest.values("pk")[:1]))
    return set(checks.order_by().values_list("dataset_id", flat=True))


def datasets_with_failed_upstream_ids() -> set[int]:
    """Every dataset downstream (any depth) of a dataset whose latest check failed.

    Ids only, no access filter: callers intersect with what the user may see (e.g. a facet).
    """
    failing = failing_dataset_ids()
    if not failing:
        return set()
    return set(LineageEdge.objects.filter(ancestor_id__in=failing).values_list("descendant_id", flat=True).distinct())


def upstream_failures(user, dataset: Dataset) -> list[LineageNode]:
    """The upstream datasets of ``dataset`` whose latest check failed, nearest first (redacted if hidden)."""
    ancestors = list(
        LineageEdge.objects.filter(descendant_id=dataset.pk).order_by("depth").values_list("ancestor_id", "depth")
    )
    failing = failing_dataset_ids([pk for pk, _ in ancestors])
    return _Redactor(user).nodes([(pk, depth) for pk, depth in ancestors if pk in failing])


def upstream_failure_alerts(user) -> list[dict]:
    """For a publisher's dashboard: their organisations' datasets that have a failing upstream dataset."""
    org_ids = access.member_organisation_ids(user)
    if not org_ids:
        return []
    failing = failing_dataset_ids()
    if not failing:
        return []
    affected = (
        LineageEdge.objects.filter(ancestor_id__in=failing, descendant__publisher_id__in=org_ids)
        .order_by("descendant_id", "depth")
        .values_list("descendant_id", "ancestor_id", "depth")
    )
    by_dataset: dict[int, list[tuple[int, int]]] = {}
    for descendant, ancestor, depth in affected:
        by_dataset.setdefault(descendant, []).append((ancestor, depth))
    datasets = Dataset.objects.filter(pk__in=by_dataset).order_by("title")
    redactor = _Redactor(user)
    return [{"dataset": dataset, "failed_upstream": redactor.nodes(by_dataset[dataset.pk])} for dataset in datasets]


# --- column lineage ------------------------------------------------------------------------


def field_lineage(user, field_obj: CatalogueField, direction: str, depth: int | None = DEFAULT_DEPTH) -> dict:
    """Column-level upstream or downstream of a field, breadth first over current field derivations."""
    depth, _, _ = _clamp(depth, 1, MAX_LIMIT)
    step, back = ("source_id", "derived_id") if direction == "upstream" else ("derived_id", "source_id")
    seen = {field_obj.pk: 0}
    queue = deque([field_obj.pk])
    edges = []
    truncated = False
    while queue:
        pk = queue.popleft()
        rows = (
            FieldDerivation.objects.current()
            .filter(**{back: pk})
            .order_by(step)
            .values_list(step, "kind", "description")
        )
        for other, kind, description in rows:
            if seen[pk] + 1 > depth:
                truncated = True
                continue
            edges.append(
                (pk, other, kind, description) if direction == "downstream" else (other, pk, kind, description)
            )
            if other not in seen:
                seen[other] = seen[pk] + 1
                queue.append(other)
    fields = {
        f.pk: f
        for f in CatalogueField.objects.filter(pk__in=list(seen)).select_related("dataset", "dataset__publisher")
    }
    visible_ids = set(
        access.visible_datasets(
            user, Dataset.objects.filter(pk__in={f.dataset_id for f in fields.values()})
        ).values_list("pk", flat=True)
    )
    keys: dict[int, str] = {}
    redacted = 0
    nodes = []
    for pk, d in sorted(seen.items(), key=lambda item: (item[1], item[0])):
        f = fields[pk]
        if f.dataset_id in visible_ids:
            keys[pk] = str(pk)
            node = {
                "id": str(pk),
                "depth": d,
                "redacted": False,
                "name": f.name,
                "title": f.title,
                "dataset": {"slug": f.dataset.slug, "title": f.dataset.title},
            }
        else:
            redacted += 1
            keys[pk] = f"redacted-{redacted}"
            node = {"id": keys[pk], "depth": d, "redacted": True}
        if pk != field_obj.pk:
            nodes.append(node)
    return {
        "field": {"id": str(field_obj.pk), "name": field_obj.name, "dataset": field_obj.dataset.slug},
        "direction": direction,
        "depth": depth,
        "truncated": truncated,
        "nodes": nodes,
        "edges": [
            {
                "source": keys[s],
                "derived": keys[d],
                "kind": kind,
                # A transformation's description may name what it reads: only shown when both ends are.
                "description": desc
                if fields[s].dataset_id in visible_ids and fields[d].dataset_id in visible_ids
                else "",
            }
            for s, d, kind, desc in edges
        ],
    }


def claimable_stubs(user, organisation=None):
    """Lineage stubs ``user`` may list and claim: those named by events of an organisation the
    user edits for (for ``organisation`` only, when given); every stub for a site administrator;
    nothing for anyone else.

    Stubs are non-public drafts, so the access rule (catalogue.access) alone shows them to
    nobody but site administrators; claiming is the one purpose for which editors see them,
    and only the stubs their own organisation's pipelines named.
    """
    stubs = Dataset.objects.filter(publisher__slug=STUB_ORGANISATION_SLUG)
    if access.sees_everything(user):
        return stubs
    org_ids = access.member_organisation_ids(user, roles=access.EDIT_ROLES)
    if organisation is not None:
        org_ids = [pk for pk in org_ids if pk == organisation.pk]
    if not org_ids:
        return stubs.none()
    named = DatasetAlias.named_by.through.objects.filter(organisation_id__in=org_ids).values("datasetalias__dataset_id")
    return stubs.filter(pk__in=named)


def may_name_as_source(user, dataset: Dataset) -> bool:
    """May ``user`` record lineage from ``dataset``? When they may see it (catalogue.access), or
    when it is a lineage stub they may claim: a placeholder their own organisation's events named."""
    if access.can_view_dataset(user, dataset):
        return True
    return dataset.publisher.slug == STUB_ORGANISATION_SLUG and claimable_stubs(user).filter(pk=dataset.pk).exists()


def stub_for_claim(user, *, slug: str, organisation=None) -> Dataset:
    """The stub with this slug that ``user`` may claim (for ``organisation``, when given), or 404
    for anything else: a missing slug, a dataset the user may not see, a dataset that is not a
    stub and another organisation's stub all answer alike."""
    try:
        return claimable_stubs(user, organisation).select_related("publisher").get(slug=slug)
    except Dataset.DoesNotExist:
        raise Http404("No such lineage stub.") from None
