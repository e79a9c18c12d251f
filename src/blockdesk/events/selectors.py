"""Reads about the log: how far behind each consumer is (Settings → Events, `events status`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Count, Q
from django.utils import timezone

from blockdesk.events import log
from blockdesk.events.consumers import all_consumers
from blockdesk.events.models import ConsumerCursor, ConsumerRetry
from blockdesk.events.registry import SECURITY_NAME_PREFIXES


def security_relevant_q() -> Q:
    """Events of the security-relevant families (registry.SECURITY_NAME_PREFIXES)."""
    return reduce(or_, (Q(name__startswith=prefix) for prefix in SECURITY_NAME_PREFIXES))


@dataclass(frozen=True)
class ConsumerStatus:
    name: str
    mode: str
    position_id: int
    behind: int  # events readable but not yet handed to it
    oldest_unhandled_age: dt.timedelta | None
    retrying: int
    dead: int
    paused: bool
    last_error: str
    updated_at: dt.datetime | None


def consumer_statuses(*, account_id: int | None = None) -> list[ConsumerStatus]:
    """Lag is the whole log's (a consumer serves every account); retrying and dead counts
    are the given account's when one is given."""
    cursors = {c.name: c for c in ConsumerCursor.objects.all()}
    retries = ConsumerRetry.objects.all()
    if account_id is not None:
        retries = retries.filter(event__account_id=account_id)
    counts = {
        row["consumer__name"]: row
        for row in retries.values("consumer__name").annotate(
            retrying=Count("pk", filter=Q(dead=False)), dead=Count("pk", filter=Q(dead=True))
        )
    }
    now = timezone.now()
    statuses = []
    for consumer in all_consumers():
        cursor = cursors.get(consumer.name)
        position = cursor.position if cursor is not None else (0, 0)
        waiting = log.pending(position, consumer.event_names)
        oldest = waiting.values_list("occurred_at", flat=True).first()
        count = counts.get(consumer.name, {})
        statuses.append(
            ConsumerStatus(
                name=consumer.name,
                mode=consumer.mode,
                position_id=position[1],
                behind=waiting.count(),
                oldest_unhandled_age=(now - oldest) if oldest is not None else None,
                retrying=count.get("retrying", 0),
                dead=count.get("dead", 0),
                paused=bool(cursor and cursor.paused),
                last_error=cursor.last_error if cursor is not None else "",
                updated_at=cursor.updated_at if cursor is not None else None,
            )
        )
    return statuses
