"""How many (ancestor, descendant) pairs a derivation graph implies, and how deep it is.

The size of the transitive closure is what a lineage table (or a recursive query) has
to cover, so the bench records it next to the generation time.

    .venv/bin/python bench/closure_pairs.py      # reads the current derivations of DATABASE_URL

Ancestor sets are Python ints used as bitsets over topological positions: a node's
ancestors are the union of its parents' ancestors and the parents themselves, and a
set is dropped as soon as its last child is done, so 100,000 nodes fit comfortably.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class ClosureStats:
    nodes: int
    edges: int
    pairs: int  # (ancestor, descendant) pairs, i.e. the size of the transitive closure
    max_depth: int  # edges on the longest derivation path
    max_descendants: int  # the largest number of datasets downstream of one dataset
    max_ancestors: int  # the largest number of datasets upstream of one dataset
    seconds: float

    def lines(self) -> list[str]:
        return [
            f"nodes={self.nodes:,} edges={self.edges:,}",
            f"(ancestor, descendant) pairs={self.pairs:,}",
            f"max depth={self.max_depth} (edges on the longest path)",
            f"max descendants of one dataset={self.max_descendants:,}",
            f"max ancestors of one dataset={self.max_ancestors:,}",
            f"computed in {self.seconds:.1f} s",
        ]


class CycleError(ValueError):
    """The derivations close a cycle, so there is no closure to count."""


def closure_stats(nodes: Iterable[int], edges: Iterable[tuple[int, int]]) -> ClosureStats:
    """Closure size and depth of the graph with these node keys and (source, derived) edges."""
    started = time.perf_counter()
    keys = list(nodes)
    index = {key: i for i, key in enumerate(keys)}
    n = len(keys)
    parents: list[list[int]] = [[] for _ in range(n)]
    children: list[list[int]] = [[] for _ in range(n)]
    n_edges = 0
    for source, derived in edges:
        s, d = index[source], index[derived]
        parents[d].append(s)
        children[s].append(d)
        n_edges += 1

    # Kahn's algorithm: a topological order, or proof of a cycle.
    indegree = [len(p) for p in parents]
    order = [v for v in range(n) if indegree[v] == 0]
    head = 0
    while head < len(order):
        v = order[head]
        head += 1
        for c in children[v]:
            indegree[c] -= 1
            if indegree[c] == 0:
                order.append(c)
    if len(order) != n:
        raise CycleError(f"The derivation graph has a cycle through {n - len(order)} datasets.")
    position = [0] * n
    for pos, v in enumerate(order):
        position[v] = pos

    # Forward pass: ancestors and depth.
    ancestors: dict[int, int] = {}
    open_children = [len(c) for c in children]
    depth = [0] * n
    pairs = max_ancestors = max_depth = 0
    for v in order:
        bits = 0
        d = 0
        for p in parents[v]:
            bits |= ancestors[p] | (1 << position[p])
            if depth[p] + 1 > d:
                d = depth[p] + 1
            open_children[p] -= 1
            if open_children[p] == 0:
                del ancestors[p]
        depth[v] = d
        count = bits.bit_count()
        pairs += count
        max_ancestors = max(max_ancestors, count)
        max_depth = max(max_depth, d)
        if children[v]:
            ancestors[v] = bits

    # Backward pass: descendants, numbered from the end so the ints stay short; its total
    # must equal the forward one, which checks both.
    descendants: dict[int, int] = {}
    open_parents = [len(p) for p in parents]
    back_pairs = max_descendants = 0
    for v in reversed(order):
        bits = 0
        for c in children[v]:
            bits |= descendants[c] | (1 << (n - 1 - position[c]))
            open_parents[c] -= 1
            if open_parents[c] == 0:
                del descendants[c]
        count = bits.bit_count()
        back_pairs += count
        max_descendants = max(max_descendants, count)
        if parents[v]:
            descendants[v] = bits
    assert back_pairs == pairs, (back_pairs, pairs)

    return ClosureStats(
        nodes=n,
        edges=n_edges,
        pairs=pairs,
        max_depth=max_depth,
        max_descendants=max_descendants,
        max_ancestors=max_ancestors,
        seconds=time.perf_counter() - started,
    )


def closure_stats_from_database() -> ClosureStats:
    """The closure of the current derivations in the configured database."""
    from catalogue.models import Dataset
    from provenance.models import Derivation

    node_ids = Dataset.objects.order_by("id").values_list("id", flat=True).iterator(chunk_size=20_000)
    edges = Derivation.objects.current().values_list("source_id", "derived_id").iterator(chunk_size=20_000)
    return closure_stats(node_ids, edges)


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    stats = closure_stats_from_database()
    connection.close()
    for line in stats.lines():
        print(line)


if __name__ == "__main__":
    main()
