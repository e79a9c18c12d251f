"""In-process listeners, called right after the emitting transaction commits.

For reactions that must start at once and have their own safety net (the assistant
queues a task for a customer message): best effort, not durable — a process that dies
between the commit and the call skips it. Anything that must happen belongs in a
consumer (consumers.py), which reads the log and never misses an event."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from blockdesk.events.models import Event

logger = logging.getLogger(__name__)

Listener = Callable[[Event], object]

_LISTENERS: dict[str, tuple[frozenset[str], Listener]] = {}


def register_listener(name: str, handler: Listener, *, event_names: Iterable[str]) -> None:
    _LISTENERS[name] = (frozenset(event_names), handler)


def unregister_listener(name: str) -> None:
    """For tests."""
    _LISTENERS.pop(name, None)


def listeners_for(event_name: str) -> list[tuple[str, Listener]]:
    return [(n, h) for n, (names, h) in _LISTENERS.items() if event_name in names]


def call(name: str, handler: Listener, event: Event) -> None:
    try:
        handler(event)
    except Exception:
        # After the commit: the change is stored and the request must not fail.
        logger.exception("event listener %s failed on %s", name, event.name)
