"""One row written or read in SQL built once per model: the writes every customer message
makes (the message, a new case and its timeline entry, the case's "last activity") and the
reads of the case a message goes to (`fetch_one`, with its to-one relations joined).

Why not `Model.save()` / `QuerySet.update()`: on these paths Django's SQL compiler cost
about three times the CPU of the statement it sends (issue 17, docs/benchmarks/widget.md
and api.md), and the statement's text never changes. The values still go through each
field's own `pre_save` (auto_now_add) and `get_db_prep_save` (datetimes, JSON, foreign
keys), so what is stored is what `save()` would store; tests/common/test_plain_sql.py
compares the two rows on SQLite and PostgreSQL.

`fetch_one` applies the same database converters the ORM applies to each column (JSON,
datetimes on SQLite, booleans), so the instances are what a queryset would return.

What this skips, and when it steps aside: `pre_save`/`post_save` signals (if a receiver is
connected for the model, `insert_row` calls `save()` instead), multi-table inheritance
and database-computed columns (refused: `_insertable`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model
from django.db.models.fields import NOT_PROVIDED
from django.db.models.signals import post_save, pre_save

M = TypeVar("M", bound=Model)


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
    # By the names given (a foreign key may be named by its attname, "inbox_id").
    params = [
        f.get_db_prep_save(values[name], connection) for name, f in zip(names, fields, strict=True)
    ]
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


def fetch_one(
    model: type[M], *, where: Mapping[str, Any], related: tuple[str, ...] = ()
) -> M | None:
    """The row of `model` whose fields (by name; "pk" allowed) equal `where`'s values, with
    the to-one relations named in `related` joined and cached on it, like
    `model.objects.select_related(*related).filter(**where).first()` for a unique match
    (no ORDER BY: meant for a primary key or a unique key). None if no row matches."""
    shape = _select_plan(model, connection.vendor, tuple(where), related)
    params = [
        field.get_db_prep_value(where[name], connection, prepared=False)
        for name, field in zip(where, shape.where_fields, strict=True)
    ]
    return _fetch(shape, params)


def fetch_by_sql(model: type[M], *, sql: str, params: list[Any]) -> M | None:
    """The first row of `sql` as a `model` instance, for a lookup `fetch_one` cannot say
    (one through another table). `sql` selects the model's columns in `column_names`'
    order; the same converters and loading as `fetch_one`. Keep `sql` a constant: a plan
    is kept per text."""
    return _fetch(_sql_plan(model, sql), params)


def column_names(model: type[Model]) -> list[str]:
    """The column names `fetch_by_sql` expects, in order."""
    return [str(f.column) for f in _part(model, start=0, alias="t0", relation=None).fields]


def _fetch(shape: _Plan, params: list[Any]) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(shape.sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, column_converters in _converters(shape):
        for convert, expression in column_converters:
            values[index] = convert(values[index], expression, connection)
    main = None
    for part in shape.parts:
        chunk = values[part.start : part.start + len(part.fields)]
        if part.relation is None:
            main = part.model.from_db(connection.alias, part.attnames, chunk)
            continue
        assert main is not None  # the main model's part comes first
        instance = (
            None if chunk[0] is None else part.model.from_db(connection.alias, part.attnames, chunk)
        )
        part.relation.set_cached_value(main, instance)
    return main


@dataclass(frozen=True, eq=False)  # hashed by identity: cached, one per shape
class _Part:
    model: type[Model]
    fields: tuple[Field[Any, Any], ...]  # the pk first
    attnames: list[str]
    start: int
    alias: str
    relation: Any  # the ForeignKey/OneToOneField on the main model, None for the main part


@dataclass(frozen=True, eq=False)  # hashed by identity: cached, one per shape
class _Plan:
    sql: str
    parts: tuple[_Part, ...]
    where_fields: tuple[Field[Any, Any], ...]


@functools.cache
def _select_plan(
    model: type[Model], vendor: str, names: tuple[str, ...], related: tuple[str, ...]
) -> _Plan:
    q = connection.ops.quote_name
    meta = model._meta
    parts = [_part(model, start=0, alias="t0", relation=None)]
    joins = []
    for n, name in enumerate(related, 1):
        relation = meta.get_field(name)
        if not isinstance(relation, Field) or not (relation.many_to_one or relation.one_to_one):
            raise ValueError(f"{meta.label}.{name} is not a to-one relation")
        target = relation.related_model
        assert isinstance(target, type)
        start = parts[-1].start + len(parts[-1].fields)
        part = _part(target, start=start, alias=f"t{n}", relation=relation)
        parts.append(part)
        kind = "LEFT JOIN" if relation.null else "JOIN"
        joins.append(
            f" {kind} {q(target._meta.db_table)} {part.alias}"
            f" ON {part.alias}.{q(str(target._meta.pk.column))} = t0.{q(str(relation.column))}"
        )
    where_fields = []
    conditions = []
    for name in names:
        field = meta.pk if name == "pk" else meta.get_field(name)
        if not isinstance(field, Field) or not field.concrete:
            raise ValueError(f"{meta.label}.{name} is not a plain column")
        where_fields.append(field)
        conditions.append(f"t0.{q(str(field.column))} = %s")
    columns = ", ".join(f"{part.alias}.{q(str(f.column))}" for part in parts for f in part.fields)
    sql = (
        f"SELECT {columns} FROM {q(meta.db_table)} t0{''.join(joins)}"  # noqa: S608 (_meta)
        f" WHERE {' AND '.join(conditions)}"
    )
    return _Plan(sql=sql, parts=tuple(parts), where_fields=tuple(where_fields))


@functools.cache
def _sql_plan(model: type[Model], sql: str) -> _Plan:
    return _Plan(
        sql=sql, parts=(_part(model, start=0, alias="t0", relation=None),), where_fields=()
    )


def _part(model: type[Model], *, start: int, alias: str, relation: Any) -> _Part:
    pk = model._meta.pk
    assert pk is not None
    rest = [f for f in model._meta.concrete_fields if f is not pk]
    fields = (pk, *rest)
    return _Part(model, fields, [f.attname for f in fields], start, alias, relation)


_CONVERTERS = "_blockdesk_plain_sql_converters"


def _converters(plan: _Plan) -> list[tuple[int, list[tuple[Any, Any]]]]:
    """Each column's database converters, as the ORM's compiler finds them (backend's,
    then the field's), for columns that have any. Kept per connection: they are bound
    to that connection's operations."""
    cache: dict[_Plan, list[tuple[int, list[tuple[Any, Any]]]]] = connection.__dict__.setdefault(
        _CONVERTERS, {}
    )
    found = cache.get(plan)
    if found is None:
        found = []
        for part in plan.parts:
            for offset, field in enumerate(part.fields):
                column = field.get_col(part.alias)
                funcs = connection.ops.get_db_converters(column) + column.get_db_converters(
                    connection
                )
                if funcs:
                    found.append((part.start + offset, [(f, column) for f in funcs]))
        cache[plan] = found
    return found
