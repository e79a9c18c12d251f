"""Business time: pure functions, no database (docs/sla.md, "How business time is counted").

A `Schedule` is a time zone, the open intervals of each weekday (several a day: split
shifts) and closures by local date (holidays, whole or part of a day). Intervals are wall
clock minutes of the local day (0 … 1440) and are turned into real instants day by day,
so a DST change moves them with the clock on the wall:

- a wall time that does not exist (the hour skipped when clocks go forward) starts or ends
  an interval at the moment of the change, so 01:00–04:00 on a spring-forward night is two
  real hours;
- a wall time that happens twice (clocks go back) starts an interval at its first
  occurrence and ends one at its second, so 01:00–04:00 on a fall-back night is four real
  hours: the agents are really there that long.

Business time between two instants is the real time they overlap the open intervals.
"Start + N business seconds" is the **last** instant at which N business seconds have
elapsed: a target met at that instant is met, one instant later it is breached. A target
that runs out exactly at closing time (16:00 + 60 min, closing at 17:00) is therefore due
at the next opening (09:00 the next working day): the business time used by a reply at
08:59 or at 09:00:00 is exactly the target, and only a later reply exceeds it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

UTC = dt.UTC
DAY_MINUTES = 24 * 60
# How far "start + N" looks ahead before giving up (a schedule that never opens, or a
# calendar that closes every day): a little over two years.
MAX_DAYS_AHEAD = 800

Span = tuple[int, int]  # [start, end) in minutes of the local day


@dataclass(frozen=True)
class Schedule:
    tz: ZoneInfo
    # Monday = 0 … Sunday = 6; each a tuple of non-overlapping (start, end) minute spans.
    weekly: tuple[tuple[Span, ...], ...] = field(default_factory=lambda: ((),) * 7)
    # Closures of one local date (a holiday: (0, 1440); a half day: (780, 1440)).
    closed: Mapping[dt.date, tuple[Span, ...]] = field(default_factory=dict)
    # Closures every year on the same (month, day).
    closed_yearly: Mapping[tuple[int, int], tuple[Span, ...]] = field(default_factory=dict)

    def __hash__(self) -> int:  # for the per-day cache; mappings are not hashable
        return hash((self.tz.key, self.weekly, tuple(sorted(self.closed.items()))))

    @classmethod
    def always_open(cls, tz: ZoneInfo | None = None) -> Schedule:
        return cls(tz=tz or ZoneInfo("UTC"), weekly=(((0, DAY_MINUTES),),) * 7)

    def is_always_open(self) -> bool:
        return (
            all(day == ((0, DAY_MINUTES),) for day in self.weekly)
            and not any(self.closed.values())
            and not any(self.closed_yearly.values())
        )


def normalise(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Sorted, merged, clipped to the day; empty spans dropped."""
    cleaned = sorted((max(0, a), min(DAY_MINUTES, b)) for a, b in spans if b > a)
    merged: list[list[int]] = []
    for a, b in cleaned:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return tuple((a, b) for a, b in merged)


def subtract(spans: Iterable[Span], holes: Iterable[Span]) -> tuple[Span, ...]:
    result = list(normalise(spans))
    for h0, h1 in normalise(holes):
        kept: list[Span] = []
        for a, b in result:
            if h1 <= a or h0 >= b:
                kept.append((a, b))
                continue
            if a < h0:
                kept.append((a, h0))
            if h1 < b:
                kept.append((h1, b))
        result = kept
    return tuple(result)


def open_minutes(schedule: Schedule, day: dt.date) -> tuple[Span, ...]:
    """The open spans of one local date, closures taken out."""
    spans = schedule.weekly[day.weekday()]
    holes = schedule.closed.get(day, ()) + schedule.closed_yearly.get((day.month, day.day), ())
    return subtract(spans, holes) if holes else normalise(spans)


def _gap_instant(tz: ZoneInfo, wall: dt.datetime) -> dt.datetime:
    """The real instant of the transition a skipped wall time falls in."""
    early = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)  # offset after the change
    late = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)  # offset before it
    after = late.astimezone(tz).utcoffset()
    while late - early > dt.timedelta(seconds=1):  # bisect to the second
        mid = early + (late - early) / 2
        if mid.astimezone(tz).utcoffset() == after:
            late = mid
        else:
            early = mid
    return late.replace(microsecond=0) if late.microsecond else late


def wall_to_instant(tz: ZoneInfo, day: dt.date, minute: int, *, end: bool) -> dt.datetime:
    """A minute of a local day as a UTC instant (see the module docstring for DST)."""
    wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    aware = wall.replace(tzinfo=tz, fold=1 if end else 0)
    instant = aware.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != wall:  # skipped by the clocks
        return _gap_instant(tz, wall)
    return instant


@lru_cache(maxsize=4096)
def open_spans(schedule: Schedule, day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """The open intervals of one local date as UTC instants."""
    out = []
    for a, b in open_minutes(schedule, day):
        start = wall_to_instant(schedule.tz, day, a, end=False)
        stop = wall_to_instant(schedule.tz, day, b, end=True)
        if stop > start:
            out.append((start, stop))
    return tuple(out)


def _days(schedule: Schedule, since: dt.datetime) -> Iterator[dt.date]:
    # One day early: an instant just after local midnight may belong to a span of the
    # previous date only through a DST overlap; starting a day before is always safe.
    day = since.astimezone(schedule.tz).date() - dt.timedelta(days=1)
    while True:
        yield day
        day += dt.timedelta(days=1)


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("business time needs aware datetimes")
    return value.astimezone(UTC)


def business_time(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """How much of [start, end) falls in open intervals."""
    start, end = _aware(start), _aware(end)
    if end <= start:
        return dt.timedelta(0)
    if schedule.is_always_open():
        return end - start
    total = dt.timedelta(0)
    last_day = end.astimezone(schedule.tz).date() + dt.timedelta(days=1)
    for day in _days(schedule, start):
        if day > last_day:
            break
        for s, e in open_spans(schedule, day):
            lo, hi = max(s, start), min(e, end)
            if hi > lo:
                total += hi - lo
    return total


def add_business_time(
    schedule: Schedule, start: dt.datetime, amount: dt.timedelta
) -> dt.datetime | None:
    """The last instant at which `amount` of business time has elapsed since `start`
    (None: the schedule does not open within MAX_DAYS_AHEAD)."""
    start = _aware(start)
    if amount < dt.timedelta(0):
        amount = dt.timedelta(0)
    if schedule.is_always_open():
        return start + amount
    remaining = amount
    for n, day in enumerate(_days(schedule, start)):
        if n > MAX_DAYS_AHEAD:
            return None
        for s, e in open_spans(schedule, day):
            lo = max(s, start)
            if lo >= e:
                continue
            available = e - lo
            # Strictly less: what runs out at closing time is due at the next opening,
            # the last instant at which no more than `amount` has elapsed.
            if remaining < available:
                return lo + remaining
            remaining -= available
    return None  # pragma: no cover - the loop returns or gives up above


def elapsed(schedule: Schedule | None, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Business time with a schedule, calendar time without one."""
    if schedule is None:
        return max(dt.timedelta(0), _aware(end) - _aware(start))
    return business_time(schedule, start, end)


def deadline(
    schedule: Schedule | None, start: dt.datetime, amount: dt.timedelta
) -> dt.datetime | None:
    if schedule is None:
        return _aware(start) + max(amount, dt.timedelta(0))
    return add_business_time(schedule, start, amount)
