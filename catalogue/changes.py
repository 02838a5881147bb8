"""What a change did, in the words a history entry shows: "Changed the description and 3
fields; added a distribution". Pure wording, no database: the services and the workflow
count what they wrote and ask here how to say it."""

from __future__ import annotations

# The parts of a dataset, singular and plural, as a history entry names them.
PART_NOUNS = {
    "distributions": ("a distribution", "distributions"),
    "fields": ("a field", "fields"),
    "method": ("the collection method", "collection methods"),
    "checks": ("a validation check", "validation checks"),
    "measurements": ("a quality measurement", "quality measurements"),
    "sources": ("a source", "sources"),
}

# Named one by one up to this many; beyond, "and 4 other properties".
NAMED_PROPERTIES = 2


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _count(kind: str, n: int) -> str:
    one, many = PART_NOUNS[kind]
    return one if n == 1 else f"{n} {many}"


def describe(properties: list[str], parts: dict[str, tuple[int, int, int]] | None = None) -> str:
    """One sentence for a change: ``properties`` are the names of the dataset's properties that
    changed ("title", "licence"); ``parts`` counts, per kind of part, how many were (added,
    changed, removed). Returns "" when nothing changed."""
    parts = parts or {}
    changed = [f"the {name}" for name in properties[:NAMED_PROPERTIES]]
    others = len(properties) - NAMED_PROPERTIES
    if others > 0:
        changed.append(f"{others} other {'property' if others == 1 else 'properties'}")
    added, removed = [], []
    for kind, (n_added, n_changed, n_removed) in parts.items():
        if n_changed:
            changed.append(_count(kind, n_changed))
        if n_added:
            added.append(_count(kind, n_added))
        if n_removed:
            removed.append(_count(kind, n_removed))
    clauses = [
        f"{verb} {_join(items)}"
        for verb, items in (("changed", changed), ("added", added), ("removed", removed))
        if items
    ]
    sentence = "; ".join(clauses)
    return sentence[:1].upper() + sentence[1:]


def with_prefix(prefix: str, summary: str) -> str:
    """ "Draft saved: changed the title", or just the prefix when nothing is described."""
    return f"{prefix}: {summary[:1].lower()}{summary[1:]}" if summary else prefix
