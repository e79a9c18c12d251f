"""A dispatcher pass reads the new events once for every consumer (runner.read_tail), and
falls back to each consumer's own reads when the log's tail is too long or a consumer is
behind it: the same events, in the same order, either way."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blockdesk.accounts.models import Account
from blockdesk.events import consumers, log, runner
from tests.events import support

pytestmark = pytest.mark.django_db(transaction=True)


def _event_reads(queries: CaptureQueriesContext) -> int:
    return sum(
        1
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT") and '"events_event"' in q["sql"]
    )


def _register(names: list[str]) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = {}
    for name in names:
        seen[name], handle = support.recorder()
        consumers.register_consumer(name, handle)
        consumers.ensure_cursor(name)
    return seen


def test_one_pass_reads_the_events_once_for_every_consumer(account: Account) -> None:
    seen = _register(["t.one", "t.two", "t.three"])
    ids = support.emit_pings(account.pk, 5)
    # On PostgreSQL a transaction elsewhere in the cluster can keep new events invisible
    # for a moment (events/log.py): wait until all five can be read.
    deadline = time.monotonic() + 20
    while log.pending((0, 0), None).count() < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    with CaptureQueriesContext(connection) as queries:
        assert runner.run_all_once(check_retries=False) == 15
    assert all(got == ids for got in seen.values())
    assert _event_reads(queries) == 1


def test_a_long_tail_or_a_consumer_behind_it_reads_its_own(
    account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _register(["t.ahead", "t.behind"])
    first = support.emit_pings(account.pk, 3)
    # "ahead" has handled the first three; "behind" has not.
    assert support.drain("t.ahead", expect=3) == 3
    later = support.emit_pings(account.pk, 3, start=3)
    monkeypatch.setattr(runner, "TAIL_LIMIT", 4)  # the six from "behind" are too many
    total, deadline = 0, time.monotonic() + 20  # see above on PostgreSQL
    while total < 3 + 6 and time.monotonic() < deadline:
        total += runner.run_all_once(check_retries=False)
    assert total == 3 + 6
    assert seen["t.ahead"] == first + later
    assert seen["t.behind"] == first + later


def test_a_tail_never_hands_out_what_a_consumer_already_passed() -> None:
    from blockdesk.events.consumers import LogTail
    from blockdesk.events.models import Event

    events = [Event(pk=n, txid=None, name="a" if n % 2 else "b") for n in range(5, 10)]
    tail = LogTail(start=(0, 4), events=events)
    assert [e.pk for e in tail.batch_after((0, 6), None, 10)] == [7, 8, 9]
    assert [e.pk for e in tail.batch_after((0, 4), frozenset({"a"}), 1)] == [5]
    assert tail.batch_after((0, 3), None, 10) is None  # behind the tail: read the log
    assert tail.batch_after((0, 9), None, 10) == []
