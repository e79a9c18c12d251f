"""The PostgreSQL backend's pooled connections: handed out without a round trip while their
socket is quiet, and replaced before use once the server has closed them."""

from __future__ import annotations

import select
import time
from typing import Any

import pytest
from django.db import connection

from tests.conftest import only_in_postgresql_pass


def _pooled() -> Any:
    only_in_postgresql_pass()
    pool = getattr(connection, "pool", None)
    assert pool is not None, "the PostgreSQL settings pool their connections"
    return pool


def _socket_readable(raw: Any, *, within: float) -> bool:
    poller = select.poll()
    poller.register(raw.fileno(), select.POLLIN)
    return bool(poller.poll(int(within * 1000)))


@pytest.mark.django_db(transaction=True)
def test_a_quiet_pooled_connection_is_handed_out_without_a_query(monkeypatch):
    _pooled()
    import psycopg

    connection.ensure_connection()
    connection.close()  # back to the pool
    sent: list[str] = []
    real = psycopg.Connection.execute

    def recording(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query))
        return real(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "execute", recording)
    connection.ensure_connection()
    assert sent == []  # Django's own pool check sends "" here: a round trip per request
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db(transaction=True)
def test_connections_the_server_closed_are_replaced_before_a_request_uses_them():
    """What a PostgreSQL restart does to idle pooled connections: the next request gets a
    working connection, not the dead one's error."""
    pool = _pooled()
    import psycopg

    connection.ensure_connection()
    first_pid = connection.connection.info.backend_pid
    raw = connection.connection
    connection.close()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**{**params, "autocommit": True}) as admin:
        cut = [
            pid
            for (pid, _) in admin.execute(  # in the select list: only the rows kept
                "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        ]
        assert first_pid in cut
        # pg_terminate_backend only signals: each backend writes its reason and exits in its
        # own time. Once every cut one has left pg_stat_activity each socket has its reason
        # (a checkout in the moment between is met by its first statement, as after a check).
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            (left,) = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [cut]
            ).fetchone() or (0,)
            if not left:
                break
            time.sleep(0.01)
        else:
            pytest.fail(f"the cut backends did not exit: {cut}")
    assert _socket_readable(raw, within=5)  # the server said why before it closed
    deadline = time.monotonic() + 5
    while pool.get_stats().get("pool_available", 0) < 1 and time.monotonic() < deadline:
        time.sleep(0.01)  # the dead ones are still in the pool, waiting to be handed out
    try:
        for _ in range(3):  # each request gets a live connection (none answers with an error)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            assert pid != first_pid
            connection.close()
    finally:
        # A failed statement above leaves Django's connection holding the dead one (the
        # request's end would drop it; a test's does not): drop it before the pools go.
        connection.connection = None
        connection.close_pool()  # type: ignore[attr-defined]  # the side pool's connections were cut too: new pools


@pytest.mark.django_db(transaction=True)
def test_a_statement_run_often_on_a_connection_is_prepared():
    """Django turns psycopg's automatic preparing off unless asked (settings ask for it with
    server-side binding): the message path's statements, run on every message, are then
    parsed and planned once per connection instead of each time."""
    _pooled()
    from blockdesk.conversations.models import Conversation

    def prepared() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return {row[0] for row in cursor.fetchall()}

    for pk in range(1, 7):  # psycopg prepares on the fifth run (prepare_threshold)
        list(Conversation.objects.filter(pk=pk).values_list("pk"))
    assert [s for s in prepared() if '"conversations_conversation"' in s], prepared()


@pytest.mark.django_db(transaction=True)
def test_a_statement_a_migration_made_stale_runs_again():
    """A migration on another node changes a column's type under a running server: the
    server's prepared statement is refused ("cached plan must not change result type").
    Outside a transaction it is dropped and run again; inside one the request fails, the
    rollback drops it, and the next runs."""
    _pooled()
    import psycopg
    from django.db import NotSupportedError, transaction

    def read() -> list[tuple[str]]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT x FROM replan_probe WHERE x = %s", ["a"])
            return list(cursor.fetchall())

    def migrate_elsewhere(length: int) -> None:
        params = connection.get_connection_params()
        with psycopg.connect(**{**params, "autocommit": True}) as other:
            other.execute(f"ALTER TABLE replan_probe ALTER COLUMN x TYPE varchar({length})")

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE replan_probe (x varchar(10))")
        cursor.execute("INSERT INTO replan_probe VALUES ('a')")
    try:
        for _ in range(6):  # prepared from the fifth run
            assert read() == [("a",)]
        migrate_elsewhere(20)
        assert read() == [("a",)]

        for _ in range(6):
            read()
        migrate_elsewhere(30)
        with pytest.raises(NotSupportedError), transaction.atomic():
            read()
        with transaction.atomic():
            assert read() == [("a",)]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE replan_probe")
