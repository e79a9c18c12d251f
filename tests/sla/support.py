"""Controlled clocks for the SLA tests: every event written since the last step gets the
step's time (the consumer times clocks by each event's `occurred_at`)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from blockdesk.accounts.models import Account
from blockdesk.events.models import Event
from blockdesk.sla.engine import EVENT_NAMES
from blockdesk.sla.models import BusinessHours, BusinessInterval, SlaClock, SlaPolicy
from tests.events.support import drain

CONSUMER = "sla.clocks"


class Clock:
    def __init__(self) -> None:
        last = Event.objects.order_by("-id").first()
        self.mark = last.pk if last else 0

    def step(self, when: dt.datetime) -> int:
        """Stamp the new events with `when` and run the consumer over them."""
        new = Event.objects.filter(pk__gt=self.mark)
        count = new.count()
        # On PostgreSQL a transaction elsewhere in the cluster can hold events back for a
        # moment (docs/events.md, txid): wait until the consumer has had all of them.
        expected = new.filter(name__in=EVENT_NAMES).count()
        new.update(occurred_at=when)
        last = Event.objects.order_by("-id").first()
        self.mark = last.pk if last else self.mark
        drain(CONSUMER, expect=expected)
        return count


def office_hours(
    account: Account, tz: str = "Europe/Berlin", spans: tuple[tuple[int, int], ...] | None = None
) -> BusinessHours:
    """Monday to Friday, 09:00–12:00 and 13:00–17:00 (a split shift)."""
    hours = BusinessHours.objects.create(account=account, time_zone=tz)
    for weekday in range(5):
        for a, b in spans or ((9 * 60, 12 * 60), (13 * 60, 17 * 60)):
            BusinessInterval.objects.create(
                hours=hours, weekday=weekday, start_minute=a, end_minute=b
            )
    return hours


def policy(account: Account, **fields: object) -> SlaPolicy:
    values: dict[str, object] = {
        "name": "Standard",
        "first_response_minutes": 60,
        "next_response_minutes": 30,
        "resolution_minutes": 8 * 60,
    }
    values.update(fields)
    return SlaPolicy.objects.create(account=account, **values)


def clock(conversation_id: int, target: str) -> SlaClock:
    return SlaClock.objects.filter(conversation_id=conversation_id, target=target).latest("id")


def local(tz: str, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZoneInfo(tz))  # type: ignore[misc]
