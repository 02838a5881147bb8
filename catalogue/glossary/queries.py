"""Reading the glossary: which schemes a user sees, the glossary search, and the concepts
suggested for a data dictionary field as it is named.

Search and suggestion rank the concepts of the schemes the user sees by how well their
labels (then their definitions) match the words asked for. Both read a small in-process
index of every concept's words, rebuilt when the glossary changes (its stamp is the
number of concepts and their latest change), so a keystroke costs one cheap query
however many datasets and fields the catalogue holds.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404

from catalogue import access
from catalogue.glossary.models import INVERSE, Concept, ConceptLink, ConceptScheme

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


def scheme_relations(scheme: ConceptScheme) -> dict[str, list[tuple[str, str]]]:
    """Every relation of the scheme's concepts in both directions, keyed by concept IRI, as
    (kind, other IRI): the links the scheme stated, and every link that ends at one of its
    concepts (stated by this scheme or another), inverted: another scheme's "A broadMatch
    ours" is our "narrowMatch A". Two queries."""
    ours = set(scheme.concepts.values_list("uri", flat=True))
    relations: dict[str, set[tuple[str, str]]] = {}
    links = ConceptLink.objects.filter(Q(concept__scheme=scheme) | Q(target_uri__in=scheme.concepts.values("uri")))
    for subject, kind, target, scheme_id in links.values_list(
        "concept__uri", "kind", "target_uri", "concept__scheme_id"
    ):
        if scheme_id == scheme.pk:
            relations.setdefault(subject, set()).add((kind, target))
        if target in ours:
            relations.setdefault(target, set()).add((INVERSE[kind], subject))
    return {uri: sorted(pairs) for uri, pairs in relations.items()}


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


class _Index:
    """Every concept's words, kept per process and rebuilt when the glossary's stamp moves."""

    def __init__(self):
        self._lock = threading.Lock()
        self._stamp = None
        self._concepts: list[IndexedConcept] = []

    def concepts(self) -> list[IndexedConcept]:
        summary = Concept.objects.aggregate(
            n=Count("id"), changed=Max("updated_at"), scheme_changed=Max("scheme__updated_at")
        )
        stamp = (summary["n"], summary["changed"], summary["scheme_changed"])
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._concepts = self._load()
                    self._stamp = stamp
        return self._concepts

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
    in_definition = asked_set & concept.definition_words
    if in_definition:
        return 10 * len(in_definition) / len(asked_set), "definition"
    return 0.0, ""


def _ranked(user, asked: list[str], limit: int) -> list[Match]:
    visible = _visible_filter(user)
    scored = []
    for concept in _index.concepts():
        if not visible(concept):
            continue
        score, why = _score(concept, asked)
        if score:
            scored.append((score, why, concept.pk))
    scored.sort(key=lambda s: (-s[0], s[2]))
    top = scored[:limit]
    found = Concept.objects.select_related("scheme", "scheme__organisation").in_bulk([pk for _, _, pk in top])
    return [Match(found[pk], score, why) for score, why, pk in top if pk in found]


def glossary_search(user, q: str, *, limit: int = 50) -> list[Match]:
    """Concepts whose labels, or failing that definitions, match the words of ``q``."""
    return _ranked(user, words(q[:MAX_QUERY_LENGTH]), limit)


def suggest(user, name: str, title: str = "", *, limit: int = 5) -> list[Match]:
    """Concepts a field named ``name`` (and titled ``title``) probably measures: "household_id"
    suggests "Household". Words like "id" and "code" count only if nothing else is left."""
    asked = words(f"{name[:MAX_QUERY_LENGTH]} {title[:MAX_QUERY_LENGTH]}")
    meaningful = [w for w in asked if w not in NAME_NOISE]
    return _ranked(user, list(dict.fromkeys(meaningful or asked)), limit)
