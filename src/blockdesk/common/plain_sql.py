"""Rows written or read in SQL built once per model and shape: the writes every customer
message makes (the message, a new case and its timeline entry, the case's "last activity")
and the assistant's answer makes (its turn, its state, the case's status), and the reads
on those paths: `fetch_one` (one row, its to-one relations joined, optionally locked),
`fetch_all`, `exists`, `refresh`; `save_row` is `save(update_fields=…)`.

Why not `Model.save()` / `QuerySet.update()`: on these paths Django's SQL compiler cost
about three times the CPU of the statement it sends (issue 17, docs/benchmarks/widget.md
and api.md), and the statement's text never changes. The values still go through each
field's own `pre_save` (auto_now_add) and `get_db_prep_save` (datetimes, JSON, foreign
keys), so what is stored is what `save()` would store; tests/common/test_plain_sql.py
compares the two rows on SQLite and PostgreSQL.

`fetch_one` applies the same database converters the ORM applies to each column (JSON,
datetimes on SQLite, booleans), so the instances are what a queryset would return.

What this skips, and when it steps aside: `pre_save`/`post_save` signals (if a receiver is
connected for the model, `insert_row` and `save_row` call `save()` instead), multi-table inheritance
and database-computed columns (refused: `_insertable`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model, Q
from django.db.models.fields import NOT_PROVIDED
from django.db.models.signals import post_save, pre_save

M = TypeVar("M", bound=Model)


def insert_row(instance: Model) -> None:
    """INSERT a new `instance` (its pk is set afterwards, as save() would)."""
    model = type(instance)
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        instance.save()  # someone listens: the ORM's path, with its signals
        return
    _insert(instance, skip_conflict=False)


def insert_row_if_absent(instance: Model) -> bool:
    """INSERT a new `instance` unless a row with one of its unique values exists (ON
    CONFLICT DO NOTHING: PostgreSQL waits for a transaction inserting the same and then
    does nothing if it commits). True when inserted (the pk is set, and the row is this
    transaction's own), False when not. Replaces a savepoint around an insert that may
    fail on its unique key: one statement instead of three (issue 17)."""
    model = type(instance)
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        try:
            with transaction.atomic():
                instance.save()  # someone listens: the ORM's path, with its signals
        except IntegrityError:
            # Only a unique value already taken means "exists", as ON CONFLICT has it; any
            # other failed constraint (NOT NULL, CHECK) is raised, as the INSERT raises it.
            if not _unique_value_taken(instance):
                raise
            return False
        return True
    return _insert(instance, skip_conflict=True)


def _unique_value_taken(instance: Model) -> bool:
    """Whether a stored row holds one of `instance`'s unique values (a unique field, or
    the fields of a unique constraint without a condition)."""
    meta = type(instance)._meta
    by_name = {f.name: f.attname for f in meta.concrete_fields}
    sets: list[tuple[str, ...]] = [
        (f.name,) for f in meta.concrete_fields if f.unique and not f.primary_key
    ]
    sets += [tuple(c.fields) for c in meta.total_unique_constraints]
    sets += [tuple(names) for names in meta.unique_together]
    condition = Q()
    for names in sets:
        values = {by_name[n]: getattr(instance, by_name[n]) for n in names}
        if None not in values.values():  # NULLs are never equal: no conflict on them
            condition |= Q(**values)
    return bool(condition) and type(instance)._default_manager.filter(condition).exists()


def _insert(instance: Model, *, skip_conflict: bool) -> bool:
    model = type(instance)
    db = _db()
    returns = bool(db.features.can_return_columns_from_insert)
    sql, fields = _insert_sql(model, db.vendor, returns, skip_conflict)
    params = [f.get_db_prep_save(f.pre_save(instance, True), db) for f in fields]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        if returns:
            row = cursor.fetchone()
            if row is None:  # skipped: the row exists
                return False
            pk = row[0]
        else:
            if skip_conflict and cursor.rowcount == 0:
                return False
            pk = cursor.lastrowid
    setattr(instance, model._meta.pk.attname, pk)
    instance._state.adding = False
    instance._state.db = db.alias
    return True


def update_row(model: type[Model], *, pk: Any, values: Mapping[str, Any]) -> int:
    """UPDATE one row's fields (by name) to `values`, like
    `model.objects.filter(pk=pk).update(**values)` with plain values; the rows changed."""
    names = tuple(values)
    db = _db()
    sql, fields = _update_sql(model, db.vendor, names)
    # By the names given (a foreign key may be named by its attname, "inbox_id").
    params = [f.get_db_prep_save(values[name], db) for name, f in zip(names, fields, strict=True)]
    params.append(model._meta.pk.get_db_prep_value(pk, db))
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def save_row(instance: Model, *, fields: tuple[str, ...] | None = None) -> None:
    """UPDATE a stored `instance`'s `fields` (default: every column but the pk) from its
    attributes, like `instance.save(update_fields=fields)`: each field's `pre_save` runs,
    so an `auto_now` column named (or implied by the default) takes the time."""
    model = type(instance)
    meta = model._meta
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        instance.save(update_fields=fields)
        return
    names = fields if fields is not None else _column_names_but_pk(model)
    db = _db()
    sql, columns = _update_sql(model, db.vendor, names)
    params = [f.get_db_prep_save(f.pre_save(instance, False), db) for f in columns]
    params.append(meta.pk.get_db_prep_value(instance.pk, db))
    with db.cursor() as cursor:
        cursor.execute(sql, params)


@functools.cache
def _column_names_but_pk(model: type[Model]) -> tuple[str, ...]:
    return tuple(f.name for f in model._meta.concrete_fields if not f.primary_key)


def _db() -> BaseDatabaseWrapper:
    # This thread's connection, looked up once per call: each use of the `connection`
    # proxy is a thread-local lookup, and building one statement's parameters made ~20.
    return connections[DEFAULT_DB_ALIAS]


@functools.cache
def _insert_sql(
    model: type[Model], vendor: str, returning: bool, skip_conflict: bool
) -> tuple[str, list[Any]]:
    meta = model._meta
    _insertable(model)
    q = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key or not _is_auto(f)]
    columns = ", ".join(q(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 (_meta)
    if skip_conflict:
        sql += " ON CONFLICT DO NOTHING"
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
    model: type[M],
    *,
    where: Mapping[str, Any],
    related: tuple[str, ...] = (),
    for_update: bool = False,
) -> M | None:
    """The row of `model` whose fields (by name; "pk" allowed) equal `where`'s values, with
    the to-one relations named in `related` joined and cached on it, like
    `model.objects.select_related(*related).filter(**where).first()` for a unique match
    (no ORDER BY: meant for a primary key or a unique key). None if no row matches.
    `related` follows relations of relations as the ORM does ("conversation__inbox");
    `where` may name a field across them ("article__key": joined if not named in
    `related`), and a None value means IS NULL, as in `filter()`.
    `for_update`: the row is locked, as `select_for_update()` (where the database has
    row locks; SQLite's write transaction already excludes other writers)."""
    found = _select(model, where, related, for_update=for_update, first=True)
    return found[0] if found else None


def refresh(instance: Model, *, related: tuple[str, ...] = ()) -> None:
    """Reload a stored `instance`'s columns from its row, like `refresh_from_db()`, with
    the relations in `related` joined and cached on it (the others and any prefetched
    rows are dropped, as refresh_from_db drops them)."""
    model = type(instance)
    fresh = fetch_one(model, where={"pk": instance.pk}, related=related)
    if fresh is None:
        # Every concrete model has its DoesNotExist; the stubs only know it on subclasses.
        raise model.DoesNotExist(f"{model._meta.label} {instance.pk} is gone")  # type: ignore[attr-defined]
    for field in model._meta.concrete_fields:
        setattr(instance, field.attname, getattr(fresh, field.attname))
    instance._state.fields_cache = fresh._state.fields_cache
    instance.__dict__.pop("_prefetched_objects_cache", None)


def fetch_all(
    model: type[M], *, where: Mapping[str, Any], related: tuple[str, ...] = ()
) -> list[M]:
    """Every row `fetch_one` would choose from, in no particular order (sort them)."""
    return _select(model, where, related, for_update=False, first=False)


def exists(model: type[Model], *, where: Mapping[str, Any]) -> bool:
    """Whether `fetch_one` would find a row (`filter(**where).exists()`), reading none."""
    db = _db()
    shape = _select_plan(model, db.vendor, tuple(where), _nulls(where), (), False)
    with db.cursor() as cursor:
        cursor.execute(f"SELECT 1{shape.source} LIMIT 1", _where_params(db, where, shape))
        return cursor.fetchone() is not None


def _select(
    model: type[M],
    where: Mapping[str, Any],
    related: tuple[str, ...],
    *,
    for_update: bool,
    first: bool,
) -> list[M]:
    db = _db()
    lock = for_update and bool(db.features.has_select_for_update)
    shape = _select_plan(model, db.vendor, tuple(where), _nulls(where), related, lock)
    return _fetch(db, shape, _where_params(db, where, shape), first=first)


def _nulls(where: Mapping[str, Any]) -> tuple[bool, ...]:
    return tuple(value is None for value in where.values())


def _where_params(db: BaseDatabaseWrapper, where: Mapping[str, Any], shape: _Plan) -> list[Any]:
    return [
        field.get_db_prep_value(value, db, prepared=False)
        for value, field in zip(where.values(), shape.where_fields, strict=True)
        if value is not None  # IS NULL takes none
    ]


def fetch_by_sql(model: type[M], *, sql: str, params: list[Any]) -> M | None:
    """The first row of `sql` as a `model` instance, for a lookup `fetch_one` cannot say
    (one through another table). `sql` selects the model's columns in `column_names`'
    order; the same converters and loading as `fetch_one`. Keep `sql` a constant: a plan
    is kept per text."""
    found = _fetch(_db(), _sql_plan(model, sql), params, first=True)
    return found[0] if found else None


def column_names(model: type[Model]) -> list[str]:
    """The column names `fetch_by_sql` expects, in order."""
    return [str(f.column) for f in _part(model, start=0, alias="t0", relation=None).fields]


def _fetch(db: BaseDatabaseWrapper, shape: _Plan, params: list[Any], *, first: bool) -> list[Any]:
    with db.cursor() as cursor:
        cursor.execute(shape.sql, params)
        rows = [cursor.fetchone()] if first else cursor.fetchall()
    return [_load(db, shape, row) for row in rows if row is not None]


def _load(db: BaseDatabaseWrapper, shape: _Plan, row: Any) -> Model | None:
    values = list(row)
    for index, column_converters in _converters(db, shape):
        for convert, expression in column_converters:
            values[index] = convert(values[index], expression, db)
    instances: list[Model | None] = []
    for part in shape.parts:
        chunk = values[part.start : part.start + len(part.fields)]
        # A missing relation (NULL, or under a missing one) loads as None.
        instance = None if chunk[0] is None else part.model.from_db(db.alias, part.attnames, chunk)
        instances.append(instance)
        if part.relation is not None:
            parent = instances[part.parent]  # the parts of a path come in order
            if parent is not None:
                part.relation.set_cached_value(parent, instance)
    return instances[0]


@dataclass(frozen=True, eq=False)  # hashed by identity: cached, one per shape
class _Part:
    model: type[Model]
    fields: tuple[Field[Any, Any], ...]  # the pk first
    attnames: list[str]
    start: int
    alias: str
    relation: Any  # the ForeignKey/OneToOneField on the parent's model; None: the main part
    parent: int = 0  # the index of the part whose model holds `relation`


@dataclass(frozen=True, eq=False)  # hashed by identity: cached, one per shape
class _Plan:
    sql: str
    parts: tuple[_Part, ...]
    where_fields: tuple[Field[Any, Any], ...]
    source: str = ""  # " FROM … WHERE …", for `exists`


@functools.cache
def _select_plan(
    model: type[Model],
    vendor: str,
    names: tuple[str, ...],
    nulls: tuple[bool, ...],
    related: tuple[str, ...],
    for_update: bool,
) -> _Plan:
    q = connection.ops.quote_name
    meta = model._meta
    parts = [_part(model, start=0, alias="t0", relation=None)]
    by_path: dict[str, int] = {"": 0}
    outer = {0: False}  # a part reached through a nullable relation: LEFT JOINed
    joins = []
    # The relations a condition names are joined too ("article__key" joins "article").
    through = tuple(name.rpartition("__")[0] for name in names if "__" in name)
    for name in (*related, *through):
        path = ""
        for step in name.split("__"):
            parent, path = by_path[path], f"{path}__{step}" if path else step
            if path in by_path:
                continue
            owner = parts[parent].model._meta
            relation = owner.get_field(step)
            if not isinstance(relation, Field) or not (relation.many_to_one or relation.one_to_one):
                raise ValueError(f"{owner.label}.{step} is not a to-one relation")
            target = relation.related_model
            assert isinstance(target, type)
            start = parts[-1].start + len(parts[-1].fields)
            alias = f"t{len(parts)}"
            by_path[path] = len(parts)
            outer[len(parts)] = outer[parent] or relation.null
            parts.append(_part(target, start=start, alias=alias, relation=relation, parent=parent))
            kind = "LEFT JOIN" if outer[len(parts) - 1] else "JOIN"
            key, column = q(str(target._meta.pk.column)), q(str(relation.column))
            joins.append(
                f" {kind} {q(target._meta.db_table)} {alias}"
                f" ON {alias}.{key} = {parts[parent].alias}.{column}"
            )
    where_fields = []
    conditions = []
    for name, null in zip(names, nulls, strict=True):
        path, _, attribute = name.rpartition("__")
        holder = parts[by_path[path]]
        field = (
            holder.model._meta.pk if attribute == "pk" else holder.model._meta.get_field(attribute)
        )
        if not isinstance(field, Field) or not field.concrete:
            raise ValueError(f"{holder.model._meta.label}.{attribute} is not a plain column")
        where_fields.append(field)
        test = "IS NULL" if null else "= %s"
        conditions.append(f"{holder.alias}.{q(str(field.column))} {test}")
    columns = ", ".join(f"{part.alias}.{q(str(f.column))}" for part in parts for f in part.fields)
    source = f" FROM {q(meta.db_table)} t0{''.join(joins)} WHERE {' AND '.join(conditions)}"
    sql = f"SELECT {columns}{source}"
    if for_update:
        # Only the main table's row: a nullable relation's LEFT JOIN cannot be locked.
        sql += (
            " FOR UPDATE OF t0" if connection.features.has_select_for_update_of else " FOR UPDATE"
        )
    return _Plan(sql=sql, parts=tuple(parts), where_fields=tuple(where_fields), source=source)


@functools.cache
def _sql_plan(model: type[Model], sql: str) -> _Plan:
    return _Plan(
        sql=sql, parts=(_part(model, start=0, alias="t0", relation=None),), where_fields=()
    )


def _part(model: type[Model], *, start: int, alias: str, relation: Any, parent: int = 0) -> _Part:
    pk = model._meta.pk
    assert pk is not None
    rest = [f for f in model._meta.concrete_fields if f is not pk]
    fields = (pk, *rest)
    return _Part(model, fields, [f.attname for f in fields], start, alias, relation, parent)


_CONVERTERS = "_blockdesk_plain_sql_converters"


def _converters(db: BaseDatabaseWrapper, plan: _Plan) -> list[tuple[int, list[tuple[Any, Any]]]]:
    """Each column's database converters, as the ORM's compiler finds them (backend's,
    then the field's), for columns that have any. Kept per connection: they are bound
    to that connection's operations."""
    cache: dict[_Plan, list[tuple[int, list[tuple[Any, Any]]]]] = db.__dict__.setdefault(
        _CONVERTERS, {}
    )
    found = cache.get(plan)
    if found is None:
        found = []
        for part in plan.parts:
            for offset, field in enumerate(part.fields):
                column = field.get_col(part.alias)
                funcs = db.ops.get_db_converters(column) + column.get_db_converters(db)
                if funcs:
                    found.append((part.start + offset, [(f, column) for f in funcs]))
        cache[plan] = found
    return found
