"""Words as search sees them: how text is split, normalised and stemmed.

PostgreSQL stems with its ``english`` text-search configuration, which is the Snowball
English (Porter2) stemmer; on SQLite the same stemmer runs in Python (snowballstemmer),
so "admissions" and "admission" meet on both databases. Nothing here needs the database.
"""

import re
from functools import lru_cache

import snowballstemmer

WORD = re.compile(r"\w+")
# Letters only, three or more: the shape of a word worth offering as "did you mean".
VOCABULARY_WORD = re.compile(r"[^\W\d_]{3,40}")
# websearch_to_tsquery's own operator word: never a search term.
OPERATORS = frozenset({"or"})

_stemmer = snowballstemmer.stemmer("english")


def words_of(text: str) -> list[str]:
    """The lower-case words of ``text``, in order (punctuation and quotes dropped)."""
    return [w for w in WORD.findall(text.lower()) if w not in OPERATORS]


def phrase_normalise(text: str) -> str:
    """The form a synonym is stored and matched in: lower case, single spaces, no punctuation."""
    return " ".join(WORD.findall(text.lower()))


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """The Snowball English stem of one lower-case word (as PostgreSQL's english config)."""
    return _stemmer.stemWord(word)


def match_root(word: str) -> str:
    """What a word must contain to match on SQLite, where text is searched by substring:
    the part the word shares with its stem ("admissions" -> "admiss", "happy" -> "happ"),
    so every form with that stem matches. Short roots would match too much: then the word."""
    root = stem(word)
    common = 0
    for a, b in zip(word, root, strict=False):
        if a != b:
            break
        common += 1
    root = word[:common]
    return root if len(root) >= 3 else word


def vocabulary_words(text: str) -> set[str]:
    """The words of ``text`` worth keeping in the "did you mean" vocabulary."""
    return set(VOCABULARY_WORD.findall(text.lower()))
