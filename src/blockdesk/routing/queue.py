"""The queue: cases that found every agent full (or away) wait in order of priority, then
arrival. The customer sees their place and an estimated wait (widget_views.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import Q, Sum

from blockdesk.routing.models import AgentRouting, InboxRouting, RoutedCase


@dataclass(frozen=True)
class Place:
    position: int
    # None: nobody who could take it is online, so no honest estimate exists.
    wait_minutes: int | None


def position_of(case: RoutedCase) -> int:
    if case.queued_at is None:
        return 0
    p, at = case.priority, case.queued_at
    ahead = (
        RoutedCase.objects.filter(inbox_id=case.inbox_id, queued_at__isnull=False)
        .filter(
            Q(priority__lt=p)
            | Q(priority=p, queued_at__lt=at)
            | Q(priority=p, queued_at=at, pk__lt=case.pk)
        )
        .count()
    )
    return ahead + 1


def wait_minutes(*, config: InboxRouting, position: int) -> int | None:
    """Each online slot frees about once per handling time, so `position` cases clear in
    position × handling time / slots. Rough on purpose: it is said as "about N min"."""
    slots = (
        AgentRouting.objects.filter(
            user__inboxes=config.inbox_id,
            user__is_active=True,
            presence=AgentRouting.Presence.ONLINE,
        ).aggregate(total=Sum("capacity"))["total"]
        or 0
    )
    if slots <= 0:
        return None
    return max(1, math.ceil(position * config.handle_minutes / slots))


def place_of(case: RoutedCase, config: InboxRouting) -> Place | None:
    position = position_of(case)
    if not position:
        return None
    return Place(position=position, wait_minutes=wait_minutes(config=config, position=position))


def queued_ids(*, inbox_id: int, limit: int) -> list[int]:
    return list(
        RoutedCase.objects.filter(inbox_id=inbox_id, queued_at__isnull=False)
        .order_by("priority", "queued_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
