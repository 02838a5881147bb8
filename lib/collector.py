"""Pausing Python's cyclic garbage collector for a bounded pass of work."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """For a pass that makes about a million short-lived objects (ORM rows, RDF terms) and keeps
    them to its end: the cyclic collector scanning them over and over cost a third of a scoring
    pass's CPU and a fifth of a batch of stored records. Paused for the pass, then as it was.
    Most of the pass's garbage is freed by reference counts when it ends; the few cycles (an
    ORM row and its cached relations) wait for the collector's next run, about 25 MB for a
    batch of 500 records."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
