"""Conversation display numbers (#1, #2, …): one counter row per account.

The counter moves with a single `UPDATE … RETURNING` (or an upsert for an account's
first case). On PostgreSQL, inside a request's transaction, the bump runs on a second
connection in its own short transaction: the account's counter row is then locked for
one statement, not until the whole message commits, which had serialised new
conversations of an account across every node (bench/widget_load.py). That connection
comes from the backend's side pool (common/postgresql_backend), not from the requests'
pool, where under a burst it waited for requests that were waiting for it. A case whose
transaction rolls back leaves a gap in the numbers; the unique constraint on
(account, display_id) still guards against duplicates. SQLite has a single writer, so
there the bump simply runs inside the caller's transaction."""

from __future__ import annotations

import logging
from typing import Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper

from blockdesk.conversations.models import ConversationSequence

logger = logging.getLogger(__name__)

# How long to wait for a side connection before bumping inline instead. (The caller's own
# transaction may hold the row, having bumped inline before: the side connection's
# lock_timeout, common/postgresql_backend, makes it give up instead of waiting forever.)
SIDE_POOL_TIMEOUT_S = 0.2


def _table() -> tuple[str, str]:
    meta = ConversationSequence._meta
    return meta.db_table, meta.pk.column


def next_display_id(account_id: int) -> int:
    connection = connections[router.db_for_write(ConversationSequence)]
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        number = _bump_on_side_connection(connection, account_id)
        if number is not None:
            return number
    return _upsert(connection, account_id)


def _upsert(connection: BaseDatabaseWrapper, account_id: int) -> int:
    """One statement on the caller's connection (SQLite ≥ 3.35 and PostgreSQL)."""
    table, pk = (connection.ops.quote_name(name) for name in _table())
    sql = (
        f"INSERT INTO {table} ({pk}, last_number) VALUES (%s, 1) "  # noqa: S608 (names from _meta)
        f"ON CONFLICT ({pk}) DO UPDATE SET last_number = {table}.last_number + 1 "
        "RETURNING last_number"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [account_id])
        row = cursor.fetchone()
    return int(row[0])


def _bump_on_side_connection(connection: BaseDatabaseWrapper, account_id: int) -> int | None:
    """The bump in its own committed transaction, or None to do it inline: no pool, no
    spare connection within SIDE_POOL_TIMEOUT_S, no committed counter row yet (the
    account's first case, or an account created in the caller's transaction), or the
    row is locked by the caller's own transaction."""
    pool: Any = getattr(connection, "side_pool", None)  # common/postgresql_backend
    if pool is None:
        return None
    table, pk = (connection.ops.quote_name(name) for name in _table())
    sql = (
        f"UPDATE {table} SET last_number = last_number + 1 "  # noqa: S608 (names from _meta)
        f"WHERE {pk} = %s RETURNING last_number"
    )
    try:
        raw = pool.getconn(timeout=SIDE_POOL_TIMEOUT_S)
    except Exception:  # psycopg_pool.PoolTimeout, or the pool is closing
        return None
    try:
        # One round trip: the pool's connections are in autocommit with a lock timeout.
        row = raw.execute(sql, [account_id]).fetchone()
    except Exception:
        # A lock timeout or a broken connection: the inline bump is always correct.
        logger.debug("display number: side connection failed, bumping inline", exc_info=True)
        return None
    finally:
        pool.putconn(raw)
    return None if row is None else int(row[0])
