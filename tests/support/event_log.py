"""Reading what a change wrote to the event log, for the wiring tests of each app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from blockdesk.events.models import Event
from blockdesk.events.registry import get_event_type


def last_event_id() -> int:
    last = Event.objects.order_by("-id").first()
    return last.pk if last else 0


def events_after(last_id: int) -> list[Event]:
    return list(Event.objects.filter(pk__gt=last_id).order_by("id"))


def only_event(change: Callable[[], Any], name: str) -> tuple[Event, Any]:
    """Runs `change`; asserts it wrote exactly one event, `name`, whose stored payload
    validates against the public schema. Returns it and what `change` returned."""
    before = last_event_id()
    result = change()
    events = events_after(before)
    assert [e.name for e in events] == [name]
    event = events[0]
    assert event.version == get_event_type(name).version
    get_event_type(name).payload.model_validate(event.payload)
    return event, result


def assert_rolled_back_change_writes_nothing(change: Callable[[], Any]) -> None:
    class Abort(Exception):
        pass

    before = last_event_id()
    with pytest.raises(Abort), transaction.atomic():
        change()
        raise Abort
    assert events_after(before) == []


def drain(consumer: str, *, timeout: float = 90.0) -> int:
    """What `manage.py events run` does for one consumer: hands it every committed event
    it has not read. Needs a transactional test (django_db(transaction=True)): on
    PostgreSQL an event is readable once no older transaction runs (docs/events.md,
    "Ordering"), so the wait also covers another test run's transaction."""
    import time

    from blockdesk.events import log
    from blockdesk.events.consumers import dispatch_once, ensure_cursor, get_consumer

    names = get_consumer(consumer).event_names
    total = 0
    deadline = time.monotonic() + timeout
    while True:
        got = dispatch_once(consumer)
        total += got
        if got:
            continue
        unread = log.after(Event.objects.all(), ensure_cursor(consumer).position)
        if names is not None:
            unread = unread.filter(name__in=list(names))
        if not unread.exists() or time.monotonic() > deadline:
            return total
        time.sleep(0.02)
