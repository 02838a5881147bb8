"""Query expansion with synonyms, at search time.

A search for "labor market" also runs as "labour market"; "GDP" also as the phrase
"gross domestic product", and the other way round. The synonyms are read from the
table on every search (one indexed query), so one a publisher adds works at once and no
dataset is reindexed. Each synonym found in the query gives a variant of the whole
query with that phrase replaced; the variants are ORed, so every other word of the
query still has to match, and websearch syntax ("quotes", or, -minus) keeps working.
"""

import re
from dataclasses import dataclass, field

from django.db.models import Q

from catalogue.search.models import Synonym
from catalogue.search.words import words_of

# The longest synonym phrase matched, in words, and the most variants one query runs as.
MAX_PHRASE_WORDS = 6
MAX_VARIANTS = 8


@dataclass
class Expansion:
    """How a query is run: ``variants`` ORed (the query itself first), and for the page,
    the synonyms used as (phrase in the query, what was searched for as well)."""

    variants: list[str]
    also: list[tuple[str, str]] = field(default_factory=list)

    @property
    def synonym_words(self) -> set[str]:
        """Words of the query that a synonym matched (never offered a "did you mean")."""
        return {w for phrase, _ in self.also for w in phrase.split()}


def _grams(words: list[str]) -> set[str]:
    return {" ".join(words[i : i + n]) for n in range(1, MAX_PHRASE_WORDS + 1) for i in range(0, len(words) - n + 1)}


def _phrase_pattern(phrase: str) -> re.Pattern:
    """The phrase as it may be written in a query: any punctuation or spaces between words."""
    return re.compile(r"(?<!\w)" + r"\W+".join(re.escape(w) for w in phrase.split()) + r"(?!\w)")


def query_expand(q: str) -> Expansion:
    """The variants ``q`` runs as. One query when ``q`` has words, none otherwise."""
    lowered = q.lower()
    words = words_of(q)
    if not words:
        return Expansion([q])
    grams = _grams(words)
    pairs = Synonym.objects.filter(removed_at__isnull=True).filter(Q(phrase__in=grams) | Q(equivalent__in=grams))
    matches: dict[str, list[str]] = {}
    for phrase, equivalent in pairs.values_list("phrase", "equivalent"):
        if phrase in grams:
            matches.setdefault(phrase, []).append(equivalent)
        if equivalent in grams:
            matches.setdefault(equivalent, []).append(phrase)
    variants = [lowered]
    also = []
    # Longest phrases first: "labour force survey" before "labour".
    for found in sorted(matches, key=lambda p: (-len(p.split()), p)):
        pattern = _phrase_pattern(found)
        for other in sorted(set(matches[found])):
            replacement = f'"{other}"' if " " in other else other
            added = [pattern.sub(replacement, v) for v in variants if pattern.search(v)]
            added = [v for v in added if v not in variants]
            if added:
                also.append((found, other))
            variants.extend(added[: MAX_VARIANTS - len(variants)])
    return Expansion(variants, also)
