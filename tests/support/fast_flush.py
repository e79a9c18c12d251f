"""A faster end for transactional tests, on either database.

After each `django_db(transaction=True)` test Django flushes every table and then sends
`post_migrate`, whose receivers write the content types and permissions back.

- On PostgreSQL the flush is one TRUNCATE of all ~165 tables. TRUNCATE gives each table
  (and its indexes and TOAST table) new files, which took 6–7 s per test here; DELETE of
  the few rows a test leaves takes ~0.1 s. Django's foreign keys are DEFERRABLE INITIALLY
  DEFERRED and the flush runs in one transaction, so the order of the DELETEs does not
  matter.
- On both, `post_migrate` after the flush cost ~0.3 s per test (Django's
  `create_permissions` checks every app's permissions: a third of the suite's teardown
  time, ~1,000 transactional tests a pass). The flush now keeps the content types and
  permissions, and sends `post_migrate` only when a test changed those two tables (their
  row count and ids differ from what the last `post_migrate` left): then it empties them
  as Django's flush does and sends the signal, which is Django's own end again.

Not for production: `manage.py flush` keeps Django's behaviour there."""

from __future__ import annotations

from typing import Any

from django.core.management.color import no_style
from django.core.management.commands import flush as flush_command
from django.db import connections
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.db.backends.sqlite3.base import DatabaseOperations as SqliteOperations

_KEPT = ("django_content_type", "auth_permission")
_real_flushes = {
    PostgresOperations: PostgresOperations.sql_flush,
    SqliteOperations: SqliteOperations.sql_flush,
}
_real_post_migrate = flush_command.emit_post_migrate_signal
# Per database alias: the kept tables' fingerprint right after the last post_migrate.
_left_by_post_migrate: dict[str, tuple[int, ...]] = {}


def _delete_statements(ops: BaseDatabaseOperations, style: Any, tables: list[str]) -> list[str]:
    return [
        f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(ops.quote_name(table))};"
        for table in tables
    ]


def _sql_flush(
    self: BaseDatabaseOperations,
    style: Any,
    tables: list[str],
    *,
    reset_sequences: bool = False,
    allow_cascade: bool = False,
) -> list[str]:
    if reset_sequences or allow_cascade:  # tests that ask for fresh ids get Django's flush
        # Their post_migrate writes the kept tables anew: the fingerprint changes.
        _left_by_post_migrate.pop(self.connection.alias, None)
        real = _real_flushes[type(self)]  # type: ignore[index]
        return real(  # type: ignore[no-any-return]
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    return _delete_statements(self, style, [t for t in tables if t not in _KEPT])


def _fingerprint(alias: str) -> tuple[int, ...]:
    """Row count, id sum and highest id of each kept table: equal only if no test added,
    removed or replaced a row since the last post_migrate (ids are never reused here)."""
    connection = connections[alias]
    one = "SELECT COUNT(*), COALESCE(SUM(id), 0), COALESCE(MAX(id), 0) FROM {}"
    parts = " UNION ALL ".join(one.format(connection.ops.quote_name(t)) for t in _KEPT)
    with connection.cursor() as cursor:
        cursor.execute(parts)
        return tuple(int(value) for row in cursor.fetchall() for value in row)


def _post_migrate_if_needed(verbosity: int, interactive: bool, db: str, **kwargs: Any) -> None:
    connection = connections[db]
    if _left_by_post_migrate.get(db) == _fingerprint(db):
        return
    with connection.cursor() as cursor:
        for statement in _delete_statements(connection.ops, no_style(), list(_KEPT)[::-1]):
            cursor.execute(statement)
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    _real_post_migrate(verbosity, interactive, db, **kwargs)
    _left_by_post_migrate[db] = _fingerprint(db)


def install() -> None:
    for operations in _real_flushes:
        operations.sql_flush = _sql_flush  # type: ignore[method-assign,assignment]
    flush_command.emit_post_migrate_signal = _post_migrate_if_needed  # type: ignore[assignment]
