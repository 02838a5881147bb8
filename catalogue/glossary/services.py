"""Writes on the glossary: schemes, concepts, the links between concepts, and imports.
Every writer (the publisher's pages, the API, the SKOS and CSV imports, the demo) calls
these; the rules are here.

- Editors and admins of the organisation that owns a scheme write it and its concepts.
- A concept's meaning (labels, definition, notes, source) is versioned: every change that
  alters it adds a ConceptVersion with who, when and why, and bumps ``Concept.version``;
  a caller that read version n and saves after someone else saved n+1 is refused.
- Links follow SKOS: no concept links to itself; ``exactMatch`` is disjoint with
  ``broadMatch`` and ``relatedMatch`` for the same pair (S46); matches join concepts of
  different schemes (broader, narrower and related work within one). A link is stored
  once: stating the inverse of a stored link adds nothing.
- Labels: a preferred label, alternative and hidden labels all different (S13), and no
  two concepts of a scheme with the same preferred label.
- Any change to what a concept says, or a concept appearing or going, re-indexes the
  search entries of the datasets whose fields measure it (through the outbox), since
  search finds datasets by the labels of the concepts their fields measure.
- An import is all or nothing: one bad concept or link and nothing is stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from catalogue import access, outbox
from catalogue.glossary.models import INVERSE, MATCHES, Concept, ConceptLink, ConceptScheme, ConceptVersion
from catalogue.models import DerivedWork, Field, Organisation, mint_uri

Kind = ConceptLink.Kind

SCHEME_FIELDS = ("title", "description", "version", "status")
CONCEPT_FIELDS = (*Concept.MEANING, "notation", "history_note")
MAX_LABELS = 50


class StaleConcept(Exception):
    def __init__(self, current: int):
        super().__init__(
            f"Someone else changed this concept while you were editing (it is now at version {current}). "
            "Reload the page to see their change, then make yours again."
        )
        self.current = current


@dataclass
class ConceptData:
    """One concept as an import reads it (SKOS or CSV); ``links`` are (kind, target IRI)."""

    uri: str
    pref_label: str
    alt_labels: list[str] = field(default_factory=list)
    hidden_labels: list[str] = field(default_factory=list)
    definition: str = ""
    scope_note: str = ""
    example: str = ""
    history_note: str = ""
    source: str = ""
    source_url: str = ""
    notation: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class SchemeData:
    """A scheme as an import reads it. ``uri`` empty: keep the scheme's own."""

    concepts: list[ConceptData]
    uri: str = ""
    title: str = ""
    description: str = ""
    version: str = ""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    links_added: int = 0
    links_removed: int = 0

    def __str__(self) -> str:
        return (
            f"{self.created} concepts added, {self.updated} changed, {self.unchanged} unchanged; "
            f"{self.links_added} links added, {self.links_removed} removed"
        )


# -- who may do what ----------------------------------------------------------------------


def can_edit_scheme(user, scheme: ConceptScheme) -> bool:
    return access.can_edit_for_organisation(user, scheme.organisation_id)


def _require_edit(user, scheme: ConceptScheme) -> None:
    if not can_edit_scheme(user, scheme):
        raise PermissionDenied(f"Only editors of {scheme.organisation} change the scheme “{scheme.title}”.")


def _actor(user):
    return user if getattr(user, "is_authenticated", False) else None


# -- derived work ------------------------------------------------------------------------


def reindex_fields_measuring(uris: Iterable[str]) -> int:
    """Record search work for the datasets whose fields measure one of these concepts."""
    uris = sorted({u for u in uris if u})
    if not uris:
        return 0
    dataset_ids = Field.objects.filter(concept_uri__in=uris).values_list("dataset_id", flat=True).distinct()
    return outbox.record(DerivedWork.Kind.SEARCH, list(dataset_ids))


# -- schemes -----------------------------------------------------------------------------


def _slug_for(model_qs, text: str, *, max_length: int = 100) -> str:
    base = re.sub(r"[-_]+", "-", slugify(text))[: max_length - 8].strip("-") or "concept"
    slug, n = base, 2
    while model_qs.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _full_clean(instance, exclude=None) -> None:
    instance.full_clean(exclude=exclude, validate_unique=True)


def scheme_create(
    user,
    *,
    organisation: Organisation,
    title: str,
    description: str = "",
    version: str = "",
    status: str = ConceptScheme.Status.DRAFT,
    slug: str = "",
    uri: str = "",
) -> ConceptScheme:
    if not access.can_edit_for_organisation(user, organisation.pk):
        raise PermissionDenied(f"Only editors of {organisation} create its glossary schemes.")
    with transaction.atomic():
        slug = slug or _slug_for(ConceptScheme.objects.all(), title)
        scheme = ConceptScheme(
            organisation=organisation,
            title=title.strip(),
            description=description.strip(),
            version=version.strip(),
            status=status,
            slug=slug,
            uri=uri.strip() or mint_uri("glossary", slug),
        )
        _full_clean(scheme)
        scheme.save()
    return scheme


def scheme_update(user, scheme: ConceptScheme, *, revision: int | None = None, **changes) -> ConceptScheme:
    _require_edit(user, scheme)
    unknown = set(changes) - set(SCHEME_FIELDS)
    if unknown:
        raise ValidationError(f"A scheme has no {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        locked = ConceptScheme.objects.select_for_update().get(pk=scheme.pk)
        if revision is not None and revision != locked.revision:
            raise ValidationError(
                f"Someone else changed this scheme while you were editing (it is now at revision {locked.revision}). "
                "Reload the page and make your change again."
            )
        for name, value in changes.items():
            setattr(locked, name, value.strip() if isinstance(value, str) and name != "status" else value)
        locked.revision += 1
        _full_clean(locked)
        locked.save()
        if "status" in changes and changes["status"] != scheme.status:
            # Concept labels count in search only while their scheme is published.
            reindex_fields_measuring(locked.concepts.values_list("uri", flat=True))
    return locked


def scheme_delete(user, scheme: ConceptScheme) -> None:
    _require_edit(user, scheme)
    with transaction.atomic():
        uris = list(scheme.concepts.values_list("uri", flat=True))
        scheme.delete()
        reindex_fields_measuring(uris)


# -- concepts ----------------------------------------------------------------------------


def _clean_labels(values) -> list[str]:
    seen, labels = set(), []
    for value in values or []:
        label = " ".join(str(value).split())
        if label and label.casefold() not in seen:
            seen.add(label.casefold())
            labels.append(label)
    if len(labels) > MAX_LABELS:
        raise ValidationError(f"At most {MAX_LABELS} labels of each kind.")
    return labels


def _check_labels(concept: Concept) -> None:
    concept.pref_label = " ".join(concept.pref_label.split())
    if not concept.pref_label:
        raise ValidationError({"pref_label": "A concept needs a preferred label."})
    concept.alt_labels = _clean_labels(concept.alt_labels)
    concept.hidden_labels = _clean_labels(concept.hidden_labels)
    pref = concept.pref_label.casefold()
    alt = {label.casefold() for label in concept.alt_labels}
    hidden = {label.casefold() for label in concept.hidden_labels}
    if pref in alt or pref in hidden or alt & hidden:
        raise ValidationError(
            {"alt_labels": "A label is either preferred, alternative or hidden, never two of them (SKOS S13)."}
        )
    clash = (
        Concept.objects.filter(scheme_id=concept.scheme_id, pref_label__iexact=concept.pref_label)
        .exclude(pk=concept.pk)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {"pref_label": f"The scheme already has a concept labelled “{clash.pref_label}” ({clash.uri})."}
        )


def _snapshot(concept: Concept, *, user, change_note: str) -> ConceptVersion:
    return ConceptVersion(
        concept=concept,
        version=concept.version,
        change_note=change_note,
        changed_at=timezone.now(),
        changed_by=_actor(user),
        **{name: getattr(concept, name) for name in Concept.MEANING},
    )


def _concept_for_uri_elsewhere(uri: str, scheme: ConceptScheme) -> Concept | None:
    return Concept.objects.select_related("scheme").filter(uri=uri).exclude(scheme=scheme).first()


def concept_create(
    user, scheme: ConceptScheme, *, change_note: str = "", uri: str = "", slug: str = "", **values
) -> Concept:
    _require_edit(user, scheme)
    unknown = set(values) - set(CONCEPT_FIELDS)
    if unknown:
        raise ValidationError(f"A concept has no {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        concept = Concept(scheme=scheme, **values)
        _check_labels(concept)
        concept.slug = slug or _slug_for(scheme.concepts.all(), concept.notation or concept.pref_label)
        concept.uri = uri.strip() or f"{scheme.uri}/{concept.slug}"
        other = _concept_for_uri_elsewhere(concept.uri, scheme)
        if other is not None:
            raise ValidationError({"uri": f"{concept.uri} is already a concept of “{other.scheme.title}”."})
        _full_clean(concept)
        concept.save()
        _snapshot(concept, user=user, change_note=change_note or "First recorded.").save()
        reindex_fields_measuring([concept.uri])
    return concept


def concept_update(
    user, concept: Concept, *, expected_version: int | None = None, change_note: str = "", **changes
) -> Concept:
    """Change a concept. A change to its meaning is a new version (kept with ``change_note``)."""
    _require_edit(user, concept.scheme)
    unknown = set(changes) - set(CONCEPT_FIELDS)
    if unknown:
        raise ValidationError(f"A concept has no {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        locked = Concept.objects.select_for_update().select_related("scheme").get(pk=concept.pk)
        if expected_version is not None and expected_version != locked.version:
            raise StaleConcept(locked.version)
        before = {name: getattr(locked, name) for name in Concept.MEANING}
        for name, value in changes.items():
            setattr(locked, name, value.strip() if isinstance(value, str) else value)
        _check_labels(locked)
        _full_clean(locked)
        meaning_changed = any(getattr(locked, name) != before[name] for name in Concept.MEANING)
        if meaning_changed:
            locked.version += 1
        locked.save()
        if meaning_changed:
            _snapshot(locked, user=user, change_note=change_note).save()
            reindex_fields_measuring([locked.uri])
    return locked


def concept_delete(user, concept: Concept) -> None:
    """Remove a concept. Fields that measure it keep its IRI (they now point outside the glossary)."""
    _require_edit(user, concept.scheme)
    with transaction.atomic():
        uri = concept.uri
        concept.delete()
        reindex_fields_measuring([uri])


# -- links -------------------------------------------------------------------------------


def stated_links(uri: str) -> list[tuple[str, str, str]]:
    """Every link touching ``uri`` as (subject IRI, kind, object IRI), stated by either side."""
    rows = ConceptLink.objects.filter(Q(concept__uri=uri) | Q(target_uri=uri)).values_list(
        "concept__uri", "kind", "target_uri"
    )
    return list(rows)


def _pair_kinds(a: str, b: str) -> set[str]:
    """The kinds stated from ``a`` to ``b``, reading links stated by ``b`` inverted."""
    kinds = set()
    for subject, kind, target in stated_links(a):
        if subject == a and target == b:
            kinds.add(kind)
        elif subject == b and target == a:
            kinds.add(INVERSE[kind])
    return kinds


DISJOINT = {
    Kind.EXACT_MATCH: {Kind.BROAD_MATCH, Kind.NARROW_MATCH, Kind.RELATED_MATCH},
    Kind.BROAD_MATCH: {Kind.EXACT_MATCH},
    Kind.NARROW_MATCH: {Kind.EXACT_MATCH},
    Kind.RELATED_MATCH: {Kind.EXACT_MATCH},
}


def _check_link(concept: Concept, kind: str, target_uri: str, *, pending: set[str] = frozenset()) -> None:
    """Refuse a link SKOS does not allow; ``pending`` are kinds from concept to target already
    accepted in the same import."""
    if kind not in Kind.values:
        raise ValidationError(f"“{kind}” is not a SKOS relation Provcat records.")
    problem = ConceptLink(concept=concept, kind=kind, target_uri=target_uri)
    problem.full_clean(exclude=["concept", "created_by"], validate_unique=False)
    if target_uri == concept.uri:
        raise ValidationError(f"“{concept.pref_label}” cannot be linked to itself.")
    target = Concept.objects.filter(uri=target_uri).only("scheme_id").first()
    if kind in MATCHES and target is not None and target.scheme_id == concept.scheme_id:
        raise ValidationError(
            f"{Kind(kind).label.capitalize()} links concepts of different schemes; "
            "within one scheme use broader, narrower or related."
        )
    clash = DISJOINT.get(kind, set()) & (_pair_kinds(concept.uri, target_uri) | set(pending))
    if clash:
        raise ValidationError(
            f"“{concept.pref_label}” cannot be both an {Kind(kind).label} and a "
            f"{Kind(sorted(clash)[0]).label} of {target_uri} (SKOS S46)."
        )


def _already_stated(concept: Concept, kind: str, target_uri: str) -> bool:
    return kind in _pair_kinds(concept.uri, target_uri)


def link_add(user, concept: Concept, kind: str, target_uri: str) -> ConceptLink | None:
    """State that ``concept`` has ``kind`` relation to ``target_uri``. Returns None when that
    (or its inverse, from the other side) is already stated."""
    _require_edit(user, concept.scheme)
    target_uri = target_uri.strip()
    with transaction.atomic():
        _check_link(concept, kind, target_uri)
        if _already_stated(concept, kind, target_uri):
            return None
        try:
            with transaction.atomic():
                link = ConceptLink.objects.create(
                    concept=concept, kind=kind, target_uri=target_uri, created_by=_actor(user)
                )
        except IntegrityError:
            return None
        reindex_fields_measuring([concept.uri, target_uri])
    return link


def link_remove(user, link: ConceptLink) -> None:
    _require_edit(user, link.concept.scheme)
    with transaction.atomic():
        uris = [link.concept.uri, link.target_uri]
        link.delete()
        reindex_fields_measuring(uris)


# -- import ------------------------------------------------------------------------------


def _error_in(concept: ConceptData, error: ValidationError) -> ValidationError:
    messages = "; ".join(error.messages)
    return ValidationError(f"Concept {concept.uri or concept.pref_label!r}: {messages}")


def scheme_import(user, scheme: ConceptScheme, data: SchemeData, *, change_note: str = "") -> ImportResult:
    """Merge ``data`` into ``scheme``: concepts matched by IRI are updated (a new version where
    their meaning changed), new ones added, and the links stated by every concept in the file
    become exactly the file's. Concepts the file does not mention are left alone.
    All or nothing: the first problem raises ValidationError naming the concept, and nothing
    is stored."""
    _require_edit(user, scheme)
    result = ImportResult()
    note = change_note or "Imported."
    with transaction.atomic():
        scheme = ConceptScheme.objects.select_for_update().get(pk=scheme.pk)
        scheme_changes = {
            name: getattr(data, name).strip()
            for name in ("title", "description", "version")
            if getattr(data, name).strip() and getattr(data, name).strip() != getattr(scheme, name)
        }
        if scheme_changes:
            scheme_update(user, scheme, **scheme_changes)
        seen: set[str] = set()
        touched: list[str] = []
        # By position in the file: a concept without an IRI (a CSV row) gets one when created.
        imported: list[Concept] = []
        for item in data.concepts:
            if item.uri and item.uri in seen:
                raise ValidationError(f"Concept {item.uri} appears twice in the file.")
            seen.add(item.uri)
            values = {
                name: getattr(item, name) for name in CONCEPT_FIELDS if name not in ("alt_labels", "hidden_labels")
            }
            values["alt_labels"] = list(item.alt_labels)
            values["hidden_labels"] = list(item.hidden_labels)
            existing = scheme.concepts.filter(uri=item.uri).first() if item.uri else None
            try:
                if existing is None:
                    imported.append(concept_create(user, scheme, uri=item.uri, change_note=note, **values))
                    result.created += 1
                else:
                    changed = concept_update(user, existing, change_note=note, **values)
                    if changed.version != existing.version:
                        result.updated += 1
                    else:
                        result.unchanged += 1
                    imported.append(changed)
            except ValidationError as error:
                raise _error_in(item, error) from error
            touched.append(imported[-1].uri)
        seen = set(touched)
        by_uri = {concept.uri: concept for concept in imported}
        # Links: for the concepts in the file, the file's statements are the scheme's.
        wanted: set[tuple[str, str, str]] = set()
        for item, concept in zip(data.concepts, imported, strict=True):
            for kind, target in item.links:
                target = target.strip()
                inverse = (target, INVERSE.get(kind, kind), concept.uri)
                if (concept.uri, kind, target) in wanted or inverse in wanted:
                    continue
                pending = {k for (s, k, t) in wanted if s == concept.uri and t == target}
                pending |= {INVERSE[k] for (s, k, t) in wanted if s == target and t == concept.uri}
                try:
                    _check_link(concept, kind, target, pending=pending)
                except ValidationError as error:
                    raise _error_in(item, error) from error
                wanted.add((concept.uri, kind, target))
        stored = set(
            ConceptLink.objects.filter(concept__uri__in=seen).values_list("concept__uri", "kind", "target_uri")
        )
        # A link the other side states (and the file repeats) stays theirs.
        outside = set(
            ConceptLink.objects.filter(target_uri__in=seen)
            .exclude(concept__uri__in=seen)
            .values_list("concept__uri", "kind", "target_uri")
        )
        outside_as_ours = {(t, INVERSE[k], s) for (s, k, t) in outside}
        to_add = wanted - stored - outside_as_ours
        to_remove = stored - wanted
        for subject, kind, target in to_remove:
            ConceptLink.objects.filter(concept__uri=subject, kind=kind, target_uri=target).delete()
        ConceptLink.objects.bulk_create(
            [
                ConceptLink(concept=by_uri[subject], kind=kind, target_uri=target, created_by=_actor(user))
                for subject, kind, target in sorted(to_add)
            ]
        )
        result.links_added, result.links_removed = len(to_add), len(to_remove)
        reindex_fields_measuring(touched + [target for (_, _, target) in to_add | to_remove])
    return result
