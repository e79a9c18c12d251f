"""Django's PostgreSQL backend: a pooled connection checked without a round trip, and a
small side pool for one-statement transactions.

Django's pool (with CONN_HEALTH_CHECKS) checks each connection it hands out with an empty
query: a round trip for every request, about a tenth of a widget message's database work
(issue 17). An idle connection's socket has nothing to read unless the server wrote to it,
and when the server closes a connection (a restart, `pg_terminate_backend`, an idle
timeout) it writes its reason first: so a connection whose socket is quiet is handed out
as it is, and one that has something to read gets that query, and is thrown away if it
fails. A server that vanished without a word is met by the request's first statement
(503, ops/faults.py), as it would be a moment after any check.

A request sometimes needs a statement committed apart from its own transaction (the
conversation display numbers, conversations/numbering.py: a counter row locked for one
statement rather than until the message commits). That connection used to come from the
requests' pool, and under a burst every pooled connection was held by a request, most
often by requests themselves waiting for a side connection: each gave up after its
timeout, the 200-350 ms p99 of new cases at 100 msg/s (docs/benchmarks/widget.md). Here
it comes from a pool of its own, `SIDE_POOL_SIZE` connections per process, opened on
first use and closed with Django's pool (before a test database is dropped, say).
Without Django's pool (a pooler such as PgBouncer in front) there is no side pool.
"""

from __future__ import annotations

import select
import threading
from typing import Any

import psycopg
from django.db.backends.postgresql import base

from blockdesk.common.postgresql_backend.replan import replan_stale_statements

# A side statement is short: two connections serve every request thread of a process.
SIDE_POOL_SIZE = 2
# A side statement never waits long for a row lock (its caller's own transaction may hold
# the row): set once per connection, so each statement is one round trip in autocommit.
SIDE_LOCK_TIMEOUT = "1s"


def _configure_side(raw: Any) -> None:
    raw.execute(f"SET lock_timeout = '{SIDE_LOCK_TIMEOUT}'")


def _quiet(raw: Any) -> bool:
    """Nothing to read on the idle connection's socket: a poll, no round trip."""
    poller = select.poll()
    try:
        poller.register(raw.fileno(), select.POLLIN)
    except (OSError, ValueError, psycopg.Error):  # closed already
        return False
    return not poller.poll(0)


def _answers(raw: Any) -> bool:
    """psycopg_pool's own check (an empty query), for a connection the server wrote to."""
    from psycopg_pool import ConnectionPool

    try:
        ConnectionPool.check_connection(raw)
    except psycopg.Error:
        return False
    return True


_side_pools: dict[str, Any] = {}
_side_pools_lock = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Prepared statements made stale by a migration (replan.py says when and how).
        self.execute_wrappers.append(replan_stale_statements)

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        pool = self.pool  # type: ignore[attr-defined]  # (django-stubs lack the pool)
        if pool is None:
            return super().get_new_connection(conn_params)
        # settings.py turns CONN_HEALTH_CHECKS off with the pool: checked here instead.
        for _ in range(pool.max_size + 1):
            raw = super().get_new_connection(conn_params)
            if _quiet(raw) or _answers(raw):
                return raw
            raw.close()
            pool.putconn(raw)  # a closed connection: the pool drops it and opens another
        return super().get_new_connection(conn_params)

    @property
    def side_pool(self) -> Any | None:
        """psycopg_pool's ConnectionPool of autocommit connections (a statement each is its
        own transaction; lock_timeout SIDE_LOCK_TIMEOUT), or None."""
        if self.pool is None:  # type: ignore[attr-defined]  # (django-stubs lack the pool)
            return None
        with _side_pools_lock:
            pool = _side_pools.get(self.alias)
            if pool is None:
                from psycopg_pool import ConnectionPool

                params = self.get_connection_params()
                params["autocommit"] = True
                pool = ConnectionPool(
                    kwargs=params,
                    min_size=1,
                    max_size=SIDE_POOL_SIZE,
                    name=f"{self.alias}-side",
                    configure=_configure_side,
                    open=True,
                )
                _side_pools[self.alias] = pool
        return pool

    def close_pool(self) -> None:
        super().close_pool()  # type: ignore[misc]
        with _side_pools_lock:
            pool = _side_pools.pop(self.alias, None)
        if pool is not None:
            pool.close()
