"""The compatibility check between two to five datasets: which of their fields measure the
same concept (joinable), which only a close, wider or narrower one (close), which look alike
but mean different things (conflicting), which look alike with nothing to tell by (unlinked
lookalikes), and where their units, code lists, periods and places differ. Pure reading.

The rules follow SKOS (docs: the glossary reference, "compatibility check"): the same
concept IRI, or a chain of ``exactMatch`` (symmetric and transitive, followed through
concepts of any scheme, both directions of the stored links, at most
``queries.MAX_EXACT_MATCH_STEPS`` steps), is the same thing; ``closeMatch`` means "compare the definitions first" and is
never chained; ``broadMatch``/``narrowMatch`` (and ``broader``/``narrower`` within a
scheme) mean one is a subset of the other, to aggregate before comparing; ``relatedMatch``
or no link means different. Only the datasets, concepts and links the user may see count.

The work is a fixed number of queries whatever the number of fields: the datasets, their
fields, the concepts they name, the links touching those concepts (and one more per step
of an ``exactMatch`` chain), and the code lists' matches.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from django.db.models import OuterRef, Q, Subquery

from catalogue import access
from catalogue.glossary.models import Concept, ConceptLink
from catalogue.glossary.queries import (
    exact_match_pairs,
    visible_concepts,
    visible_links,
    visible_schemes,
)
from catalogue.models import Dataset, Field

Kind = ConceptLink.Kind

MIN_DATASETS, MAX_DATASETS = 2, 5
# What (subject, kind, object) says about which of two concepts is the wider one.
WIDER_OBJECT = {Kind.BROADER, Kind.BROAD_MATCH}
WIDER_SUBJECT = {Kind.NARROWER, Kind.NARROW_MATCH}


class CompareError(Exception):
    """A request the check cannot answer; ``status`` is 400 (malformed) or 404 (a dataset the
    user may not see, said exactly as for one that does not exist)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


# -- the answer -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConceptInfo:
    uri: str
    slug: str
    pref_label: str
    labels: tuple[str, ...]  # preferred and alternative
    definition: str
    scheme_slug: str
    scheme_title: str
    organisation: str


@dataclass(frozen=True)
class FieldInfo:
    dataset: str  # slug
    name: str
    title: str
    unit: str
    code_list_uri: str
    concept: ConceptInfo | None
    concept_uri: str


@dataclass(frozen=True)
class CodeListNote:
    left: str
    right: str
    verdict: str  # "same", "compatible" (their codes are exactMatched) or "differ"
    left_title: str = ""  # the scheme's title, where the user sees it
    right_title: str = ""


@dataclass
class FieldPair:
    left: FieldInfo
    right: FieldInfo
    verdict: str  # joinable, close, conflicting, unlinked
    why: str
    wider: str = ""  # for close pairs with a hierarchy: "left" or "right"
    units_differ: bool = False
    code_list: CodeListNote | None = None

    @property
    def code_lists_differ(self) -> bool:
        return self.code_list is not None and self.code_list.verdict == "differ"


@dataclass(frozen=True)
class Overlap:
    """What two or more datasets share of one coverage (``shared``), said in ``text``; for
    periods, the shared interval (an end None is open)."""

    shared: bool
    text: str
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass
class DatasetPair:
    left: Dataset
    right: Dataset
    joinable: list[FieldPair] = field(default_factory=list)
    close: list[FieldPair] = field(default_factory=list)
    conflicting: list[FieldPair] = field(default_factory=list)
    unlinked: list[FieldPair] = field(default_factory=list)
    temporal: Overlap | None = None
    spatial: Overlap | None = None

    @property
    def units_differ(self) -> list[FieldPair]:
        return [p for p in self.joinable + self.close if p.units_differ]

    @property
    def code_lists_differ(self) -> list[FieldPair]:
        return [p for p in self.joinable + self.close if p.code_lists_differ]


@dataclass
class Comparison:
    datasets: list[Dataset]
    pairs: list[DatasetPair]
    temporal: Overlap
    spatial: Overlap

    @property
    def slugs(self) -> list[str]:
        return [d.slug for d in self.datasets]

    def counts(self) -> dict[str, int]:
        return {
            name: sum(len(getattr(pair, name)) for pair in self.pairs)
            for name in ("joinable", "close", "conflicting", "unlinked", "units_differ", "code_lists_differ")
        }


# -- reading the request --------------------------------------------------------------------


def parse_slugs(raw: str | list[str]) -> list[str]:
    """The dataset slugs asked for, from "a,b" or a list of ("a", "b,c"); 400 when there are
    too few, too many, or one twice."""
    parts = [raw] if isinstance(raw, str) else list(raw)
    slugs = [s.strip() for part in parts for s in str(part).split(",") if s.strip()]
    if len(slugs) < MIN_DATASETS:
        raise CompareError(f"Name at least {MIN_DATASETS} datasets to compare, separated by commas.")
    if len(slugs) > MAX_DATASETS:
        raise CompareError(f"Compare at most {MAX_DATASETS} datasets at a time ({len(slugs)} were named).")
    seen = set()
    for slug in slugs:
        if slug in seen:
            raise CompareError(f"“{slug[:100]}” is named twice: name each dataset once.")
        seen.add(slug)
    return slugs


def _datasets(user, slugs: list[str]) -> list[Dataset]:
    found = {
        d.slug: d
        for d in access.visible_datasets(user, Dataset.objects.filter(slug__in=slugs).select_related("publisher"))
    }
    for slug in slugs:
        if slug not in found:
            raise CompareError(f"There is no dataset “{slug[:100]}” that you may see.", status=404)
    return [found[slug] for slug in slugs]


# -- the glossary's part ------------------------------------------------------------------------


def _concepts(user, uris: set[str]) -> dict[str, ConceptInfo]:
    rows = visible_concepts(user).filter(uri__in=uris)
    return {
        c.uri: ConceptInfo(
            uri=c.uri,
            slug=c.slug,
            pref_label=c.pref_label,
            labels=tuple(c.labels),
            definition=c.definition,
            scheme_slug=c.scheme.slug,
            scheme_title=c.scheme.title,
            organisation=c.scheme.organisation.name,
        )
        for c in rows
    }


class _Links:
    """The links that touch the fields' concepts, and the exactMatch classes around them."""

    def __init__(self, user, uris: set[str]):
        self._pairs: dict[frozenset, set[tuple[str, str, str]]] = defaultdict(set)
        self._parent: dict[str, str] = {}
        if not uris:
            return
        stated = visible_links(user).filter(Q(concept__uri__in=uris) | Q(target_uri__in=uris))
        for subject, kind, target in stated.values_list("concept__uri", "kind", "target_uri"):
            self._pairs[frozenset((subject, target))].add((subject, kind, target))
        for subject, target in exact_match_pairs(user, uris):
            self._parent[self._find(subject)] = self._find(target)

    def _find(self, uri: str) -> str:
        root = uri
        while self._parent.get(root, root) != root:
            root = self._parent[root]
        self._parent[uri] = root
        return root

    def same(self, a: str, b: str) -> bool:
        return a == b or self._find(a) == self._find(b)

    def between(self, a: str, b: str) -> set[tuple[str, str, str]]:
        """The links stated between ``a`` and ``b``, as (subject, kind, object)."""
        return self._pairs.get(frozenset((a, b)), set())


@dataclass
class _CodeLists:
    """The code lists (schemes) the fields name: their titles, and which pairs have codes
    exactMatched (compatible)."""

    titles: dict[str, str] = field(default_factory=dict)
    compatible: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def read(cls, user, fields: list[FieldInfo]) -> _CodeLists:
        lists = {f.code_list_uri for f in fields if f.code_list_uri}
        if not lists:
            return cls()
        titles = dict(visible_schemes(user).filter(uri__in=lists).values_list("uri", "title"))
        target_scheme = Subquery(Concept.objects.filter(uri=OuterRef("target_uri")).values("scheme__uri")[:1])
        rows = (
            visible_links(user)
            .filter(kind=Kind.EXACT_MATCH, concept__scheme__uri__in=lists)
            .annotate(target_scheme=target_scheme)
            .filter(target_scheme__in=lists)
            .values_list("concept__scheme__uri", "target_scheme")
            .distinct()
        )
        compatible = {pair for a, b in rows for pair in ((a, b), (b, a))}
        return cls(titles, compatible)

    def note(self, a: FieldInfo, b: FieldInfo) -> CodeListNote | None:
        left, right = a.code_list_uri, b.code_list_uri
        if not left and not right:
            return None
        if left == right:
            verdict = "same"
        elif (left, right) in self.compatible:
            verdict = "compatible"
        else:
            verdict = "differ"
        return CodeListNote(left, right, verdict, self.titles.get(left, ""), self.titles.get(right, ""))


# -- coverage ------------------------------------------------------------------------------


def temporal_overlap(datasets: list[Dataset]) -> Overlap:
    missing = [d.title for d in datasets if d.temporal_start is None and d.temporal_end is None]
    if missing:
        return Overlap(False, f"Cannot tell: {_and(missing)} {_states(missing)} no period covered.")
    starts = [d.temporal_start for d in datasets if d.temporal_start]
    ends = [d.temporal_end for d in datasets if d.temporal_end]
    start, end = (max(starts) if starts else None), (min(ends) if ends else None)
    if start and end and start > end:
        return Overlap(False, "None: the periods covered do not overlap.")
    since = f"from {start.isoformat()}" if start else "from no stated start"
    until = f"to {end.isoformat()}" if end else "onwards (no end stated)"
    return Overlap(True, f"{since} {until}".capitalize(), start, end)


def spatial_overlap(datasets: list[Dataset]) -> Overlap:
    missing = [d.title for d in datasets if not d.spatial_uri]
    if missing:
        return Overlap(False, f"Cannot tell: {_and(missing)} {_states(missing)} no area covered.")
    places: dict[str, str] = {}
    for d in datasets:
        places[d.spatial_uri] = places.get(d.spatial_uri) or d.spatial_label
    places = {uri: label or uri for uri, label in places.items()}
    if len(places) == 1:
        return Overlap(True, f"The same area: {next(iter(places.values()))}.")
    return Overlap(
        False,
        f"Different areas: {_and(sorted(places.values()))}. Check whether one contains the other before joining.",
    )


def _and(items: list[str]) -> str:
    items = [f"“{i}”" for i in items]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _states(items: list) -> str:
    return "states" if len(items) == 1 else "state"


# -- the check -------------------------------------------------------------------------------


def _classify(a: FieldInfo, b: FieldInfo, links: _Links) -> FieldPair | None:
    same_name = a.name.casefold() == b.name.casefold()
    if not a.concept_uri or not b.concept_uri:
        if same_name:
            side = "either" if not a.concept_uri and not b.concept_uri else "one"
            why = f"Same column name, but {side} side names no concept: cannot tell whether they mean the same."
            return FieldPair(a, b, "unlinked", why)
        return None
    if a.concept_uri == b.concept_uri:
        return FieldPair(a, b, "joinable", "Both measure the same concept.")
    if links.same(a.concept_uri, b.concept_uri):
        return FieldPair(a, b, "joinable", "Their concepts are the same (exact match).")
    stated = links.between(a.concept_uri, b.concept_uri)
    for subject, kind, target in sorted(stated):
        if kind in WIDER_OBJECT | WIDER_SUBJECT:
            wider_uri = target if kind in WIDER_OBJECT else subject
            wider = "left" if wider_uri == a.concept_uri else "right"
            wide, narrow = (a, b) if wider == "left" else (b, a)
            why = (
                f"“{_label(narrow)}” is narrower than “{_label(wide)}”: aggregate "
                f"{narrow.dataset}’s {narrow.name} to {_label(wide)} to compare."
            )
            return FieldPair(a, b, "close", why, wider=wider)
    if any(kind == Kind.CLOSE_MATCH for _, kind, _ in stated):
        return FieldPair(a, b, "close", "Close match: compare the definitions before joining.")
    labels_a = {label.casefold() for label in _labels(a)}
    shared_label = bool(labels_a & {label.casefold() for label in _labels(b)})
    if same_name or shared_label:
        related = any(kind in (Kind.RELATED_MATCH, Kind.RELATED) for _, kind, _ in stated)
        why = (
            "Related, but not the same: the two definitions differ."
            if related
            else "Different concepts with nothing to say they match: the two definitions differ."
        )
        return FieldPair(a, b, "conflicting", why)
    return None


def _labels(f: FieldInfo) -> list[str]:
    return list(f.concept.labels) if f.concept else []


def _label(f: FieldInfo) -> str:
    return f.concept.pref_label if f.concept else f.concept_uri


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def compare(user, slugs: list[str]) -> Comparison:
    """Compare the datasets named (2 to 5, each one ``user`` may see; else CompareError)."""
    slugs = parse_slugs(slugs)
    datasets = _datasets(user, slugs)
    by_pk = {d.pk: d for d in datasets}
    rows = list(
        Field.objects.filter(dataset_id__in=by_pk)
        .order_by("dataset_id", "position", "id")
        .values_list("dataset_id", "name", "title", "unit", "code_list_uri", "concept_uri")
    )
    named = {row[5] for row in rows if row[5]}
    concepts = _concepts(user, named)
    links = _Links(user, named)
    fields: dict[int, list[FieldInfo]] = {pk: [] for pk in by_pk}
    for dataset_id, name, title, unit, code_list_uri, concept_uri in rows:
        fields[dataset_id].append(
            FieldInfo(
                dataset=by_pk[dataset_id].slug,
                name=name,
                title=title,
                unit=unit,
                code_list_uri=code_list_uri,
                # None for an IRI outside the glossary, or in a scheme the user may not see.
                concept=concepts.get(concept_uri),
                concept_uri=concept_uri,
            )
        )
    code_lists = _CodeLists.read(user, [f for group in fields.values() for f in group])
    pairs = []
    for left, right in combinations(datasets, 2):
        pair = DatasetPair(left, right)
        for a in fields[left.pk]:
            for b in fields[right.pk]:
                found = _classify(a, b, links)
                if found is None:
                    continue
                if found.verdict in ("joinable", "close"):
                    found.units_differ = _norm(a.unit) != _norm(b.unit)
                    found.code_list = code_lists.note(a, b)
                getattr(pair, found.verdict).append(found)
        pair.temporal = temporal_overlap([left, right])
        pair.spatial = spatial_overlap([left, right])
        pairs.append(pair)
    return Comparison(datasets, pairs, temporal_overlap(datasets), spatial_overlap(datasets))
