"""Reads of the status page: components with their state, open and recent incidents, and
each component's day-by-day history for the 90-day uptime bars (computed from the state
changes, server-side)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from blockdesk.common import plain_sql
from blockdesk.common.group_memo import per_group
from blockdesk.statuspage.models import (
    SEVERITY,
    Component,
    Incident,
    IncidentUpdate,
    State,
    StateChange,
)

DAYS = 90


@dataclass(frozen=True)
class Day:
    date: dt.date
    worst: str  # the worst state of the day
    down_seconds: float  # time in an outage state (partial or major)


@dataclass(frozen=True)
class ComponentHistory:
    component: Component
    days: list[Day]
    uptime: float  # percent over the window


def components(*, account_id: int) -> QuerySet[Component]:
    return Component.objects.filter(account_id=account_id).order_by("position", "name")


def open_incidents(*, account_id: int) -> QuerySet[Incident]:
    return (
        Incident.objects.filter(account_id=account_id, resolved_at__isnull=True)
        .exclude(status=Incident.Status.SCHEDULED)
        .prefetch_related("components", _updates())
        .order_by("-started_at")
    )


@per_group  # asked for each message of a flood's group: once per group
def any_open_incident(*, account_id: int) -> bool:
    """Whether `open_incidents` would find any: the assistant asks for every customer
    message, and on most days the answer is no (one statement built once, issue 17)."""
    unresolved = plain_sql.fetch_all(Incident, where={"account": account_id, "resolved_at": None})
    return any(item.status != Incident.Status.SCHEDULED for item in unresolved)


def upcoming_maintenance(*, account_id: int) -> QuerySet[Incident]:
    return (
        Incident.objects.filter(account_id=account_id, status=Incident.Status.SCHEDULED)
        .prefetch_related("components", _updates())
        .order_by("scheduled_start")
    )


def _updates() -> Any:
    return Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-created_at", "-id"))


def recent_incidents(*, account_id: int, days: int = 14) -> QuerySet[Incident]:
    since = timezone.now() - dt.timedelta(days=days)
    return (
        Incident.objects.filter(account_id=account_id, resolved_at__gte=since)
        .prefetch_related("components", _updates())
        .order_by("-started_at")
    )


def incident(*, account_id: int, incident_id: int) -> Incident | None:
    return (
        Incident.objects.filter(account_id=account_id, pk=incident_id)
        .prefetch_related("components", _updates())
        .first()
    )


def overall(comps: list[Component]) -> str:
    return max(
        (c.state for c in comps), key=lambda s: SEVERITY[State(s)], default=State.OPERATIONAL
    )


def histories(
    *, account_id: int, now: dt.datetime | None = None, days: int = DAYS
) -> list[ComponentHistory]:
    """One bar per day and component, oldest first. Two queries whatever the number of
    components: the components with their state at the window's start, and the changes
    inside the window (not the years before it: the page read every change ever made)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start_date = today - dt.timedelta(days=days - 1)
    start = timezone.make_aware(dt.datetime.combine(start_date, dt.time.min))
    before = StateChange.objects.filter(component=OuterRef("pk"), at__lte=start).order_by(
        "-at", "-pk"
    )
    comps = list(
        components(account_id=account_id)
        .annotate(state_at_start=Subquery(before.values("state")[:1]))
        .prefetch_related(
            Prefetch(
                "changes",
                queryset=StateChange.objects.filter(at__gt=start).order_by("at", "pk"),
                to_attr="window_changes",
            )
        )
    )
    result = []
    for component in comps:
        state = component.state_at_start or State.OPERATIONAL.value
        inside = list(component.window_changes)
        day_list = []
        total_down = 0.0
        for index in range(days):
            day_start = start + dt.timedelta(days=index)
            day_end = min(day_start + dt.timedelta(days=1), now)
            worst, down, cursor = state, 0.0, day_start
            while inside and inside[0].at < day_end:
                change = inside.pop(0)
                if state in (State.PARTIAL_OUTAGE, State.MAJOR_OUTAGE):
                    down += (change.at - cursor).total_seconds()
                state, cursor = change.state, change.at
                if SEVERITY[State(state)] > SEVERITY[State(worst)]:
                    worst = state
            if state in (State.PARTIAL_OUTAGE, State.MAJOR_OUTAGE) and day_end > cursor:
                down += (day_end - cursor).total_seconds()
            total_down += down
            day_list.append(Day(day_start.date(), worst, down))
        span = max((now - start).total_seconds(), 1.0)
        result.append(
            ComponentHistory(component, day_list, round(100 * (1 - total_down / span), 2))
        )
    return result


def affected_by_topic(
    *, incidents: Iterable[Incident], words: set[str]
) -> list[tuple[Component, Incident]]:
    """Of `incidents` (open_incidents), those whose components cover one of `words`
    (intent keys or topic words), with the component."""
    found = []
    for item in incidents:
        for component in item.components.all():
            topics = {t.lower() for t in component.topics} | {component.key.lower()}
            if topics & words:
                found.append((component, item))
    return found
