"""Holidays from an iCalendar file (RFC 5545), e.g. a public-holiday calendar.

`icalendar` parses the file; `recurring-ical-events` expands RRULE / RDATE / EXDATE (a
yearly holiday, "fourth Thursday of November") into the dates of a window, so what is
stored is plain dates and the business-time functions stay simple. All-day events close
whole local dates (DTEND exclusive); timed events close the minutes they cover in the
schedule's time zone, split at midnight."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import icalendar

MAX_BYTES = 1_000_000
MAX_CLOSURES = 5000
DAY_MINUTES = 24 * 60


class IcsError(ValueError):
    pass


@dataclass(frozen=True)
class Closure:
    date: dt.date
    start_minute: int
    end_minute: int
    name: str


def window(today: dt.date, years_ahead: int = 3) -> tuple[dt.date, dt.date]:
    """Last year's first day to the end of `years_ahead` years from now: re-import the
    calendar to go further (docs/sla.md)."""
    return dt.date(today.year - 1, 1, 1), dt.date(today.year + years_ahead + 1, 1, 1)


def _timed(start: dt.datetime, end: dt.datetime, tz: ZoneInfo, name: str) -> list[Closure]:
    if start.tzinfo is None:  # floating time: the schedule's own wall clock
        start, end = start.replace(tzinfo=tz), end.replace(tzinfo=tz)
    start, end = start.astimezone(tz), end.astimezone(tz)
    out = []
    day = start.date()
    while dt.datetime.combine(day, dt.time(), tz) < end:
        day_start = dt.datetime.combine(day, dt.time(), tz)
        lo = max(start, day_start)
        a = lo.hour * 60 + lo.minute
        if end.date() > day:
            b = DAY_MINUTES
        else:
            b = end.hour * 60 + end.minute + (1 if end.second or end.microsecond else 0)
        if b > a:
            out.append(Closure(day, a, min(b, DAY_MINUTES), name))
        day += dt.timedelta(days=1)
    return out


# What the two parsers raise for a bad file: their own errors all subclass ValueError
# (icalendar.InvalidCalendar, recurring_ical_events.InvalidCalendar); a VEVENT without
# DTSTART is a KeyError; dates past year 9999 overflow; a property of the wrong value type
# (a DTEND date after a DTSTART date-time) a TypeError.
PARSE_ERRORS: tuple[type[Exception], ...] = (ValueError, LookupError, TypeError, OverflowError)


def closures_from_ics(
    data: bytes, *, tz: ZoneInfo, since: dt.date, until: dt.date
) -> list[Closure]:
    if len(data) > MAX_BYTES:
        raise IcsError("file too large")
    # The parsers are imported on use: the web workers that load this module for its
    # limits never parse a calendar (docs/benchmarks.md, "Memory").
    import icalendar
    import recurring_ical_events

    try:
        calendar = icalendar.Calendar.from_ical(data)
        events = recurring_ical_events.of(calendar).between(since, until)
        out = _closures(events, tz)
    except IcsError:
        raise
    except PARSE_ERRORS as exc:
        raise IcsError(str(exc)[:200] or type(exc).__name__) from exc
    return [c for c in out if since <= c.date < until]


def _closures(events: list[icalendar.Component], tz: ZoneInfo) -> list[Closure]:
    out: list[Closure] = []
    for event in events:
        if event.name != "VEVENT":
            continue
        if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue  # "free" time: an event that does not close anything
        start = event.decoded("DTSTART")
        end = event.decoded("DTEND") if "DTEND" in event else None
        name = str(event.get("SUMMARY", ""))[:200]
        if isinstance(start, dt.datetime):
            if end is None:
                duration = event.decoded("DURATION") if "DURATION" in event else dt.timedelta(0)
                end = start + duration
            if not isinstance(end, dt.datetime):
                raise IcsError("DTEND is a date but DTSTART a date-time")
            out.extend(_timed(start, end, tz, name))
        else:
            last = end if isinstance(end, dt.date) and end > start else start + dt.timedelta(1)
            day = start
            while day < last:
                out.append(Closure(day, 0, DAY_MINUTES, name))
                day += dt.timedelta(days=1)
        if len(out) > MAX_CLOSURES:
            raise IcsError("too many events")
    return out
