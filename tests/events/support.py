"""Event types and consumers for the event-log tests; importable by helper processes too."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import transaction
from pydantic import BaseModel, ConfigDict

from blockdesk.conversations.models import Contact
from blockdesk.events import consumers
from blockdesk.events.models import Event
from blockdesk.events.registry import Actor, Subject, register_event_type
from blockdesk.events.services import emit

PING = "test.pinged"
OTHER = "test.other_happened"


class Pinged(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    n: int
    note: str = ""


class OtherHappened(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    flag: bool


def register_types() -> None:
    register_event_type(name=PING, version=2, description="A test ping.", payload=Pinged)
    register_event_type(
        name=OTHER, version=1, description="Another test event.", payload=OtherHappened
    )


def emit_pings(account_id: int, count: int, *, start: int = 0) -> list[int]:
    ids = []
    for n in range(start, start + count):
        with transaction.atomic():
            event = emit(
                account_id=account_id,
                name=PING,
                payload=Pinged(n=n),
                actor=Actor.system(),
                subject=Subject("test", n),
            )
        ids.append(event.pk)
    return ids


def effect_name(event: Event) -> str:
    return f"effect {event.pk}"


def project(event: Event) -> None:
    """A derived table: one Contact per event (a plain insert, so a double shows)."""
    Contact.objects.create(account_id=event.account_id, name=effect_name(event))


def project_idempotent(event: Event) -> None:
    Contact.objects.get_or_create(account_id=event.account_id, name=effect_name(event))


def reset_projection(from_event_id: int | None) -> None:
    rows = Contact.objects.filter(name__startswith="effect ")
    if from_event_id is not None:
        keep = [c.pk for c in rows if int(c.name.split()[1]) < from_event_id]
        rows = rows.exclude(pk__in=keep)
    rows.delete()


def effects() -> list[int]:
    return sorted(
        int(name.split()[1])
        for name in Contact.objects.filter(name__startswith="effect ").values_list(
            "name", flat=True
        )
    )


def drain(name: str, *, expect: int | None = None, timeout: float = 90.0) -> int:
    """Dispatches until every committed event this consumer reads is handed out, and at
    least `expect` of them. On PostgreSQL an unrelated transaction elsewhere in the
    cluster can hold committed events back for a moment (events/log.py), so a pass that
    finds nothing while some are held back waits for them (up to `timeout`)."""
    total = 0
    deadline = time.monotonic() + timeout
    while True:
        got = consumers.dispatch_once(name)
        total += got
        if got:
            continue
        waiting = (expect is not None and total < expect) or _held_back(name)
        if not waiting or time.monotonic() > deadline:
            return total
        time.sleep(0.05)


def wait_readable(ids: list[int], *, timeout: float = 20.0) -> None:
    """Waits until these events are all readable (on PostgreSQL another worker's open
    transaction can hold some back), for a test that needs them in one pass."""
    from blockdesk.events import log

    deadline = time.monotonic() + timeout
    readable = log.visible(Event.objects.filter(pk__in=ids))
    while readable.count() < len(ids) and time.monotonic() < deadline:
        time.sleep(0.05)


def _held_back(name: str) -> bool:
    from blockdesk.events import log

    cursor = consumers.ensure_cursor(name)
    if cursor.paused:
        return False
    return log.held_back(cursor.position, consumers.get_consumer(name).event_names)


def recorder() -> tuple[list[int], Callable[[Event], None]]:
    seen: list[int] = []

    def handle(event: Event) -> None:
        seen.append(event.pk)

    return seen, handle


def uses_txid() -> bool:
    from blockdesk.events.log import uses_txid as _uses

    return _uses()
