"""PostgreSQL only: a late-committing transaction is never skipped, and several workers
share a consumer without handling an event twice."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connections, transaction

from blockdesk.accounts.models import Account
from blockdesk.events import consumers
from blockdesk.events.models import ConsumerCursor, Event
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from tests.conftest import only_in_postgresql_pass
from tests.events import support

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    only_in_postgresql_pass()


def _ping(account_id: int, n: int) -> Event:
    return emit(
        account_id=account_id,
        name=support.PING,
        payload={"n": n},
        actor=Actor.system(),
        subject=Subject("test", n),
    )


def test_an_event_committed_late_with_a_smaller_id_is_not_skipped(account: Account) -> None:
    seen, handle = support.recorder()
    consumers.register_consumer("pg.order", handle)
    a_emitted, a_may_commit = threading.Event(), threading.Event()
    a_event: list[Event] = []
    failure: list[BaseException] = []

    def transaction_a() -> None:
        try:
            with transaction.atomic():
                a_event.append(_ping(account.pk, 1))
                a_emitted.set()
                assert a_may_commit.wait(30)
        except BaseException as exc:  # reported by the main thread
            failure.append(exc)
            a_emitted.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=transaction_a)
    thread.start()
    try:
        assert a_emitted.wait(30) and not failure
        with transaction.atomic():
            b = _ping(account.pk, 2)  # B commits first, with the larger id
        assert b.pk > a_event[0].pk
        # A is still open: the dispatcher must not move past A's event, so it waits.
        assert consumers.dispatch_once("pg.order") == 0
        assert seen == []
        assert ConsumerCursor.objects.get(name="pg.order").position == (0, 0)
    finally:
        a_may_commit.set()
        thread.join(30)
    assert not failure
    assert support.drain("pg.order", expect=2) == 2
    assert seen == [a_event[0].pk, b.pk]  # each once, in commit-safe order
    assert consumers.dispatch_once("pg.order") == 0


@pytest.mark.parametrize("mode", ["transactional", "at_least_once"])
def test_two_workers_share_500_events_without_double_handling(account: Account, mode: str) -> None:
    handled: Counter[int] = Counter()
    by_worker: Counter[str] = Counter()
    lock = threading.Lock()

    def handle(event: Event) -> None:
        support.project(event)  # a plain insert: a double would show as two rows
        with lock:
            handled[event.pk] += 1
            by_worker[threading.current_thread().name] += 1

    consumers.register_consumer("pg.shared", handle, mode=mode)  # type: ignore[arg-type]
    with transaction.atomic():
        ids = [_ping(account.pk, n).pk for n in range(500)]
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            idle = 0
            while idle < 40 and sum(handled.values()) < 500:
                got = consumers.dispatch_once("pg.shared", batch=20)
                idle = 0 if got else idle + 1
                if not got:
                    threading.Event().wait(0.05)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, name=f"w{i}") for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert sorted(handled) == ids
    assert set(handled.values()) == {1}
    assert support.effects() == ids
    assert sum(by_worker.values()) == 500
