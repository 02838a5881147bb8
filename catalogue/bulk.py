"""Bulk services: the rules of catalogue.services at bulk speed, for machine writers that load
thousands of records at once (bench/generate.py; a harvest of a whole catalogue).

    with transaction.atomic():
        load = BulkLoad(user=system_actor("generator"))
        load.add(Dataset, {...})          # one dict of attribute values per row, ids given
        ...
        load.finish()                     # writes what is left, history, outbox work

What the per-record services do, a BulkLoad does for every row, once per batch:
- permission: only a site administrator or a system actor opens one (a bulk load is a
  job someone allowed, not an edit made in the forms);
- validation: each row is checked by its model's own field validation (types, lengths,
  choices, validators) and ``clean()``, and a bad row stops the load with its table and
  position, so the caller's transaction writes nothing;
- history: every dataset gets its history record ("created"), in the actor's name;
- derived work: ``finish()`` records in the outbox the search entry, stored record and score
  of every dataset written and the lineage work of every derivation, in a few statements.
  It sends no nudge: for a large load the rebuild commands (``rebuild_lineage``,
  ``search_reindex``, ``rdf_refresh --all``) do the same work far faster and clear the
  rows they covered, and the outbox sweep drains whatever is left (scores among it).
Rows go in with COPY on PostgreSQL and bulk_create elsewhere; save() is not called, so
the caller gives ids, URIs and slugs (as save() would mint them).
"""

from __future__ import annotations

import datetime as dt
import io
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models

from catalogue.models import Dataset, DerivedWork
from provenance.models import Derivation


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _bool_text(value) -> str:
    return "t" if value else "f"


def _json_text(value) -> str:
    return _escape(json.dumps(value))


def _constant(value):
    return lambda: value


def allocate_ids(model, count: int) -> list[int]:
    """``count`` new primary keys for ``model``, taken from its sequence on PostgreSQL (so
    writers running at the same time never collide); elsewhere the next free ones (SQLite
    lets one transaction write at a time)."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, model._meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"SELECT COALESCE(MAX({connection.ops.quote_name(model._meta.pk.column)}), 0) FROM {connection.ops.quote_name(table)}"
        )
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))


class TableWriter:
    """Writes dicts of attribute values to one model's table, in batches.

    Columns the caller does not set get the model field's default, so a field added later
    with a default does not break the COPY path.
    """

    def __init__(self, model, batch_size: int = 5_000):
        self.model = model
        self.batch_size = batch_size
        self.use_copy = connection.vendor == "postgresql"
        # An automatic primary key the caller does not give is left to the database.
        self.fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
        self.given_pk = model._meta.pk if isinstance(model._meta.pk, models.AutoField) else None
        self.rows: list[dict] = []
        self.written = 0
        now = dt.datetime.now(dt.UTC)
        self.fillers = {}
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.fillers[f.attname] = lambda now=now: now
            elif f.has_default() and callable(f.default):
                self.fillers[f.attname] = f.get_default
            else:
                self.fillers[f.attname] = _constant(f.get_default())

    def add(self, row: dict) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if self.use_copy:
            self._copy(self.rows)
        else:
            self.model.objects.bulk_create([self.model(**row) for row in self.rows], batch_size=self.batch_size)
        self.written += len(self.rows)
        self.rows = []

    def _copy(self, rows: list[dict]) -> None:
        fields = self.fields
        if self.given_pk is not None and self.given_pk.attname in rows[0]:
            fields = [self.given_pk, *fields]
        converters = []
        for f in fields:
            internal = f.get_internal_type()
            if internal == "BooleanField":
                conv = _bool_text
            elif internal == "JSONField":
                conv = _json_text
            elif internal in ("CharField", "TextField", "URLField", "SlugField", "EmailField"):
                conv = _escape
            else:
                conv = str
            converters.append((f.attname, conv, self.fillers[f.attname]))
        buffer = io.StringIO()
        write = buffer.write
        for row in rows:
            values = []
            for attname, conv, fill in converters:
                value = row[attname] if attname in row else fill()
                values.append("\\N" if value is None else conv(value))
            write("\t".join(values))
            write("\n")
        buffer.seek(0)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {quote(self.model._meta.db_table)} ({columns}) FROM STDIN", buffer)


class BulkLoad:
    """One bulk load of records by ``user`` (see the module docstring)."""

    def __init__(self, *, user, batch_size: int = 5_000):
        if not getattr(user, "is_superuser", False):
            raise PermissionDenied("Only site administrators and system actors load records in bulk.")
        self.user = user
        self.batch_size = batch_size
        self.writers: dict[type[models.Model], TableWriter] = {}
        self.validated: dict[type[models.Model], int] = {}
        self.rules: dict = {}
        self.dataset_ids: list[int] = []
        self.derivations: list[tuple[int, int]] = []
        self.now = dt.datetime.now(dt.UTC)
        # simple_history builds a new manager on every access of ``Dataset.history``: once is enough.
        self.dataset_history = Dataset.history.model

    def writer(self, model) -> TableWriter:
        if model not in self.writers:
            self.writers[model] = TableWriter(model, self.batch_size)
        return self.writers[model]

    def add(self, model, row: dict, *, validated: bool = False) -> None:
        """Validate one row of ``model`` and queue it for writing (``validated``: the caller
        has just checked it with ``validate``)."""
        if not validated:
            self._validate(model, row)
        self.writer(model).add(row)
        if model is Dataset:
            self.dataset_ids.append(row["id"])
            self.writer(self.dataset_history).add(self._history_row(row))
        elif model is Derivation and row.get("valid_to") is None:
            self.derivations.append((row["source_id"], row["derived_id"]))

    def _validate(self, model, row: dict) -> None:
        try:
            self.validate(model, row)
        except ValidationError as exc:
            position = self.validated.get(model, 0)
            raise ValidationError(f"{model._meta.verbose_name} row {position + 1}: {'; '.join(exc.messages)}") from None
        self.validated[model] = self.validated.get(model, 0) + 1

    def validate(self, model, row: dict) -> None:
        """The model's own field validation (types, lengths, choices, validators) and its
        ``clean()``; raises ValidationError("<field>: <message>"). Foreign keys are the caller's
        ids, checked by the database; uniqueness by its constraints. A value already found
        valid for a column is not checked again. Callers that must reject one record and keep
        the others (a harvest) validate its rows with this before adding any of them."""
        if model._meta.auto_created:  # a many-to-many table: two foreign keys, nothing to check
            return
        columns, seen, has_clean = self._rules(model)
        for attname, field in columns:
            if attname not in row:
                continue  # the field's default
            value = row[attname]
            key = (attname, value) if isinstance(value, str | int | float | bool | dt.date | None) else None
            if key is not None and key in seen:
                continue
            try:
                field.clean(value, None)
            except ValidationError as exc:
                raise ValidationError(f"{field.name}: {'; '.join(exc.messages)}") from None
            if key is not None and len(seen) < 50_000:
                seen.add(key)
        if has_clean is not None:
            # One instance per model, its attributes set from the row: clean() reads only those.
            instance, defaults = has_clean
            instance.__dict__.update(defaults)
            instance.__dict__.update(row)
            try:
                instance.clean()
            except ValidationError as exc:
                raise ValidationError("; ".join(exc.messages)) from None

    def _rules(self, model):
        if model not in self.rules:
            columns = [
                (f.attname, f)
                for f in model._meta.concrete_fields
                if not f.is_relation and not isinstance(f, models.AutoField)
            ]
            checker = None
            if model.clean is not models.Model.clean:
                instance = model()
                checker = (instance, dict(instance.__dict__))
            self.rules[model] = (columns, set(), checker)
        return self.rules[model]

    def _history_row(self, row: dict) -> dict:
        history = {f.attname: row[f.attname] for f in Dataset._meta.concrete_fields if f.attname in row}
        history.update(
            history_date=self.now,
            history_type="+",
            history_user_id=self.user.pk,
            history_change_reason="Loaded in bulk",
        )
        history.setdefault("created_at", self.now)
        history.setdefault("updated_at", self.now)
        return history

    def flush(self) -> None:
        for writer in self.writers.values():
            writer.flush()

    def finish(self) -> dict[str, int]:
        """Write what is queued and record the derived work of everything written."""
        self.flush()
        work = TableWriter(DerivedWork, self.batch_size)
        for kind in (DerivedWork.Kind.SEARCH, DerivedWork.Kind.RDF, DerivedWork.Kind.QUALITY):
            for pk in self.dataset_ids:
                work.add({"kind": kind, "target_id": pk, "source_id": None, "requested_at": self.now})
        for source_id, derived_id in self.derivations:
            work.add(
                {
                    "kind": DerivedWork.Kind.LINEAGE,
                    "target_id": derived_id,
                    "source_id": source_id,
                    "requested_at": self.now,
                }
            )
        work.flush()
        return {writer.model._meta.db_table: writer.written for writer in self.writers.values()}

    def written(self, model) -> int:
        writer = self.writers.get(model)
        return writer.written if writer else 0
