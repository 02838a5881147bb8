"""Querysets whose SQL is compiled once and run again with another value.

Django compiles a queryset's SQL each time it runs: for the fixed-shape reads of one
dataset's record (a query with six joins and seven related lists, asked on every publish
and every score) the compiling costs several times what PostgreSQL spends answering.
``Prepared`` compiles a queryset built around a marker value once per thread and database,
then runs the same SQL with the marker replaced, and builds the model instances with
Django's own machinery (``from_db``, the select_related populators, the field converters),
exactly as iterating the queryset would. The queries still go through Django's cursor, so
they are logged and counted like any other.

Only for querysets whose SQL does not depend on the moment they are compiled (no
``timezone.now()`` in a filter, no subquery over a changing list): the marker must be the
only parameter that changes between runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

# A dataset id no real row has: where it sits in the compiled parameters, the value goes.
MARKER = -7_191_939_151

_compiled = threading.local()


class _Compiled:
    """One queryset's SQL and what turns its rows into instances."""

    def __init__(self, queryset: QuerySet):
        self.alias = queryset.db
        compiler = queryset.query.get_compiler(using=self.alias)
        self.sql, params = compiler.as_sql()
        positions = [n for n, value in enumerate(params) if value == MARKER]
        if len(positions) != 1:
            raise ValueError(f"the marker must be exactly one of the parameters, not {len(positions)}")
        self.params, self.position = list(params), positions[0]
        self.compiler = compiler
        klass_info, select = compiler.klass_info, compiler.select
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, self.alias)
        self.width = compiler.col_count if compiler.has_extra_select else None

    def run(self, value) -> list[Model]:
        params = list(self.params)
        params[self.position] = value
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.width is not None:
            rows = [row[: self.width] for row in rows]
        objects = []
        for row in self.compiler.results_iter(results=[rows]):
            obj = self.model.from_db(self.alias, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects


class Prepared:
    """A queryset, built by ``build(MARKER)``, compiled once per thread and database, and run
    with ``objects(value)`` in place of the marker: the instances iterating the queryset built
    with ``value`` would give, in the same order."""

    def __init__(self, build: Callable[[int], QuerySet]):
        self.build = build

    def _compiled(self) -> _Compiled:
        cache = _compiled.__dict__.setdefault("by_query", {})
        compiled = cache.get(id(self))
        if compiled is None:
            compiled = cache[id(self)] = _Compiled(self.build(MARKER))
        return compiled

    def objects(self, value: int) -> list[Model]:
        return self._compiled().run(value)
