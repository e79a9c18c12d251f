"""Loading a `businesstime.Schedule` from the database: a team's hours, else the
account's, else none (calendar time)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from blockdesk.sla.businesstime import Schedule, Span, normalise
from blockdesk.sla.models import BusinessHours


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def build_schedule(hours: BusinessHours) -> Schedule:
    weekly: list[list[Span]] = [[] for _ in range(7)]
    for interval in hours.intervals.all():
        weekly[interval.weekday].append((interval.start_minute, interval.end_minute))
    closed: dict[dt.date, list[Span]] = defaultdict(list)
    yearly: dict[tuple[int, int], list[Span]] = defaultdict(list)
    for holiday in hours.holidays.all():
        span = (holiday.start_minute, holiday.end_minute)
        if holiday.yearly:
            yearly[(holiday.date.month, holiday.date.day)].append(span)
        else:
            closed[holiday.date].append(span)
    return Schedule(
        tz=zone(hours.time_zone),
        weekly=tuple(normalise(day) for day in weekly),
        closed={k: normalise(v) for k, v in closed.items()},
        closed_yearly={k: normalise(v) for k, v in yearly.items()},
    )


def hours_for(*, account_id: int, team_id: int | None) -> BusinessHours | None:
    qs = BusinessHours.objects.prefetch_related("intervals", "holidays")
    if team_id is not None:
        found = qs.filter(account_id=account_id, team_id=team_id).first()
        if found is not None:
            return found
    return qs.filter(account_id=account_id, team__isnull=True).first()


def schedule_for(*, account_id: int, team_id: int | None) -> Schedule | None:
    hours = hours_for(account_id=account_id, team_id=team_id)
    return build_schedule(hours) if hours is not None else None


def account_zone_name(account_id: int) -> str | None:
    """The time zone of the account's business hours (the schedule without a team)."""
    return (
        BusinessHours.objects.filter(account_id=account_id, team__isnull=True)
        .values_list("time_zone", flat=True)
        .first()
    )
