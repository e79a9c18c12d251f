"""Consumers of the event log and the dispatcher that feeds them.

A consumer has its own cursor. `dispatch_once` hands it the next batch of events in log
order; `dispatch_retries` hands it again the events it failed on, with backoff, until it
succeeds or the event is dead (shown to admins). One failing event never blocks the
cursor, and one failing consumer never touches another (each runs in its own
transaction) nor the request that emitted the event (that only wrote a row).

Two modes:
- "transactional": the handler writes only to this database. Its writes and the cursor
  move commit together (each event in a savepoint), so its effect happens exactly once.
  Workers share the work through a row lock on the cursor (skip_locked: a worker never
  waits for another; on SQLite writers are serialised anyway).
- "at_least_once": the handler talks to the outside world. It runs outside any
  transaction (no lock held, no snapshot pinned, during a slow call); a lease on the
  cursor says which worker owns it, and a worker killed mid-call leaves the event to be
  handled again when the lease lapses. Handlers must be idempotent by event id.

A transactional consumer may also give a `batch_handler`, called with a whole batch in one
savepoint: the same effect as the handler on each event in order, at the fixed cost of one
call (the service records append a batch under one lock). If it raises, the batch is
handed out again one event at a time, so only the failing event gets a retry.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from blockdesk.events import log
from blockdesk.events.models import ConsumerCursor, ConsumerRetry, Event

logger = logging.getLogger(__name__)

Mode = Literal["transactional", "at_least_once"]
Handler = Callable[[Event], object]
BatchHandler = Callable[[Sequence[Event]], object]
# reset(from_event_id): forget the derived state from that event on (None: all of it).
Reset = Callable[[int | None], object]

RETRY_BASE_SECONDS = 10.0
RETRY_MAX_SECONDS = 3600.0
ERROR_MAX_LENGTH = 500


@dataclass(frozen=True)
class Consumer:
    name: str
    handler: Handler
    event_names: frozenset[str] | None
    mode: Mode
    reset: Reset | None
    batch_handler: BatchHandler | None = None


_CONSUMERS: dict[str, Consumer] = {}


def register_consumer(
    name: str,
    handler: Handler,
    *,
    event_names: Iterable[str] | None = None,
    mode: Mode = "transactional",
    reset: Reset | None = None,
    batch_handler: BatchHandler | None = None,
) -> Consumer:
    if mode not in ("transactional", "at_least_once"):
        raise ImproperlyConfigured(f"consumer {name!r}: unknown mode {mode!r}")
    if batch_handler is not None and mode != "transactional":
        # Outside a transaction a half-done batch could not be told from a done one.
        raise ImproperlyConfigured(f"consumer {name!r}: a batch handler must be transactional")
    names = frozenset(event_names) if event_names is not None else None
    consumer = Consumer(
        name=name,
        handler=handler,
        event_names=names,
        mode=mode,
        reset=reset,
        batch_handler=batch_handler,
    )
    existing = _CONSUMERS.get(name)
    if existing is not None and existing != consumer:
        raise ImproperlyConfigured(f"consumer {name!r} is registered twice, differently")
    _CONSUMERS[name] = consumer
    return consumer


def unregister_consumer(name: str) -> None:
    """For tests."""
    _CONSUMERS.pop(name, None)


def get_consumer(name: str) -> Consumer:
    try:
        return _CONSUMERS[name]
    except KeyError:
        raise LookupError(f"no consumer named {name!r}") from None


def all_consumers() -> list[Consumer]:
    return sorted(_CONSUMERS.values(), key=lambda c: c.name)


# --- helpers ----------------------------------------------------------------------


def ensure_cursor(name: str) -> ConsumerCursor:
    """A new consumer starts at the beginning of the log (one that must not act on old
    events gets its cursor from a migration instead, see assistant/migrations/0008)."""
    cursor = ConsumerCursor.objects.filter(name=name).first()
    if cursor is not None:
        return cursor
    try:
        with transaction.atomic():
            return ConsumerCursor.objects.create(name=name)
    except IntegrityError:  # another worker created it just now
        return ConsumerCursor.objects.get(name=name)


def backoff(attempts: int) -> dt.timedelta:
    """10 s, 20 s, 40 s … capped at an hour, plus up to 25 % jitter."""
    seconds = min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS)
    return dt.timedelta(seconds=seconds * (1 + random.random() / 4))


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:ERROR_MAX_LENGTH]


def _record_failure(cursor: ConsumerCursor, event: Event, exc: BaseException) -> None:
    now = timezone.now()
    error = _error_text(exc)
    retry, created = ConsumerRetry.objects.get_or_create(
        consumer=cursor,
        event=event,
        defaults={"attempts": 1, "next_attempt_at": now + backoff(1), "last_error": error},
    )
    if not created:
        _fail_again(retry, exc)
    ConsumerCursor.objects.filter(pk=cursor.pk).update(last_error=error, last_error_at=now)


def _fail_again(retry: ConsumerRetry, exc: BaseException) -> None:
    retry.attempts += 1
    retry.last_error = _error_text(exc)
    retry.dead = retry.attempts >= settings.EVENT_MAX_ATTEMPTS
    retry.next_attempt_at = timezone.now() + backoff(retry.attempts)
    retry.save(update_fields=["attempts", "last_error", "dead", "next_attempt_at", "updated_at"])


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.EVENT_LEASE_SECONDS)


# --- the main stream --------------------------------------------------------------


@dataclass(frozen=True)
class LogTail:
    """The visible events after `start`, read once for a whole dispatcher pass: every
    consumer takes its batch from it instead of reading (and decoding) the same rows
    again. Complete up to the end of the log as it was when read, so a batch taken from
    it is the batch a fresh read would give, but for events committed since (the next
    pass has them)."""

    start: log.Position
    events: list[Event]

    def batch_after(
        self, position: log.Position, names: frozenset[str] | None, batch: int
    ) -> list[Event] | None:
        """The next `batch` events after `position` of these names; None when the tail
        does not cover `position` (the consumer is behind its start: read the log)."""
        if position < self.start:
            return None
        found: list[Event] = []
        for event in self.events:
            if event.position > position and (names is None or event.name in names):
                found.append(event)
                if len(found) == batch:
                    break
        return found


def dispatch_once(
    name: str, *, batch: int = 100, has_cursor: bool = False, tail: LogTail | None = None
) -> int:
    """Hands consumer `name` its next batch; returns how many events it was given
    (0 when there were none, or another worker holds the consumer). `has_cursor`: the
    caller has just read the consumer's cursor (saves a query on the hot loop); `tail`:
    the pass's shared read of the log (runner.run_all_once)."""
    consumer = get_consumer(name)
    if not has_cursor:
        ensure_cursor(name)
    if consumer.mode == "transactional":
        return _dispatch_transactional(consumer, batch, tail)
    return _dispatch_at_least_once(consumer, batch, tail)


def _next_batch(
    consumer: Consumer, cursor: ConsumerCursor, batch: int, tail: LogTail | None
) -> list[Event]:
    """From the pass's tail when it covers the cursor (as just read, under its lock or
    lease: another worker may have moved it), else from the log."""
    if tail is not None:
        found = tail.batch_after(cursor.position, consumer.event_names, batch)
        if found is not None:
            return found
    return list(log.pending(cursor.position, consumer.event_names)[:batch])


def _dispatch_transactional(consumer: Consumer, batch: int, tail: LogTail | None) -> int:
    with transaction.atomic():
        cursor = (
            ConsumerCursor.objects.select_for_update(skip_locked=True)
            .filter(name=consumer.name, paused=False)
            .first()
        )
        if cursor is None:
            return 0
        events = _next_batch(consumer, cursor, _batch_size(consumer, batch), tail)
        # Three ways through a batch, cheapest first; each falls back to the next when a
        # handler raises: the batch handler on all of it, the handler on each in one
        # savepoint, then each in its own savepoint (only a failing event gets a retry).
        started = time.monotonic()
        if _handle_batch(consumer, events):
            _fit_batch_size(consumer, batch, len(events), time.monotonic() - started)
        elif consumer.batch_handler is None and (run := _handle_run(consumer, events)):
            events = events[:run]
        else:
            events = events[: _handle_each(consumer, cursor, events)]
        if events:
            cursor.position_txid, cursor.position_id = events[-1].position
            cursor.save(update_fields=["position_txid", "position_id", "updated_at"])
        return len(events)


# A batch handler's batch size, per consumer in this process: halved while a batch takes
# longer than the transaction's budget, doubled back (up to the dispatcher's batch) while
# it takes less than half of it. The handler sees whole batches; only their size adapts.
_batch_sizes: dict[str, int] = {}


def _batch_size(consumer: Consumer, batch: int) -> int:
    if consumer.batch_handler is None:
        return batch
    return min(batch, _batch_sizes.get(consumer.name, batch))


def _fit_batch_size(consumer: Consumer, batch: int, size: int, seconds: float) -> None:
    budget = settings.EVENT_TRANSACTION_SECONDS
    current = _batch_size(consumer, batch)
    if seconds > budget:
        _batch_sizes[consumer.name] = max(2, size // 2)
    elif seconds < budget / 2 and size >= current:
        _batch_sizes[consumer.name] = min(batch, current * 2)


def _handle_batch(consumer: Consumer, events: list[Event]) -> bool:
    """Whether the consumer's batch handler took the whole batch (False: none, one event, or
    it raised and its savepoint rolled back: the caller goes one event at a time)."""
    if consumer.batch_handler is None or len(events) < 2:
        return False
    try:
        with transaction.atomic():
            consumer.batch_handler(events)
    except Exception:
        logger.warning(
            "event consumer %s failed on a batch of %s; one at a time",
            consumer.name,
            len(events),
            exc_info=True,
        )
        return False
    return True


def _handle_run(consumer: Consumer, events: list[Event]) -> int | None:
    """The handler on the events in order, in one savepoint, until the transaction's time is
    up; returns how many it handled (None: one raised and the savepoint rolled back, so the
    caller goes one event at a time and only that event gets a retry). A savepoint per
    event would cost two statements per event and consumer (~25 per widget message), for
    the rare event that fails."""
    if len(events) < 2:
        return None
    deadline = time.monotonic() + settings.EVENT_TRANSACTION_SECONDS
    done = 0
    try:
        with transaction.atomic():
            for event in events:
                consumer.handler(event)
                done += 1
                if time.monotonic() >= deadline:
                    break
    except Exception:
        logger.info(
            "event consumer %s failed on event %s; one at a time",
            consumer.name,
            events[done].pk,
            exc_info=True,
        )
        return None
    return done


def _handle_each(consumer: Consumer, cursor: ConsumerCursor, events: list[Event]) -> int:
    """The handler on each event in its own savepoint, a failure recorded for a retry,
    until the transaction's time is up; returns how many it went through (the cursor moves
    past them, and the next transaction takes the rest)."""
    deadline = time.monotonic() + settings.EVENT_TRANSACTION_SECONDS
    done = 0
    for event in events:
        try:
            with transaction.atomic():
                consumer.handler(event)
        except Exception as exc:
            logger.warning(
                "event consumer %s failed on event %s", consumer.name, event.pk, exc_info=True
            )
            _record_failure(cursor, event, exc)
        done += 1
        if time.monotonic() >= deadline:
            break
    return done


def _claim_lease(consumer: Consumer, owner: str) -> ConsumerCursor | None:
    now = timezone.now()
    with transaction.atomic():
        cursor = (
            ConsumerCursor.objects.select_for_update(skip_locked=True)
            .filter(name=consumer.name, paused=False)
            .first()
        )
        if cursor is None:
            return None
        held = cursor.leased_until is not None and cursor.leased_until > now
        if held:
            return None
        cursor.lease_owner = owner
        cursor.leased_until = now + _lease()
        cursor.save(update_fields=["lease_owner", "leased_until", "updated_at"])
        return cursor


def _dispatch_at_least_once(consumer: Consumer, batch: int, tail: LogTail | None) -> int:
    owner = uuid.uuid4().hex  # one per claim: threads of one process are rivals too
    cursor = _claim_lease(consumer, owner)
    if cursor is None:
        return 0
    mine = ConsumerCursor.objects.filter(pk=cursor.pk, lease_owner=owner)
    handled = 0
    try:
        for event in _next_batch(consumer, cursor, batch, tail):
            failure: Exception | None = None
            try:
                consumer.handler(event)
            except Exception as exc:
                logger.warning(
                    "event consumer %s failed on event %s", consumer.name, event.pk, exc_info=True
                )
                failure = exc
            handled += 1
            with transaction.atomic():
                txid, event_id = event.position
                moved = mine.update(
                    position_txid=txid,
                    position_id=event_id,
                    leased_until=timezone.now() + _lease(),
                    updated_at=timezone.now(),
                )
                if not moved:
                    # Our lease lapsed and another worker took over: it will redo this one.
                    logger.warning("event consumer %s: lease lost", consumer.name)
                    return handled
                if failure is not None:
                    _record_failure(cursor, event, failure)
    finally:
        mine.update(lease_owner="", leased_until=None)
    return handled


# --- retries ----------------------------------------------------------------------


def dispatch_retries(name: str, *, batch: int = 50) -> int:
    """Hands consumer `name` the failed events that are due again; returns how many."""
    consumer = get_consumer(name)
    cursor = ConsumerCursor.objects.filter(name=name, paused=False).first()
    if cursor is None:
        return 0
    due = (
        ConsumerRetry.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(consumer=cursor, dead=False, next_attempt_at__lte=timezone.now())
        .select_related("event")
        .order_by("next_attempt_at", "event_id")
    )
    if consumer.mode == "transactional":
        with transaction.atomic():
            rows = list(due[:batch])
            for retry in rows:
                _retry_one(consumer, retry, in_savepoint=True)
        return len(rows)
    with transaction.atomic():
        rows = list(due[:batch])
        # Claimed for the lease's length: a worker killed mid-call leaves them due again.
        ConsumerRetry.objects.filter(pk__in=[r.pk for r in rows]).update(
            next_attempt_at=timezone.now() + _lease()
        )
    for retry in rows:
        _retry_one(consumer, retry, in_savepoint=False)
    return len(rows)


def _retry_one(consumer: Consumer, retry: ConsumerRetry, *, in_savepoint: bool) -> None:
    failure: Exception | None = None
    try:
        if in_savepoint:
            with transaction.atomic():
                consumer.handler(retry.event)
        else:
            consumer.handler(retry.event)
    except Exception as exc:
        logger.warning(
            "event consumer %s failed again on event %s (attempt %s)",
            consumer.name,
            retry.event_id,
            retry.attempts + 1,
            exc_info=True,
        )
        failure = exc
    with transaction.atomic():
        if failure is not None:
            _fail_again(retry, failure)
        else:
            retry.delete()
