"""A faster end for transactional tests on PostgreSQL.

After each `django_db(transaction=True)` test Django flushes every table, on PostgreSQL
with one TRUNCATE of all ~165 of them. TRUNCATE gives each table (and its indexes and
TOAST table) new files, which took 6–7 s per test here, most of the PostgreSQL pass's
time; DELETE of the few rows a test leaves takes ~0.1 s. Django's foreign keys on
PostgreSQL are DEFERRABLE INITIALLY DEFERRED and the flush runs in one transaction, so the
order of the DELETEs does not matter. Content types and permissions are kept: the
post_migrate signal after a flush would only write them again.

Not for production: `manage.py flush` keeps Django's TRUNCATE there."""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql.operations import DatabaseOperations

_KEPT = frozenset({"django_content_type", "auth_permission"})
_truncate = DatabaseOperations.sql_flush


def _sql_flush(
    self: DatabaseOperations,
    style: Any,
    tables: list[str],
    *,
    reset_sequences: bool = False,
    allow_cascade: bool = False,
) -> list[str]:
    if reset_sequences:  # the tests that ask for fresh ids get Django's own flush
        return _truncate(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    return [
        f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
        for table in tables
        if table not in _KEPT
    ]


def install() -> None:
    DatabaseOperations.sql_flush = _sql_flush  # type: ignore[method-assign]
