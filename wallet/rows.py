"""Model instances from hand-written SELECTs, for the few queries on every money call.

Compiling a queryset costs more CPU than PostgreSQL spends running these indexed lookups, and
the money path runs them on every bet, win and rollback. Here the column list is written once
per process from the model's own fields (so it follows the model), the statement is sent as
is, and each row becomes an instance through Model.from_db with the fields' converters,
exactly as a queryset would build it.
"""

from __future__ import annotations

import functools

from django.db import connection
from django.db.models import Model


@functools.cache
def _reader(model: type[Model], alias: str) -> tuple[str, list[str], list[list]]:
    fields = model._meta.concrete_fields
    columns = ", ".join(f'{alias}."{field.column}"' for field in fields)
    converters = [
        field.get_db_converters(connection) + connection.ops.get_db_converters(field.get_col(alias)) for field in fields
    ]
    return columns, [field.attname for field in fields], converters


def columns(model: type[Model], alias: str) -> str:
    """The select list for `model` under the table alias `alias`, in the order select() reads."""
    return _reader(model, alias)[0]


def select(sql: str, params: list, *models: tuple[type[Model], str]) -> list[tuple[Model, ...]]:
    """Run `sql` (whose select list is columns(m, a) for each (m, a) in `models`, in that order)
    and return one tuple of instances per row."""
    readers = [_reader(model, alias) for model, alias in models]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result = []
    for row in rows:
        instances, start = [], 0
        for (model, _alias), (_columns, attnames, converters) in zip(models, readers, strict=True):
            values = list(row[start : start + len(attnames)])
            start += len(attnames)
            for i, field_converters in enumerate(converters):
                for convert in field_converters:
                    values[i] = convert(values[i], None, connection)
            instances.append(model.from_db(connection.alias, attnames, values))
        result.append(tuple(instances))
    return result


@functools.cache
def _insert_statement(model: type[Model]) -> tuple[str, list]:
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(f'"{field.column}"' for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES ({placeholders})'  # noqa: S608
        f' RETURNING "{model._meta.pk.column}"'
    )
    return sql, fields


def insert(instance: Model) -> Model:
    """INSERT `instance` as Model.save() would for a new row, and set its pk.

    Each field prepares its value as in save() (auto_now dates, JSON, foreign keys); no model
    signals are sent (the money tables have none, and money code uses none).
    """
    sql, fields = _insert_statement(type(instance))
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding, instance._state.db = False, connection.alias
    return instance
