"""Consumers on either database: order, isolation, retries, replay, retention."""

from __future__ import annotations

import datetime as dt
import time
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blockdesk.accounts.models import Account
from blockdesk.common.periodic import jobs
from blockdesk.events import consumers, runner
from blockdesk.events.models import ConsumerCursor, ConsumerRetry, Event
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import (
    do_purge_events,
    do_replay,
    do_requeue_dead,
    emit,
)
from tests.events import support

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("mode", ["transactional", "at_least_once"])
def test_each_event_is_handled_once_in_order(account: Account, mode: str) -> None:
    seen, handle = support.recorder()
    consumers.register_consumer("t.order", handle, mode=mode)  # type: ignore[arg-type]
    ids = support.emit_pings(account.pk, 5)
    assert support.drain("t.order", expect=5) == 5
    ids += support.emit_pings(account.pk, 3, start=5)
    assert support.drain("t.order", expect=3) == 3
    assert consumers.dispatch_once("t.order") == 0
    assert seen == ids
    assert ConsumerCursor.objects.get(name="t.order").position_id == ids[-1]


def _handler_clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The dispatcher's clock, moved only by the test's handler (`now[0] += seconds`)."""
    now = [1000.0]
    monkeypatch.setattr(consumers, "time", SimpleNamespace(monotonic=lambda: now[0]))
    return now


def test_a_slow_transactional_consumer_commits_when_its_time_is_up(
    account: Account, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch stops at the transaction's time budget; the cursor moves past what was
    handled and the next transaction takes the rest, each event once, in order."""
    settings.EVENT_TRANSACTION_SECONDS = 0.05  # type: ignore[attr-defined]
    seen, record = support.recorder()
    # 30 ms an event: a real sleep on a loaded machine once took the whole budget on the
    # first event (CI saw 1, not 2).
    now = _handler_clock(monkeypatch)

    def slow(event: Event) -> None:
        record(event)
        now[0] += 0.03

    consumers.register_consumer("t.slow", slow, mode="transactional")
    ids = support.emit_pings(account.pk, 6)
    support.wait_readable(ids)
    first = consumers.dispatch_once("t.slow")
    assert first == 2  # 30 ms + 30 ms passes the 50 ms budget
    assert ConsumerCursor.objects.get(name="t.slow").position_id == ids[1]
    assert support.drain("t.slow", expect=4) == 4
    assert seen == ids


def test_a_healthy_batch_runs_in_one_savepoint(account: Account) -> None:
    """A consumer without a batch handler still pays one savepoint per batch, not per
    event (two statements per event and consumer on the widget's hot path)."""
    seen, record = support.recorder()
    consumers.register_consumer("t.run", record, mode="transactional")
    ids = support.emit_pings(account.pk, 5)
    support.wait_readable(ids)
    with CaptureQueriesContext(connection) as queries:
        assert consumers.dispatch_once("t.run") == 5
    savepoints = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 1
    assert seen == ids


def test_a_failing_event_in_a_run_is_redone_one_at_a_time(account: Account) -> None:
    """The run's savepoint rolls back what the events before the failing one wrote; they
    are handled again one at a time, so each leaves its effect once."""
    failed: list[int] = []

    def flaky(event: Event) -> None:
        support.project(event)  # a plain insert: a double would show
        if event.payload["n"] == 2:
            failed.append(event.pk)
            raise ValueError("not this one")

    consumers.register_consumer("t.flaky", flaky, mode="transactional")
    ids = support.emit_pings(account.pk, 4)
    support.wait_readable(ids)
    assert consumers.dispatch_once("t.flaky") == 4
    effects = support.effects()
    assert sorted(effects) == sorted([ids[0], ids[1], ids[3]])
    assert failed == [ids[2], ids[2]]  # in the run, then on its own
    assert ConsumerRetry.objects.get(consumer__name="t.flaky").event_id == ids[2]


def test_a_slow_batch_handler_gets_smaller_batches_then_larger_again(
    account: Account, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch that takes longer than the transaction's budget halves the next batch;
    quick batches double it back. Every event is still handled once, in order."""
    settings.EVENT_TRANSACTION_SECONDS = 0.05  # type: ignore[attr-defined]
    seen: list[int] = []
    pause = {"per_event": 0.02}
    # A "quick" batch must take under half the budget (25 ms): not promised in real time.
    now = _handler_clock(monkeypatch)

    def one(event: Event) -> None:
        seen.append(event.pk)

    def many(events: list[Event]) -> None:
        seen.extend(event.pk for event in events)
        now[0] += pause["per_event"] * len(events)

    consumers.register_consumer("t.batches", one, batch_handler=many, mode="transactional")
    ids = support.emit_pings(account.pk, 8)
    support.wait_readable(ids)
    assert consumers.dispatch_once("t.batches") == 8  # 160 ms: over the 50 ms budget
    more = support.emit_pings(account.pk, 8, start=8)
    support.wait_readable(more)
    pause["per_event"] = 0.0
    assert consumers.dispatch_once("t.batches") == 4  # halved (this one is quick)
    more += support.emit_pings(account.pk, 8, start=16)
    support.wait_readable(more)
    assert consumers.dispatch_once("t.batches") == 8  # doubled back: 4 + 4 of the 12 left
    assert support.drain("t.batches", expect=4) == 4
    assert seen == ids + more


def test_a_consumer_sees_only_its_event_names(account: Account) -> None:
    seen, handle = support.recorder()
    consumers.register_consumer("t.other", handle, event_names=[support.OTHER])
    support.emit_pings(account.pk, 2)
    with transaction.atomic():
        other = emit(
            account_id=account.pk,
            name=support.OTHER,
            payload={"flag": True},
            actor=Actor.contact(1),
            subject=Subject("contact", 1),
        )
    support.drain("t.other", expect=1)
    assert seen == [other.pk]


def test_a_failing_consumer_isolated_retried_with_backoff_then_dead(
    account: Account, settings: object
) -> None:
    settings.EVENT_MAX_ATTEMPTS = 3  # type: ignore[attr-defined]
    calls: list[int] = []

    def poison(event: Event) -> None:
        calls.append(event.pk)
        support.project(event)  # rolled back with the savepoint
        if event.payload["n"] == 1:
            raise ValueError("cannot handle this one")

    consumers.register_consumer("t.poison", poison)
    consumers.register_consumer("t.healthy", support.project_idempotent)
    ids = support.emit_pings(account.pk, 3)  # the emitting transactions never notice

    total, deadline = 0, time.monotonic() + 20
    while total < 6 and time.monotonic() < deadline:  # see support.drain on PostgreSQL
        total += runner.run_all_once()
    assert total == 6
    # Called once more when its batch first ran in one savepoint (that run rolled back).
    first_pass = calls.count(ids[1])
    assert first_pass in (1, 2)
    # The poison event did not block the cursor, and the healthy consumer got everything.
    assert ConsumerCursor.objects.get(name="t.poison").position_id == ids[-1]
    retry = ConsumerRetry.objects.get(consumer__name="t.poison")
    assert (retry.event_id, retry.attempts, retry.dead) == (ids[1], 1, False)
    assert retry.next_attempt_at > timezone.now() + dt.timedelta(seconds=9)  # backoff
    assert "cannot handle this one" in retry.last_error
    assert support.effects().count(ids[1]) == 1  # the healthy consumer's, not the poison's

    assert consumers.dispatch_retries("t.poison") == 0  # not due yet
    for attempt in (2, 3):
        ConsumerRetry.objects.update(next_attempt_at=timezone.now())
        assert consumers.dispatch_retries("t.poison") == 1
        retry.refresh_from_db()
        assert retry.attempts == attempt
    assert retry.dead
    ConsumerRetry.objects.update(next_attempt_at=timezone.now())
    assert consumers.dispatch_retries("t.poison") == 0  # dead: left for an admin
    assert calls.count(ids[1]) == first_pass + 2

    assert do_requeue_dead(consumer="t.poison") == 1
    retry.refresh_from_db()
    assert (retry.dead, retry.attempts) == (False, 0)


def test_a_failed_event_that_succeeds_on_retry_is_handled_once(account: Account) -> None:
    failures = {"left": 1}

    def flaky(event: Event) -> None:
        support.project(event)
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("receiver down")

    consumers.register_consumer("t.flaky", flaky)
    ids = support.emit_pings(account.pk, 1)
    support.drain("t.flaky", expect=1)
    assert support.effects() == []
    ConsumerRetry.objects.update(next_attempt_at=timezone.now())
    assert consumers.dispatch_retries("t.flaky") == 1
    assert support.effects() == ids
    assert not ConsumerRetry.objects.exists()


def test_replay_rebuilds_a_consumers_derived_table(account: Account) -> None:
    consumers.register_consumer("t.projection", support.project, reset=support.reset_projection)
    ids = support.emit_pings(account.pk, 4)
    support.drain("t.projection", expect=4)
    assert support.effects() == ids
    # The derived table is damaged; a replay from the beginning rebuilds it exactly.
    from blockdesk.conversations.models import Contact

    Contact.objects.filter(name=f"effect {ids[0]}").delete()
    Contact.objects.create(account=account, name="effect 999999")
    do_replay(consumer="t.projection")
    assert support.drain("t.projection", expect=4) == 4
    assert support.effects() == ids
    # From an event on: only that part is redone.
    do_replay(consumer="t.projection", from_event_id=ids[2])
    assert support.drain("t.projection", expect=2) == 2
    assert support.effects() == ids


def test_purge_keeps_what_a_lagging_consumer_has_not_read(
    account: Account, settings: object
) -> None:
    settings.EVENT_RETENTION_DAYS = 30  # type: ignore[attr-defined]
    consumers.register_consumer("t.fast", support.project_idempotent)
    consumers.register_consumer("t.slow", lambda event: None)
    consumers.register_consumer("t.unrelated", lambda event: None, event_names=[support.OTHER])
    ids = support.emit_pings(account.pk, 4)
    Event.objects.update(occurred_at=timezone.now() - dt.timedelta(days=31))
    fresh = support.emit_pings(account.pk, 1, start=9)
    support.drain("t.fast", expect=5)
    # The slow consumer has read the first two only; "t.unrelated" never reads pings.
    consumers.ensure_cursor("t.slow")
    ConsumerCursor.objects.filter(name="t.slow").update(position_id=ids[1])
    if support.uses_txid():
        txid = Event.objects.get(pk=ids[1]).txid
        ConsumerCursor.objects.filter(name="t.slow").update(position_txid=txid)
    assert do_purge_events() == 2
    assert sorted(Event.objects.values_list("pk", flat=True)) == ids[2:] + fresh
    settings.EVENT_RETENTION_DAYS = 0  # type: ignore[attr-defined]
    support.drain("t.slow", expect=3)
    assert do_purge_events() == 0  # 0 keeps everything
    settings.EVENT_RETENTION_DAYS = 30  # type: ignore[attr-defined]
    assert do_purge_events() == 2
    assert do_purge_events in jobs()


def test_run_all_once_isolates_a_broken_consumer(account: Account) -> None:
    seen, handle = support.recorder()
    consumers.register_consumer("a.broken", handle, event_names=["test.pinged"])
    consumers.register_consumer("b.works", support.project_idempotent)
    ids = support.emit_pings(account.pk, 2)
    # A broken dispatch (its cursor cannot be read back) is logged and skipped.
    original = consumers.dispatch_once

    def explode(name: str, **kwargs: object) -> int:
        if name == "a.broken":
            raise RuntimeError("dispatcher bug")
        return original(name)

    consumers.dispatch_once = explode  # type: ignore[assignment]
    try:
        deadline = timezone.now() + dt.timedelta(seconds=20)
        while support.effects() != ids and timezone.now() < deadline:
            runner.run_all_once()
    finally:
        consumers.dispatch_once = original  # type: ignore[assignment]
    assert support.effects() == ids
    assert seen == []
