"""The dispatcher loop and the `events` command."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from blockdesk.accounts.models import Account
from blockdesk.events import consumers, runner
from blockdesk.events.models import ConsumerCursor, ConsumerRetry, Event
from tests.events import support

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_loop_is_woken_by_a_commit_not_its_poll(account: Account) -> None:
    seen, handle = support.recorder()
    consumers.register_consumer("loop.fast", handle)
    consumers.ensure_cursor("loop.fast")
    stop = threading.Event()

    def loop() -> None:
        try:
            runner.run_forever(stop, poll=30.0)  # a poll this long would fail the test
        finally:
            connections.close_all()

    thread = threading.Thread(target=loop)
    thread.start()
    try:
        time.sleep(0.3)  # the loop is idle, waiting
        started = time.monotonic()
        ids = support.emit_pings(account.pk, 1)
        while seen != ids and time.monotonic() - started < 10:
            time.sleep(0.01)
        assert seen == ids
        assert time.monotonic() - started < 5
    finally:
        stop.set()
        runner.wake()
        thread.join(10)


def test_events_a_long_transaction_holds_back_go_out_when_it_ends_not_at_the_poll(
    account: Account,
) -> None:
    """On PostgreSQL a commit is readable once every older transaction in the cluster has
    ended (events/log.py): the wake finds nothing, and nothing else will wake the loop."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: on SQLite a commit is readable at once")
    seen, handle = support.recorder()
    consumers.register_consumer("loop.held", handle)
    consumers.ensure_cursor("loop.held")
    stop = threading.Event()

    def loop() -> None:
        try:
            runner.run_forever(stop, poll=30.0)
        finally:
            connections.close_all()

    older = connections.create_connection("default")
    older.set_autocommit(False)
    with older.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()")  # an xid: it now holds the log back
    thread = threading.Thread(target=loop)
    thread.start()
    try:
        time.sleep(0.3)
        ids = support.emit_pings(account.pk, 1)
        time.sleep(0.5)
        assert seen == []  # held back by the older transaction
        older.commit()
        ended = time.monotonic()
        while seen != ids and time.monotonic() - ended < 25:
            time.sleep(0.01)
        assert seen == ids
        # Other test workers' transactions may hold it a little longer; the poll is 30 s.
        assert time.monotonic() - ended < 20
    finally:
        older.close()
        stop.set()
        runner.wake()
        thread.join(10)


def test_commits_close_together_are_handed_out_in_one_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pass costs a fixed few statements per consumer, so a wake waits for the gathering
    window: five commits in quick succession make one pass, not five. The loop itself is
    under test here (a stand-in pass counts what is waiting), so no other dispatcher of
    this process can take part."""
    waiting: list[int] = []
    passes: list[int] = []
    lock = threading.Lock()
    loop_thread: list[int] = []

    def one_pass(*, check_retries: bool = True) -> int:
        if threading.get_ident() not in loop_thread:
            return 0
        with lock:
            taken = len(waiting)
            waiting.clear()
        if taken:
            passes.append(taken)
        return taken

    monkeypatch.setattr(runner, "run_all_once", one_pass)
    stop = threading.Event()

    def loop() -> None:
        loop_thread.append(threading.get_ident())
        runner.run_forever(stop, poll=30.0, gather=0.5)

    thread = threading.Thread(target=loop)
    thread.start()
    try:
        time.sleep(0.3)  # idle, waiting for a wake
        for n in range(5):  # five commits, each waking the dispatcher
            with lock:
                waiting.append(n)
            runner.wake()
            time.sleep(0.02)
        deadline = time.monotonic() + 10
        while not passes and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        assert passes == [5]
    finally:
        stop.set()
        runner.wake()
        thread.join(10)


def test_events_command(account: Account, capsys: pytest.CaptureFixture[str]) -> None:
    def fails(event: Event) -> None:
        raise RuntimeError("no")

    consumers.register_consumer("cmd.projection", support.project, reset=support.reset_projection)
    consumers.register_consumer("cmd.failing", fails)
    ids = support.emit_pings(account.pk, 2)
    support.drain("cmd.projection", expect=2)
    support.drain("cmd.failing", expect=2)
    call_command("events", "status")
    out = capsys.readouterr().out
    assert "cmd.projection\tmode=transactional" in out and "retrying=2" in out

    ConsumerRetry.objects.update(dead=True)
    call_command("events", "retry", "--consumer", "cmd.failing")
    assert "2 dead events due again" in capsys.readouterr().out

    call_command("events", "replay", "--consumer", "cmd.projection", "--from-event", str(ids[1]))
    assert support.effects() == ids[:1]
    assert ConsumerCursor.objects.get(name="cmd.projection").position_id == ids[1] - 1
    support.drain("cmd.projection", expect=1)
    assert support.effects() == ids
    with pytest.raises(CommandError):
        call_command("events", "replay", "--consumer", "nobody")
    call_command("events", "purge")
    assert "0 events deleted" in capsys.readouterr().out
