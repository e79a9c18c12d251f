"""Runs every consumer: `run_forever` in a thread of `manage.py serve` (embedded mode) or
in `manage.py events run` workers (scale-out; any number of them)."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.25
_wakeup = threading.Event()


def wake() -> None:
    """Called after an emitting transaction commits: the dispatcher in this process runs
    now instead of at its next poll."""
    _wakeup.set()


def _has_work(name: str, names: frozenset[str] | None, position: tuple[int, int] | None) -> bool:
    """Cheap reads, so an idle poll neither locks rows nor takes SQLite's write lock."""
    from blockdesk.events import log
    from blockdesk.events.models import ConsumerRetry

    if position is None:
        return True  # a new consumer: dispatch creates its cursor
    if log.pending(position, names).exists():
        return True
    return ConsumerRetry.objects.filter(
        consumer__name=name, dead=False, next_attempt_at__lte=timezone.now()
    ).exists()


def run_all_once() -> int:
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
            if not _has_work(consumer.name, consumer.event_names, position):
                continue
            total += dispatch_once(consumer.name)
            total += dispatch_retries(consumer.name)
        except Exception:
            logger.exception("event consumer %s: dispatch failed", consumer.name)
            close_old_connections()
    return total


def run_forever(stop: threading.Event | None = None, *, poll: float = POLL_SECONDS) -> None:
    stop = stop or threading.Event()
    while not stop.is_set():
        _wakeup.clear()  # before the run: a wake during it is not lost
        handled = run_all_once()
        close_old_connections()
        if not handled:
            _wakeup.wait(poll)
