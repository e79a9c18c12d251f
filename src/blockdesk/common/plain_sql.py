"""One row written in SQL built once per model: the writes every customer message makes
(the message, a new case and its timeline entry, the case's "last activity").

Why not `Model.save()` / `QuerySet.update()`: on these paths Django's SQL compiler cost
about three times the CPU of the statement it sends (issue 17, docs/benchmarks/widget.md
and api.md), and the statement's text never changes. The values still go through each
field's own `pre_save` (auto_now_add) and `get_db_prep_save` (datetimes, JSON, foreign
keys), so what is stored is what `save()` would store; tests/common/test_plain_sql.py
compares the two rows on SQLite and PostgreSQL.

What this skips, and when it steps aside: `pre_save`/`post_save` signals (if a receiver is
connected for the model, `insert_row` calls `save()` instead), multi-table inheritance
and database-computed columns (refused: `_insertable`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.db.models.fields import NOT_PROVIDED
from django.db.models.signals import post_save, pre_save


def insert_row(instance: Model) -> None:
    """INSERT a new `instance` (its pk is set afterwards, as save() would)."""
    model = type(instance)
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        instance.save()  # someone listens: the ORM's path, with its signals
        return
    sql, fields = _insert_sql(model, connection.vendor, _returns())
    params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pk = cursor.fetchone()[0] if _returns() else cursor.lastrowid
    setattr(instance, model._meta.pk.attname, pk)
    instance._state.adding = False
    instance._state.db = connection.alias


def update_row(model: type[Model], *, pk: Any, values: Mapping[str, Any]) -> int:
    """UPDATE one row's fields (by name) to `values`, like
    `model.objects.filter(pk=pk).update(**values)` with plain values; the rows changed."""
    names = tuple(values)
    sql, fields = _update_sql(model, connection.vendor, names)
    params = [f.get_db_prep_save(values[f.name], connection) for f in fields]
    params.append(model._meta.pk.get_db_prep_value(pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _returns() -> bool:
    return bool(connection.features.can_return_columns_from_insert)


@functools.cache
def _insert_sql(model: type[Model], vendor: str, returning: bool) -> tuple[str, list[Any]]:
    meta = model._meta
    _insertable(model)
    q = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key or not _is_auto(f)]
    columns = ", ".join(q(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 (_meta)
    if returning:
        sql += f" RETURNING {q(meta.pk.column)}"
    return sql, fields


@functools.cache
def _update_sql(model: type[Model], vendor: str, names: tuple[str, ...]) -> tuple[str, list[Any]]:
    meta = model._meta
    _insertable(model)
    q = connection.ops.quote_name
    fields: list[Field[Any, Any]] = []
    for name in names:
        field = meta.get_field(name)
        if not isinstance(field, Field) or not field.concrete or field.primary_key:
            raise ValueError(f"{meta.label}.{name} is not a plain column")
        fields.append(field)
    assignments = ", ".join(f"{q(str(f.column))} = %s" for f in fields)
    return (
        f"UPDATE {q(meta.db_table)} SET {assignments}"  # noqa: S608 (names from _meta)
        f" WHERE {q(meta.pk.column)} = %s",
        fields,
    )


def _is_auto(field: Any) -> bool:
    return bool(getattr(field, "db_returning", False))


def _insertable(model: type[Model]) -> None:
    meta = model._meta
    if meta.parents:
        raise TypeError(f"{meta.label}: multi-table inheritance is not supported here")
    for field in meta.concrete_fields:
        if field.primary_key and not _is_auto(field):
            raise TypeError(f"{meta.label}: only an auto-increment primary key is supported")
        if not field.primary_key and (
            getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED
            or getattr(field, "generated", False)
        ):
            raise TypeError(f"{meta.label}.{field.name}: a database-computed column")
