"""Hand-written statements for the few queries on every money call.

Compiling a queryset costs more CPU than PostgreSQL spends running these indexed lookups, and
the money path runs them on every bet, win and rollback. Here column lists are written once
per process from the models' own fields (so they follow the models), statements are sent as
they are, and each row becomes an instance through Model.from_db with the fields' converters,
exactly as a queryset would build it.
"""

from __future__ import annotations

import functools
import re
from contextlib import ExitStack
from typing import NamedTuple

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model
from django.db.models.expressions import DatabaseDefault


class Query(NamedTuple):
    """A SELECT whose select list is columns(m, a) for each (m, a) in `models`, in that order;
    without models, its rows come back as the tuples read."""

    sql: str
    params: list
    models: tuple[tuple[type[Model], str], ...]


@functools.cache
def _reader(model: type[Model], alias: str) -> tuple[str, list[str], list[list]]:
    fields = model._meta.concrete_fields
    columns = ", ".join(f'{alias}."{field.column}"' for field in fields)
    converters = [
        # get_db_converters is Field's own method, missing from django-stubs.
        field.get_db_converters(connection)  # type: ignore[attr-defined]
        + connection.ops.get_db_converters(field.get_col(alias))
        for field in fields
    ]
    return columns, [field.attname for field in fields], converters


def columns(model: type[Model], alias: str) -> str:
    """The select list for `model` under the table alias `alias`, in the order select() reads."""
    return _reader(model, alias)[0]


def db():
    """The default connection itself. `django.db.connection` is a proxy that finds it again on
    every attribute read, which the loops below would do dozens of times per call."""
    return connections[DEFAULT_DB_ALIAS]


_PLACEHOLDER = re.compile(r"%s|%%|%")


@functools.lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """`sql` with its `%s` placeholders numbered as PostgreSQL writes them ($1, $2, ...) and `%%`
    as `%`. Cached per statement text: the money path has a few dozen shapes of statement."""
    count = 0

    def number(match: re.Match) -> str:
        nonlocal count
        if match.group() == "%%":
            return "%"
        if match.group() == "%":
            raise ValueError(f"only %s placeholders (and %% for a percent sign) on the money path: {sql[:80]!r}")
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql)


class _NumberedCursor(psycopg.RawCursor):
    """Binds parameters on the server, as Django's ServerBindingCursor does, but with the
    statement's placeholders numbered once per statement text (numbered()).

    psycopg converts `%s` placeholders on every execute and caches the conversion only for
    statements under 50 parameters and 4 KB; a money call's one write statement has 50 to 80
    parameters, and converting it cost about 0.3 ms of CPU on every bet and win
    (docs/benchmarks.md, "Lever 3: Python per call")."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(numbered(query), params, prepare=prepare, binary=binary)


def cursor():
    """A cursor for the money path's statements (`%s` placeholders). It binds parameters on the
    server, so each statement is prepared once per connection (settings.DB_PREPARE_THRESHOLD)
    instead of being parsed and planned on every call."""
    conn = db()
    conn.ensure_connection()
    bound_on_server = _NumberedCursor(conn.connection)
    # Wrapped as Django wraps its own: error classes, execute_wrapper hooks, debug logging.
    if conn.queries_logged:
        return conn.make_debug_cursor(bound_on_server)
    return conn.make_cursor(bound_on_server)


def select(query: Query) -> list[tuple[Model, ...]]:
    """Run `query` and return one tuple of instances per row."""
    with cursor() as cursor_:
        cursor_.execute(query.sql, query.params)
        return _instances(cursor_.fetchall(), query.models)


def select_in_order(*queries: Query) -> list[list[tuple[Model, ...]]]:
    """Run `queries` one after the other and return select()'s answer for each.

    They travel together (pipeline mode: one round trip), and the server still runs each only
    after the one before it is done, with a snapshot of its own: a query after one that waited
    for a row lock sees everything committed before the lock was granted.
    """
    conn = db()
    conn.ensure_connection()
    # Errors of a pipeline may surface when it is synced, outside the cursors' own wrapping:
    # wrap_database_errors gives them Django's exception classes there too.
    with conn.wrap_database_errors, ExitStack() as stack:
        stack.enter_context(conn.connection.pipeline())
        cursors = [stack.enter_context(cursor()) for _query in queries]
        for query, cursor_ in zip(queries, cursors, strict=True):
            cursor_.execute(query.sql, query.params)
        fetched = [cursor_.fetchall() for cursor_ in cursors]
    return [
        _instances(rows, query.models) if query.models else rows for rows, query in zip(fetched, queries, strict=True)
    ]


def _instances(rows: list[tuple], models: tuple[tuple[type[Model], str], ...]) -> list[tuple[Model, ...]]:
    readers = [_reader(model, alias) for model, alias in models]
    conn = db()
    result = []
    for row in rows:
        instances, start = [], 0
        for (model, _alias), (_columns, attnames, converters) in zip(models, readers, strict=True):
            values = list(row[start : start + len(attnames)])
            start += len(attnames)
            for i, field_converters in enumerate(converters):
                for convert in field_converters:
                    values[i] = convert(values[i], None, conn)
            instances.append(model.from_db(conn.alias, attnames, values))
        result.append(tuple(instances))
    return result


@functools.cache
def _insert_columns(model: type[Model]) -> tuple[str, list]:
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    return ", ".join(f'"{field.column}"' for field in fields), fields


def insert_values(instance: Model, **expressions: str) -> tuple[str, list]:
    """`INSERT INTO <table> (<columns>) VALUES (...)` for `instance` as Model.save() would write
    it, and its parameters. A field named (by attname) in `expressions` takes that SQL
    expression instead of a parameter: the id of a row inserted by the same statement.

    Each field prepares its value as in save() (auto_now dates, JSON, foreign keys); no model
    signals are sent (the money tables have none, and money code uses none).
    """
    columns, fields = _insert_columns(type(instance))
    conn = db()
    placeholders, params = [], []
    for field in fields:
        expression = expressions.get(field.attname)
        if expression is not None:
            placeholders.append(expression)
            continue
        value = field.pre_save(instance, True)
        if isinstance(value, DatabaseDefault):  # a field left to its db_default, as save() leaves it
            placeholders.append("DEFAULT")
            continue
        placeholders.append("%s")
        params.append(field.get_db_prep_save(value, conn))
    sql = f'INSERT INTO "{instance._meta.db_table}" ({columns}) VALUES ({", ".join(placeholders)})'  # noqa: S608
    return sql, params


def insert(instance: Model) -> Model:
    """INSERT `instance` as Model.save() would for a new row, and set its pk."""
    sql, params = insert_values(instance)
    with cursor() as cursor_:
        cursor_.execute(f'{sql} RETURNING "{instance._meta.pk.column}"', params)
        instance.pk = cursor_.fetchone()[0]
    saved(instance)
    return instance


def saved(instance: Model) -> None:
    """Mark `instance` as a row of the database (its pk already set), as save() leaves it."""
    instance._state.adding, instance._state.db = False, DEFAULT_DB_ALIAS
