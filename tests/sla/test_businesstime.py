"""Business time, the pure part: split shifts, holidays, the boundary, DST in Berlin and
New York, a zone without DST (Shanghai)."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from blockdesk.sla.businesstime import (
    DAY_MINUTES,
    Schedule,
    add_business_time,
    business_time,
    deadline,
    elapsed,
    open_spans,
    subtract,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
S = dt.timedelta(seconds=1)


def hm(h: int, m: int = 0) -> int:
    return h * 60 + m


def weekdays(*spans: tuple[int, int]) -> tuple[tuple[tuple[int, int], ...], ...]:
    return (tuple(spans),) * 5 + ((), ())


def at(tz: ZoneInfo, *args: int, fold: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz, fold=fold)  # type: ignore[misc]


SPLIT = Schedule(tz=BERLIN, weekly=weekdays((hm(9), hm(12)), (hm(13), hm(17))))


def test_split_shift_counts_only_open_intervals():
    # Monday 2026-06-01, 11:00 → 14:00: 11–12 and 13–14.
    assert business_time(SPLIT, at(BERLIN, 2026, 6, 1, 11), at(BERLIN, 2026, 6, 1, 14)) == 2 * H
    # Over the lunch break nothing passes.
    lunch = business_time(SPLIT, at(BERLIN, 2026, 6, 1, 12), at(BERLIN, 2026, 6, 1, 13))
    assert lunch == dt.timedelta(0)
    # 11:30 + 1 h: 30 min before lunch, 30 after.
    assert add_business_time(SPLIT, at(BERLIN, 2026, 6, 1, 11, 30), H) == at(
        BERLIN, 2026, 6, 1, 13, 30
    )
    # Friday 16:00 + 2 h: one hour on Friday, the weekend closed, Monday 10:00.
    assert add_business_time(SPLIT, at(BERLIN, 2026, 6, 5, 16), 2 * H) == at(BERLIN, 2026, 6, 8, 10)


def test_a_target_ending_at_closing_time_is_due_at_the_next_opening():
    start = at(BERLIN, 2026, 6, 1, 16)  # Monday 16:00, closing at 17:00
    due = add_business_time(SPLIT, start, H)
    assert due == at(BERLIN, 2026, 6, 2, 9)  # Tuesday 09:00, not Monday 17:00
    # Up to the deadline itself no more than the target has passed; one second later it has.
    assert business_time(SPLIT, start, at(BERLIN, 2026, 6, 1, 17)) == H
    assert business_time(SPLIT, start, due) == H
    assert business_time(SPLIT, start, due + S) == H + S
    # A second less than the target ends before closing.
    assert add_business_time(SPLIT, start, H - S) == at(BERLIN, 2026, 6, 1, 16, 59, 59)


def test_a_start_outside_hours_waits_for_the_opening():
    saturday = at(BERLIN, 2026, 6, 6, 10)
    assert add_business_time(SPLIT, saturday, 30 * M) == at(BERLIN, 2026, 6, 8, 9, 30)
    assert add_business_time(SPLIT, saturday, dt.timedelta(0)) == at(BERLIN, 2026, 6, 8, 9)


def test_holidays_whole_and_partial_and_yearly():
    whit_monday = dt.date(2026, 5, 25)
    schedule = Schedule(
        tz=BERLIN,
        weekly=SPLIT.weekly,
        closed={whit_monday: ((0, DAY_MINUTES),), dt.date(2026, 5, 27): ((hm(13), DAY_MINUTES),)},
        closed_yearly={(12, 25): ((0, DAY_MINUTES),)},
    )
    friday = at(BERLIN, 2026, 5, 22, 16, 30)
    # 30 min on Friday, Monday closed, Tuesday 09:30.
    assert add_business_time(schedule, friday, H) == at(BERLIN, 2026, 5, 26, 9, 30)
    assert business_time(schedule, friday, at(BERLIN, 2026, 5, 26, 9)) == 30 * M
    # Wednesday afternoon closed: 11:00 + 2 h → Thursday 10:00.
    assert add_business_time(schedule, at(BERLIN, 2026, 5, 27, 11), 2 * H) == at(
        BERLIN, 2026, 5, 28, 10
    )
    # Christmas, any year (Friday 2026-12-25, Wednesday 2030-12-25).
    assert open_spans(schedule, dt.date(2026, 12, 25)) == ()
    assert open_spans(schedule, dt.date(2030, 12, 25)) == ()
    assert open_spans(schedule, dt.date(2030, 12, 24)) != ()


def test_spring_forward_in_berlin():
    # 2026-03-29 02:00 → 03:00. A night shift 01:00–04:00 is two real hours.
    night = Schedule(tz=BERLIN, weekly=(((hm(1), hm(4)),),) * 7)
    day = dt.date(2026, 3, 29)
    (span,) = open_spans(night, day)
    assert span[1] - span[0] == 2 * H
    assert business_time(night, at(BERLIN, 2026, 3, 29, 0), at(BERLIN, 2026, 3, 29, 5)) == 2 * H
    # 90 min from 01:00 lands at 03:30 CEST (01:30 UTC).
    due = add_business_time(night, at(BERLIN, 2026, 3, 29, 1), 90 * M)
    assert due == dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)
    assert due.astimezone(BERLIN).hour == 3
    # A shift starting in the skipped hour starts when the clocks jump.
    gap = Schedule(tz=BERLIN, weekly=(((hm(2, 30), hm(5)),),) * 7)
    (span,) = open_spans(gap, day)
    assert span == (
        dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 29, 3, 0, tzinfo=dt.UTC),
    )
    # Office hours over the change weekend: Friday 16:00 + 2 h → Monday 10:00 CEST.
    due = add_business_time(SPLIT, at(BERLIN, 2026, 3, 27, 16), 2 * H)
    assert due == dt.datetime(2026, 3, 30, 8, 0, tzinfo=dt.UTC)


def test_fall_back_in_berlin():
    # 2026-10-25 03:00 → 02:00: the shift 01:00–04:00 lasts four real hours.
    night = Schedule(tz=BERLIN, weekly=(((hm(1), hm(4)),),) * 7)
    (span,) = open_spans(night, dt.date(2026, 10, 25))
    assert span[1] - span[0] == 4 * H
    start = at(BERLIN, 2026, 10, 25, 1)
    due = add_business_time(night, start, 3 * H)
    # Three real hours after 01:00 CEST is 03:00 CET (the second 02:00 has passed).
    assert due == dt.datetime(2026, 10, 25, 2, 0, tzinfo=dt.UTC)
    assert business_time(night, start, due) == 3 * H


def test_new_york_24_hour_days_around_both_changes():
    always_sunday = Schedule(tz=NEW_YORK, weekly=((),) * 6 + (((0, DAY_MINUTES),),))
    spring = dt.date(2026, 3, 8)
    fall = dt.date(2026, 11, 1)
    assert spring.weekday() == fall.weekday() == 6
    (s,) = open_spans(always_sunday, spring)
    assert s[1] - s[0] == 23 * H
    (f,) = open_spans(always_sunday, fall)
    assert f[1] - f[0] == 25 * H
    # From Saturday to the next Saturday: only Sunday counts.
    week = business_time(always_sunday, at(NEW_YORK, 2026, 10, 31), at(NEW_YORK, 2026, 11, 7))
    assert week == 25 * H
    # 24 business hours from Sunday 00:00 on the fall-back day: 23:00 local the same day.
    due = add_business_time(always_sunday, at(NEW_YORK, 2026, 11, 1), 24 * H)
    assert due == at(NEW_YORK, 2026, 11, 1, 23)
    # On the spring day 23 hours are all there is: 23 h ends at Monday's next opening.
    due = add_business_time(always_sunday, at(NEW_YORK, 2026, 3, 8), 23 * H)
    assert due == at(NEW_YORK, 2026, 3, 15)


def test_shanghai_has_no_dst_and_counts_evenly():
    office = Schedule(tz=SHANGHAI, weekly=weekdays((hm(9), hm(18))))
    monday = at(SHANGHAI, 2026, 3, 9, 9)
    assert add_business_time(office, monday, 10 * H) == at(SHANGHAI, 2026, 3, 10, 10)
    # A week of office hours is 45 hours, whatever Europe does that weekend.
    week = business_time(office, at(SHANGHAI, 2026, 3, 23), at(SHANGHAI, 2026, 3, 30))
    assert week == 45 * H


def test_never_open_gives_no_deadline_and_calendar_mode_is_plain():
    closed = Schedule(tz=BERLIN)
    assert add_business_time(closed, at(BERLIN, 2026, 1, 1), M) is None
    assert business_time(closed, at(BERLIN, 2026, 1, 1), at(BERLIN, 2026, 2, 1)) == dt.timedelta(0)
    start = at(BERLIN, 2026, 3, 28, 23)
    # Calendar time is real time: four hours over the spring-forward night end at 04:00
    # on the wall (Python's same-zone arithmetic would say 03:00).
    assert deadline(None, start, 4 * H) == at(BERLIN, 2026, 3, 29, 4)
    assert elapsed(None, start, at(BERLIN, 2026, 3, 29, 5)) == 5 * H
    assert elapsed(None, start, start - H) == dt.timedelta(0)
    assert Schedule.always_open().is_always_open()
    assert business_time(Schedule.always_open(), start, start + H) == H


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        business_time(SPLIT, dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2))


def test_subtract_and_merge():
    assert subtract([(0, 100), (200, 300)], [(50, 250)]) == ((0, 50), (250, 300))
    assert subtract([(0, 100)], [(0, 100)]) == ()
    assert subtract([(0, 60), (30, 90)], []) == ((0, 90),)


@pytest.mark.parametrize("tz", [BERLIN, NEW_YORK, SHANGHAI])
def test_adding_then_measuring_gives_back_the_amount(tz: ZoneInfo):
    schedule = Schedule(
        tz=tz,
        weekly=((((hm(1), hm(3)), (hm(8), hm(12)), (hm(13), hm(17, 30))),) * 6 + ((),)),
        closed={dt.date(2026, 3, 10): ((0, DAY_MINUTES),)},
    )
    rng = random.Random(14)
    base = dt.datetime(2026, 2, 20, tzinfo=dt.UTC)
    for _ in range(300):
        start = base + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 280))
        amount = dt.timedelta(minutes=rng.randrange(0, 60 * 40), seconds=rng.randrange(60))
        due = add_business_time(schedule, start, amount)
        assert due is not None
        assert business_time(schedule, start, due) == amount
        # The last such instant: any later moment is over (or still closed and equal).
        assert business_time(schedule, start, due + S) in (amount, amount + S)
