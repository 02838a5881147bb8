"""Reading the glossary: which schemes a user sees, the relations of a concept or a scheme
(both directions), the fields that measure a concept (only of datasets the user sees, through
catalogue.access), the glossary search, and the concepts suggested for a data dictionary
field as it is named.

Search and suggestion rank the concepts of the schemes the user sees by how well their
labels (then their definitions) match the words asked for. Both read a small in-process
index of every concept's words, rebuilt when the glossary changes (its stamp is the
number of concepts and their latest change), so a keystroke costs one cheap query
however many datasets and fields the catalogue holds; a lookup from each word to the
concepts that carry it means only the concepts that can match are scored.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.http import Http404

from catalogue import access
from catalogue.glossary.models import INVERSE, Concept, ConceptLink, ConceptScheme
from catalogue.models import Dataset, Field

# Words a column name carries that say nothing about what it measures.
NAME_NOISE = frozenset({"id", "ref", "code", "cd", "key", "no", "num", "nbr", "flag", "ind", "fk", "pk"})
MAX_QUERY_LENGTH = 200


def visible_schemes_q(user, prefix: str = "") -> Q | None:
    """Published schemes for everyone; drafts too for members of the owning organisation.
    None: every scheme (superusers)."""
    if getattr(user, "is_superuser", False):
        return None
    condition = Q(**{f"{prefix}status": ConceptScheme.Status.PUBLISHED})
    org_ids = access.member_organisation_ids(user) if getattr(user, "is_authenticated", False) else []
    if org_ids:
        condition |= Q(**{f"{prefix}organisation_id__in": org_ids})
    return condition


def visible_schemes(user) -> QuerySet:
    condition = visible_schemes_q(user)
    schemes = ConceptScheme.objects.select_related("organisation")
    return schemes if condition is None else schemes.filter(condition)


def visible_concepts(user) -> QuerySet:
    condition = visible_schemes_q(user, "scheme__")
    concepts = Concept.objects.select_related("scheme", "scheme__organisation")
    return concepts if condition is None else concepts.filter(condition)


def scheme_for_user(user, slug: str) -> ConceptScheme:
    scheme = visible_schemes(user).filter(slug=slug).first()
    if scheme is None:
        raise Http404("No such glossary scheme.")
    return scheme


def concept_for_user(user, scheme_slug: str, slug: str) -> Concept:
    concept = visible_concepts(user).filter(scheme__slug=scheme_slug, slug=slug).first()
    if concept is None:
        raise Http404("No such concept.")
    return concept


# -- relations ---------------------------------------------------------------------------


def scheme_relations(scheme: ConceptScheme, user=None) -> dict[str, list[tuple[str, str]]]:
    """Every relation of the scheme's concepts in both directions, keyed by concept IRI, as
    (kind, other IRI): the links the scheme stated, and every link that ends at one of its
    concepts, inverted: another scheme's "A broadMatch ours" is our "narrowMatch A". With
    ``user``, links stated by other schemes count only when ``user`` sees those schemes (a
    draft's statements stay with its owners). Two queries."""
    ours = set(scheme.concepts.values_list("uri", flat=True))
    links = ConceptLink.objects.filter(Q(concept__scheme=scheme) | Q(target_uri__in=scheme.concepts.values("uri")))
    condition = visible_schemes_q(user, "concept__scheme__") if user is not None else None
    if condition is not None:
        links = links.filter(Q(concept__scheme=scheme) | condition)
    relations: dict[str, set[tuple[str, str]]] = {}
    for subject, kind, target, scheme_id in links.values_list(
        "concept__uri", "kind", "target_uri", "concept__scheme_id"
    ):
        if scheme_id == scheme.pk:
            relations.setdefault(subject, set()).add((kind, target))
        if target in ours:
            relations.setdefault(target, set()).add((INVERSE[kind], subject))
    return {uri: sorted(pairs) for uri, pairs in relations.items()}


def concept_broader(concepts) -> dict[int, list[Concept]]:
    """For each of ``concepts`` (of one scheme), its broader concepts in the same scheme, by
    concept id, whichever side stated the link. Two queries."""
    concepts = list(concepts)
    if not concepts:
        return {}
    by_uri = {c.uri: c for c in concepts}
    scheme_id = concepts[0].scheme_id
    pairs = set()
    links = ConceptLink.objects.filter(
        Q(concept__in=concepts, kind=ConceptLink.Kind.BROADER)
        | Q(target_uri__in=list(by_uri), kind=ConceptLink.Kind.NARROWER, concept__scheme_id=scheme_id)
    )
    for subject, kind, target in links.values_list("concept__uri", "kind", "target_uri"):
        pairs.add((subject, target) if kind == ConceptLink.Kind.BROADER else (target, subject))
    parents = {c.uri: c for c in Concept.objects.filter(scheme_id=scheme_id, uri__in={p for _, p in pairs})}
    broader: dict[int, list[Concept]] = {}
    for child, parent in sorted(pairs):
        if child in by_uri and parent in parents:
            broader.setdefault(by_uri[child].pk, []).append(parents[parent])
    return broader


@dataclass(frozen=True)
class Relation:
    kind: str
    uri: str
    concept: Concept | None  # None: outside the glossary (or in a scheme the user does not see)

    @property
    def label(self) -> str:
        return ConceptLink.Kind(self.kind).label


def concept_relations(user, concept: Concept) -> list[Relation]:
    """Every relation touching ``concept``, stated by either side (the other side's inverted),
    with the other concept when it is in a scheme ``user`` sees. A concept of a scheme the user
    does not see is left out altogether. Three queries."""
    pairs = set()
    links = ConceptLink.objects.filter(Q(concept=concept) | Q(target_uri=concept.uri))
    for subject, kind, target in links.values_list("concept__uri", "kind", "target_uri"):
        pairs.add((kind, target) if subject == concept.uri else (INVERSE[kind], subject))
    others = {uri for _, uri in pairs}
    known = set(Concept.objects.filter(uri__in=others).values_list("uri", flat=True))
    visible = {c.uri: c for c in visible_concepts(user).filter(uri__in=others)}
    return [
        Relation(kind, uri, visible.get(uri))
        for kind, uri in sorted(pairs, key=lambda p: (p[0], p[1]))
        if uri in visible or uri not in known
    ]


def visible_links(user) -> QuerySet:
    """The links stated by schemes ``user`` sees: a draft's statements stay with its owners."""
    condition = visible_schemes_q(user, "concept__scheme__")
    links = ConceptLink.objects.all()
    return links if condition is None else links.filter(condition)


# exactMatch is transitive: how far a chain is followed.
MAX_EXACT_MATCH_STEPS = 6


def exact_match_pairs(user, uris: Iterable[str]) -> set[tuple[str, str]]:
    """The exactMatch links (subject, object IRIs), stated by schemes ``user`` sees, reachable
    from ``uris`` in either direction, at most MAX_EXACT_MATCH_STEPS steps. One query a step."""
    links = visible_links(user).filter(kind=ConceptLink.Kind.EXACT_MATCH)
    pairs: set[tuple[str, str]] = set()
    found = frontier = set(uris)
    for _ in range(MAX_EXACT_MATCH_STEPS):
        if not frontier:
            break
        rows = set(
            links.filter(Q(concept__uri__in=frontier) | Q(target_uri__in=frontier)).values_list(
                "concept__uri", "target_uri"
            )
        )
        pairs |= rows
        frontier = {u for pair in rows for u in pair} - found
        found = found | frontier
    return pairs


def exact_match_closure(user, uri: str) -> set[str]:
    """The IRIs joined to ``uri`` through exactMatch at any distance (closeMatch deliberately
    is not transitive), ``uri`` excluded."""
    return {u for pair in exact_match_pairs(user, [uri]) for u in pair} - {uri}


# -- where concepts are used ---------------------------------------------------------------


def fields_measuring(user, uris: Iterable[str]) -> QuerySet:
    """The data dictionary fields, of datasets ``user`` may see, that measure one of ``uris``
    (through the index on Field.concept_uri), ordered by dataset then position."""
    fields = Field.objects.filter(concept_uri__in=list(uris))
    condition = access.visible_datasets_q(user, "dataset__")
    if condition is not None:
        fields = fields.filter(condition)
    return fields.select_related("dataset", "dataset__publisher").order_by("dataset_id", "position", "id")


# Counting the datasets that measure a concept costs time in proportion to its fields (each
# dataset's visibility is read from the dataset table). A concept measured by more than
# EXACT_COUNT_LIMIT fields is counted over a fixed sample of the datasets instead, scaled
# up and shown as an estimate: 1 in 4, 32 or 256 of them (by the concept's size, so that
# at most a few hundred datasets are looked up), chosen by a hash of the id so that no
# pattern in the ids (an organisation's datasets created together) skews it. The sample
# is read from the index on (concept_uri, dataset_id) alone.
EXACT_COUNT_LIMIT = 200
SAMPLE_RATES = ((EXACT_COUNT_LIMIT, 4), (8 * EXACT_COUNT_LIMIT, 32), (64 * EXACT_COUNT_LIMIT, 256))
MIN_SAMPLE = 30  # fewer visible datasets in the sample than this: count them all
_HASH_MULTIPLIER, _HASH_SPAN, _HASH_BUCKETS = 2_654_435_761, 2**32, 256  # Knuth's multiplicative hash


@dataclass(frozen=True)
class Measured:
    """How many datasets measure a concept; ``estimated``: counted over a sample, rounded."""

    datasets: int
    estimated: bool = False


def datasets_measuring_counts(user, uris: Iterable[str]) -> dict[str, Measured]:
    """For each concept IRI that a dataset ``user`` may see measures, how many such datasets
    there are: exact up to EXACT_COUNT_LIMIT fields, else estimated (see above). Three
    queries, five when a sample holds too few visible datasets to scale up."""
    uris = {u for u in uris if u}
    if not uris:
        return {}
    beyond = Field.objects.filter(concept_uri=OuterRef("uri")).order_by().values("dataset_id")
    sizes = Concept.objects.filter(uri__in=uris).values_list(
        "uri", *(Subquery(beyond[fields : fields + 1]) for fields, _ in SAMPLE_RATES)
    )
    rates = dict.fromkeys(uris, 1)
    for uri, *over in sizes:
        rates[uri] = max(
            [rate for (_, rate), past in zip(SAMPLE_RATES, over, strict=True) if past is not None], default=1
        )
    counts = _visible_counts(user, _pairs(rates))
    thin = {uri for uri, rate in rates.items() if rate > 1 and counts.get(uri, 0) < MIN_SAMPLE}
    counts.update(_visible_counts(user, _pairs(dict.fromkeys(thin, 1))))
    return {
        uri: Measured(n) if rates[uri] == 1 or uri in thin else Measured(_about(n * rates[uri]), True)
        for uri, n in counts.items()
    }


def _pairs(rates: dict[str, int]) -> set[tuple[str, int]]:
    """The (concept IRI, dataset id) pairs of the fields measuring each IRI of ``rates``, for a
    rate above 1 only the datasets in the 1-in-rate sample. One query, a UNION of one part
    per rate so that each reads the index alone (an OR of them would read the table)."""
    if not rates:
        return set()
    bucket = (F("dataset_id") * _HASH_MULTIPLIER) % _HASH_SPAN / (_HASH_SPAN // _HASH_BUCKETS)
    parts = []
    for rate in sorted(set(rates.values())):
        fields = Field.objects.filter(concept_uri__in=[uri for uri, r in rates.items() if r == rate])
        if rate > 1:
            fields = fields.alias(bucket=bucket).filter(bucket__lt=_HASH_BUCKETS // rate)
        parts.append(fields.order_by().values_list("concept_uri", "dataset_id"))
    return set(parts[0].union(*parts[1:]))


def _visible_counts(user, pairs: set[tuple[str, int]]) -> dict[str, int]:
    """How many of the datasets paired with each IRI ``user`` may see: one query, by primary key."""
    if not pairs:
        return {}
    ids = sorted({dataset_id for _, dataset_id in pairs})
    if connection.vendor == "postgresql":  # one array parameter, not thousands
        datasets = Dataset.objects.filter(RawSQL('"catalogue_dataset"."id" = ANY(%s)', (ids,), BooleanField()))
    else:
        datasets = Dataset.objects.filter(pk__in=ids)
    seen = set(access.visible_datasets(user, datasets).values_list("pk", flat=True))
    return dict(Counter(uri for uri, dataset_id in pairs if dataset_id in seen))


def _about(n: int) -> int:
    """Two significant figures: an estimate should not look precise."""
    if n < 100:
        return n
    magnitude = 10 ** (len(str(n)) - 2)
    return round(n / magnitude) * magnitude


def concepts_by_uri(user, uris: Iterable[str]) -> dict[str, Concept]:
    """The concepts with these IRIs in schemes ``user`` sees, by IRI. One query (none for no IRIs)."""
    uris = {u for u in uris if u}
    if not uris:
        return {}
    return {c.uri: c for c in visible_concepts(user).filter(uri__in=uris)}


def schemes_by_organisation(user) -> list[tuple]:
    """The schemes ``user`` sees with their concept counts, grouped as (organisation, [schemes])."""
    schemes = visible_schemes(user).annotate(concept_count=Count("concepts")).order_by("organisation__name", "title")
    groups: dict[int, tuple] = {}
    for scheme in schemes:
        groups.setdefault(scheme.organisation_id, (scheme.organisation, []))[1].append(scheme)
    return list(groups.values())


# -- words -------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Lower-case words of a label, a sentence or a column name ("householdId",
    "household_id", "Household ID" all give ["household", "id"]), plurals folded."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text or "")
    found = []
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        found.append(word)
    return found


@dataclass(frozen=True)
class IndexedConcept:
    pk: int
    scheme_id: int
    organisation_id: int
    published: bool
    labels: tuple[tuple[str, ...], ...]  # each label's words, the preferred label first
    label_words: frozenset[str]
    definition_words: frozenset[str]


@dataclass(frozen=True)
class Match:
    concept: Concept
    score: float
    why: str  # "label" or "definition"


@dataclass(frozen=True)
class _Words:
    """Which concepts (positions in the index) carry each word, so a query scores only the
    concepts it can match instead of all of them."""

    in_labels: dict[str, tuple[int, ...]]
    in_definitions: dict[str, tuple[int, ...]]
    label_words: tuple[str, ...]  # sorted, to find the words a query word prefixes

    @classmethod
    def of(cls, concepts: list[IndexedConcept]) -> _Words:
        in_labels: dict[str, list[int]] = {}
        in_definitions: dict[str, list[int]] = {}
        for position, concept in enumerate(concepts):
            for word in concept.label_words:
                in_labels.setdefault(word, []).append(position)
            for word in concept.definition_words:
                in_definitions.setdefault(word, []).append(position)
        return cls(
            in_labels={w: tuple(p) for w, p in in_labels.items()},
            in_definitions={w: tuple(p) for w, p in in_definitions.items()},
            label_words=tuple(sorted(in_labels)),
        )

    def candidates(self, asked: list[str]) -> set[int]:
        """Every concept ``_score`` can give a score for ``asked``: one of its label words is
        asked or starts with an asked word of three letters or more, or its definition has an
        asked word of three letters or more."""
        found: set[int] = set()
        for word in set(asked):
            found.update(self.in_labels.get(word, ()))
            if len(word) >= 3:
                found.update(self.in_definitions.get(word, ()))
                start = bisect.bisect_left(self.label_words, word)
                for label_word in self.label_words[start:]:
                    if not label_word.startswith(word):
                        break
                    found.update(self.in_labels[label_word])
        return found


class _Index:
    """Every concept's words, kept per process and rebuilt when the glossary's stamp moves."""

    def __init__(self):
        self._lock = threading.Lock()
        self._stamp = None
        # The concepts and their word lookup, replaced together so a reader never pairs
        # one build's positions with another's list.
        self._state: tuple[list[IndexedConcept], _Words] = ([], _Words.of([]))

    def current(self) -> tuple[list[IndexedConcept], _Words]:
        summary = Concept.objects.aggregate(
            n=Count("id"), changed=Max("updated_at"), scheme_changed=Max("scheme__updated_at")
        )
        stamp = (summary["n"], summary["changed"], summary["scheme_changed"])
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    concepts = self._load()
                    self._state = (concepts, _Words.of(concepts))
                    self._stamp = stamp
        return self._state

    @staticmethod
    def _load() -> list[IndexedConcept]:
        loaded = []
        rows = Concept.objects.values_list(
            "pk",
            "scheme_id",
            "scheme__organisation_id",
            "scheme__status",
            "pref_label",
            "alt_labels",
            "hidden_labels",
            "notation",
            "definition",
        )
        for pk, scheme_id, org_id, status, pref, alt, hidden, notation, definition in rows.iterator(chunk_size=2000):
            labels = tuple(tuple(words(label)) for label in [pref, *(alt or []), *(hidden or []), notation] if label)
            loaded.append(
                IndexedConcept(
                    pk=pk,
                    scheme_id=scheme_id,
                    organisation_id=org_id,
                    published=status == ConceptScheme.Status.PUBLISHED,
                    labels=labels,
                    label_words=frozenset(w for label in labels for w in label),
                    definition_words=frozenset(words(definition)),
                )
            )
        return loaded


_index = _Index()


def _visible_filter(user):
    if getattr(user, "is_superuser", False):
        return lambda c: True
    org_ids = set(access.member_organisation_ids(user)) if getattr(user, "is_authenticated", False) else set()
    return lambda c: c.published or c.organisation_id in org_ids


def _score(concept: IndexedConcept, asked: list[str]) -> tuple[float, str]:
    """How well ``asked`` (words) names ``concept``: a label that is exactly the words asked
    scores highest, then a label whose words all appear, then shared label words, then words
    of the definition. A word that only prefixes a label word counts less."""
    if not asked:
        return 0.0, ""
    asked_set = set(asked)
    best = 0.0
    for position, label in enumerate(concept.labels):
        if not label:
            continue
        preferred = 1.0 if position == 0 else 0.9
        if list(label) == asked:
            best = max(best, 100 * preferred)
        elif set(label) <= asked_set:
            best = max(best, (60 + 10 * len(label) / len(asked_set)) * preferred)
        else:
            shared = asked_set & set(label)
            prefixed = {a for a in asked_set - shared if len(a) >= 3 and any(w.startswith(a) for w in label)}
            if shared or prefixed:
                best = max(best, (40 * len(shared) + 20 * len(prefixed)) / max(len(label), len(asked_set)) * preferred)
    if best:
        return best, "label"
    # A definition counts only through words long enough to mean something ("x", "id" do not).
    in_definition = {w for w in asked_set if len(w) >= 3} & concept.definition_words
    if in_definition:
        return 10 * len(in_definition) / len(asked_set), "definition"
    return 0.0, ""


def _top(visible, state, readings: list[list[str]], limit: int) -> list[tuple[float, str, int]]:
    """(score, why, concept id) of the best ``limit`` visible concepts for one request, read in
    one or more ways (a column name with and without its "id" and "code"), the better kept."""
    concepts, lookup = state
    asked = [w for reading in readings for w in reading]
    scored = []
    for position in sorted(lookup.candidates(asked)):
        concept = concepts[position]
        if not visible(concept):
            continue
        score, why = max(_score(concept, reading) for reading in readings)
        if score:
            scored.append((score, why, concept.pk))
    scored.sort(key=lambda s: (-s[0], s[2]))
    return scored[:limit]


def _ranked_many(user, requests: list[list[list[str]]], limit: int) -> list[list[Match]]:
    """The matches for several requests (each a list of readings): the index's stamp, the
    user's organisations and the concepts shown are read once for all of them."""
    visible = _visible_filter(user)
    state = _index.current()
    tops = [_top(visible, state, readings, limit) for readings in requests]
    found = Concept.objects.select_related("scheme", "scheme__organisation").in_bulk(
        {pk for top in tops for _, _, pk in top}
    )
    return [[Match(found[pk], score, why) for score, why, pk in top if pk in found] for top in tops]


def glossary_search(user, q: str, *, limit: int = 50) -> list[Match]:
    """Concepts whose labels, or failing that definitions, match the words of ``q``."""
    return _ranked_many(user, [[words(q[:MAX_QUERY_LENGTH])]], limit)[0]


def _column_readings(name: str, title: str) -> list[list[str]]:
    asked = list(dict.fromkeys(words(f"{name[:MAX_QUERY_LENGTH]} {title[:MAX_QUERY_LENGTH]}")))
    meaningful = [w for w in asked if w not in NAME_NOISE] or asked
    return [meaningful] if meaningful == asked else [meaningful, asked]


def suggest(user, name: str, title: str = "", *, limit: int = 5) -> list[Match]:
    """Concepts a field named ``name`` (and titled ``title``) probably measures: "household_id"
    suggests "Household". Words like "id" and "code" are left out of the match, unless a label
    is exactly the column's words ("la_code" as a hidden label) or nothing else is left."""
    return suggest_many(user, [(name, title)], limit=limit)[0]


def suggest_many(user, columns: list[tuple[str, str]], *, limit: int = 5) -> list[list[Match]]:
    """``suggest`` for each (name, title) of a data dictionary, in a fixed number of queries."""
    return _ranked_many(user, [_column_readings(name, title) for name, title in columns], limit)
