"""Writes of search's own data: the synonyms publishers add and site administrators remove.

A synonym sets off no derived work (no outbox row): it is applied when a search runs
(catalogue.search.synonyms), so nothing stored needs to change with it.
"""

import csv
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalogue.access import editable_organisations, sees_everything
from catalogue.models import Organisation
from catalogue.search.models import Synonym
from catalogue.search.synonyms import MAX_PHRASE_WORDS
from catalogue.search.words import phrase_normalise

MAX_PHRASE_LENGTH = 100


def may_add_synonyms(user) -> bool:
    """Publishers (editors and admins of any organisation) and site administrators."""
    return sees_everything(user) or editable_organisations(user).exists()


def may_remove_synonyms(user) -> bool:
    """Only site administrators: a synonym changes every search, for everyone."""
    return sees_everything(user)


def _phrase_clean(text: str, field: str) -> str:
    phrase = phrase_normalise(text)
    if not phrase:
        raise ValidationError({field: "Enter a word or a phrase of letters or numbers."})
    if len(phrase) > MAX_PHRASE_LENGTH:
        raise ValidationError({field: f"Enter at most {MAX_PHRASE_LENGTH} characters."})
    if len(phrase.split()) > MAX_PHRASE_WORDS:
        raise ValidationError({field: f"Enter at most {MAX_PHRASE_WORDS} words."})
    return phrase


def synonym_add(*, user, phrase: str, equivalent: str, organisation: Organisation | None = None) -> Synonym:
    """Make ``phrase`` and ``equivalent`` find each other in every search from now on.

    ``organisation`` is the one the publisher acts for (kept in the history); it must be
    one they edit for. Raises PermissionDenied or ValidationError (per field).
    """
    if not may_add_synonyms(user):
        raise PermissionDenied("Only editors and admins of an organisation can add synonyms.")
    if organisation is not None and not editable_organisations(user).filter(pk=organisation.pk).exists():
        raise PermissionDenied(f"You do not edit for {organisation.name}.")
    a = _phrase_clean(phrase, "phrase")
    b = _phrase_clean(equivalent, "equivalent")
    if a == b:
        raise ValidationError({"equivalent": "Enter a different word or phrase: a synonym needs two."})
    first, second = sorted((a, b))
    if Synonym.objects.filter(phrase=first, equivalent=second, removed_at__isnull=True).exists():
        raise ValidationError({"equivalent": f"“{a}” and “{b}” already find each other."})
    try:
        with transaction.atomic():
            return Synonym.objects.create(
                phrase=first, equivalent=second, added_by=user, organisation=organisation, added_at=timezone.now()
            )
    except IntegrityError as error:  # another publisher added the same pair a moment ago
        raise ValidationError({"equivalent": f"“{a}” and “{b}” already find each other."}) from error


def synonym_remove(*, user, synonym: Synonym) -> Synonym:
    """Stop a synonym applying; the row stays, with who removed it and when, for the history."""
    if not may_remove_synonyms(user):
        raise PermissionDenied("Only site administrators can remove synonyms.")
    with transaction.atomic():
        synonym = Synonym.objects.select_for_update().get(pk=synonym.pk)
        if synonym.removed_at is None:
            synonym.removed_at = timezone.now()
            synonym.removed_by = user
            synonym.save(update_fields=["removed_at", "removed_by"])
    return synonym


SHIPPED_SYNONYMS_CSV = Path(__file__).resolve().parent / "data" / "synonyms.csv"


def synonyms_ship(*, using: str = "default") -> int:
    """Put in the shipped synonyms (data/synonyms.csv) that have never been in the table;
    a shipped pair a site administrator removed stays removed. Returns how many were added.
    Run after every migrate and flush (catalogue.search.apps)."""
    with SHIPPED_SYNONYMS_CSV.open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        pairs = {tuple(sorted((phrase_normalise(r["phrase"]), phrase_normalise(r["equivalent"])))) for r in rows}
    known = set(Synonym.objects.using(using).values_list("phrase", "equivalent"))
    new = [Synonym(phrase=a, equivalent=b, shipped=True) for a, b in sorted(pairs - known) if a and b and a != b]
    Synonym.objects.using(using).bulk_create(new)
    return len(new)
