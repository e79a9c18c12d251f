"""A prepared statement that a schema change made stale, dropped and run again.

Statements a connection runs often are prepared (settings.py: prepare_threshold). When a
migration changes the type of a column such a statement returns (a longer `max_length`,
say) while servers keep running, PostgreSQL refuses the prepared statement ("cached plan
must not change result type", SQLSTATE 0A000) every time that connection runs it. Inside a
transaction Django rolls back, and psycopg drops its prepared statements with the
rollback: the next request prepares afresh. Outside one nothing would, so here the
connection's prepared statements are dropped (`DEALLOCATE ALL`, which psycopg follows) and
the statement runs once more.
"""

from __future__ import annotations

from typing import Any

import psycopg

# PostgreSQL's function that raises it (plancache.c): the message itself is translated
# into the server's lc_messages, the source function is not.
_STALE_PLAN_SOURCE = "RevalidateCachedQuery"


def _stale_plan(exc: BaseException) -> bool:
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    return (
        isinstance(cause, psycopg.errors.FeatureNotSupported)
        and cause.diag.source_function == _STALE_PLAN_SOURCE
    )


def replan_stale_statements(
    execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """A Django execute wrapper (installed on every connection by the backend)."""
    try:
        return execute(sql, params, many, context)
    except Exception as exc:
        connection = context["connection"]
        if not _stale_plan(exc) or not connection.get_autocommit():
            raise
        connection.connection.execute("DEALLOCATE ALL")
        return execute(sql, params, many, context)
