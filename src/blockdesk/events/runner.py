"""Runs every consumer: `run_forever` in a thread of `manage.py serve` (embedded mode) or
in `manage.py events run` workers (scale-out; any number of them).

A run has a fixed cost (a few statements per consumer) whatever it hands out, and every
committed change wakes the dispatcher. Run once per commit, that fixed cost was 40–55 %
more server CPU per customer message than the request itself (docs/benchmarks/widget.md).
So a wake is not answered at once: the commits of the next EVENT_GATHER_SECONDS are handed
out together. Webhooks, reply emails and service records can wait that long; nothing
a person watches live goes through here (sockets are pushed from the request)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

if TYPE_CHECKING:
    from blockdesk.events.consumers import LogTail
    from blockdesk.events.models import Event

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.25
# While committed events wait for an older transaction elsewhere in the cluster to end
# (PostgreSQL, events/log.py), the dispatcher looks again this often rather than at its poll.
HELD_BACK_RECHECK_SECONDS = 0.1
# A pass reads the new events once for every consumer when they are at most this many
# (more: the dispatcher is catching up, and each consumer reads its own batches).
TAIL_LIMIT = 500
# Retries are due 10 s or more after a failure: looking for them on every run is waste.
RETRY_CHECK_SECONDS = 1.0
# The dispatcher keeps its connection between runs; it is checked (and replaced when
# broken or older than CONN_MAX_AGE) this often, and after any error.
CONNECTION_CHECK_SECONDS = 30.0
_wakeup = threading.Event()


_inline = threading.local()


def wake(committed: Event | None = None) -> None:
    """Called after an emitting transaction commits (with one of its events): the
    dispatcher in this process runs soon (after the gathering window) instead of at its
    next poll. The consumers named in settings.EVENT_INLINE_CONSUMERS run at once, in
    this thread (tests)."""
    _wakeup.set()
    if settings.EVENT_INLINE_CONSUMERS:
        dispatch_inline(settings.EVENT_INLINE_CONSUMERS, committed=committed)


def dispatch_inline(names: Sequence[str], *, committed: Event | None = None) -> None:
    """Hands these consumers everything pending, now, in the calling thread: what
    django-tasks' ImmediateBackend is to tasks, for tests that follow a reaction through
    (a customer message → the assistant's answer). A handler's own commit (a consumer
    that emits) lands here again while this runs: the loop below picks its events up.
    `committed`: an event of the commit that called; on PostgreSQL it is readable only
    once every older transaction in the cluster has ended (events/log.py), so wait."""
    from blockdesk.events.consumers import dispatch_once

    if getattr(_inline, "running", False):
        return
    _inline.running = True
    try:
        if committed is not None:
            _wait_readable(committed)
        while sum(dispatch_once(name) for name in names):
            pass
    finally:
        _inline.running = False


def _wait_readable(event: Event, *, timeout: float = 60.0) -> None:
    from blockdesk.events import log
    from blockdesk.events.models import Event as EventRow

    deadline = time.monotonic() + timeout
    readable = log.visible(EventRow.objects.filter(pk=event.pk))
    while not readable.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


@dataclass
class _Work:
    events: bool
    retries: bool


def _work_for(
    name: str,
    names: frozenset[str] | None,
    position: tuple[int, int] | None,
    *,
    check_retries: bool,
    tail: LogTail | None,
) -> _Work:
    """Cheap reads, so an idle poll neither locks rows nor takes SQLite's write lock."""
    from blockdesk.events import log
    from blockdesk.events.models import ConsumerRetry

    if position is None:
        return _Work(events=True, retries=False)  # a new consumer: dispatch creates its cursor
    retries = (
        check_retries
        and ConsumerRetry.objects.filter(
            consumer__name=name, dead=False, next_attempt_at__lte=timezone.now()
        ).exists()
    )
    found = tail.batch_after(position, names, 1) if tail is not None else None
    if found is not None:
        return _Work(events=bool(found), retries=retries)
    return _Work(events=log.pending(position, names).exists(), retries=retries)


def read_tail(positions: list[tuple[int, int]]) -> LogTail | None:
    """One read of the log for the pass, from the cursor furthest behind; None when that
    is more than TAIL_LIMIT events behind the end (each consumer then reads its own)."""
    from blockdesk.events import log
    from blockdesk.events.consumers import LogTail

    if not positions:
        return None
    start = min(positions)
    events = list(log.pending(start, None)[: TAIL_LIMIT + 1])
    if len(events) > TAIL_LIMIT:
        return None
    return LogTail(start=start, events=events)


def run_all_once(*, check_retries: bool = True) -> int:
    """Dispatches every consumer once (events, then due retries); returns how many events
    were handed out. A failing consumer is logged and skipped: the others still run."""
    from blockdesk.events.consumers import all_consumers, dispatch_once, dispatch_retries
    from blockdesk.events.models import ConsumerCursor

    consumers = all_consumers()
    if not consumers:
        return 0
    try:
        cursors = {
            c.name: c for c in ConsumerCursor.objects.filter(name__in=[c.name for c in consumers])
        }
        # Every consumer reads the same new events: read them once (a new consumer, with
        # no cursor yet, reads its own).
        tail = read_tail([c.position for c in cursors.values() if not c.paused])
    except Exception:
        logger.exception("event dispatcher: cannot read the cursors")
        close_old_connections()
        return 0
    total = 0
    for consumer in consumers:
        cursor = cursors.get(consumer.name)
        try:
            if cursor is not None and cursor.paused:
                continue
            position = cursor.position if cursor is not None else None
            work = _work_for(
                consumer.name,
                consumer.event_names,
                position,
                check_retries=check_retries,
                tail=tail,
            )
            if work.events:
                total += dispatch_once(consumer.name, has_cursor=cursor is not None, tail=tail)
            if work.retries:
                total += dispatch_retries(consumer.name)
        except Exception:
            logger.exception("event consumer %s: dispatch failed", consumer.name)
            close_old_connections()
    return total


def _held_back() -> bool:
    """Whether a cursor has committed events behind it that are not readable yet."""
    from blockdesk.events import log
    from blockdesk.events.models import ConsumerCursor

    try:
        cursors = ConsumerCursor.objects.filter(paused=False)
        first = cursors.order_by("position_txid", "position_id").first()
        return first is not None and log.held_back(first.position)
    except DatabaseError:
        logger.exception("event dispatcher: cannot read the cursors")
        close_old_connections()
        return False


def run_forever(
    stop: threading.Event | None = None,
    *,
    poll: float = POLL_SECONDS,
    gather: float | None = None,
) -> None:
    stop = stop or threading.Event()
    gather = settings.EVENT_GATHER_SECONDS if gather is None else gather
    retries_checked = connection_checked = time.monotonic()
    woken = False  # the last run followed a wake: something was committed
    while not stop.is_set():
        _wakeup.clear()  # before the run: a wake during it is not lost
        now = time.monotonic()
        check_retries = now - retries_checked >= RETRY_CHECK_SECONDS
        if check_retries:
            retries_checked = now
        handled = run_all_once(check_retries=check_retries)
        if now - connection_checked >= CONNECTION_CHECK_SECONDS:
            close_old_connections()
            connection_checked = now
        if handled:
            # More may be waiting (a batch is at most 100 per consumer): go on, after
            # letting the commits of the gathering window land.
            stop.wait(gather)
        elif woken and _held_back():
            # Woken for events a long transaction elsewhere still holds back: they turn
            # readable with no further commit to wake us, so look again soon.
            _wakeup.wait(HELD_BACK_RECHECK_SECONDS)
            continue
        elif _wakeup.wait(poll):
            woken = True
            stop.wait(gather)
            continue
        woken = False
    close_old_connections()
