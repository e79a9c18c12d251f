"""Holidays from an ICS file: all-day, multi-day, timed (with TZID and in UTC), yearly
recurring; a re-import replaces the previous one; a bad file stores nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from blockdesk.common.errors import Forbidden, ValidationFailed
from blockdesk.sla import services
from blockdesk.sla.models import Holiday
from tests.sla.support import office_hours

ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Blockdesk tests//EN
BEGIN:VEVENT
UID:xmas@test
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20201225
DTEND;VALUE=DATE:20201226
RRULE:FREQ=YEARLY
SUMMARY:Christmas Day
END:VEVENT
BEGIN:VEVENT
UID:eve@test
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Berlin:20261231T130000
DTEND;TZID=Europe/Berlin:20261231T170000
SUMMARY:New Year's Eve afternoon
END:VEVENT
BEGIN:VEVENT
UID:easter@test
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20270326
DTEND;VALUE=DATE:20270330
SUMMARY:Easter
END:VEVENT
BEGIN:VEVENT
UID:outage@test
DTSTAMP:20260101T000000Z
DTSTART:20270615T100000Z
DTEND:20270615T120000Z
SUMMARY:Outage
END:VEVENT
BEGIN:VEVENT
UID:free@test
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20270101
TRANSP:TRANSPARENT
SUMMARY:Reminder only
END:VEVENT
END:VCALENDAR
"""
TODAY = dt.date(2026, 12, 4)


def test_import_closures(db, account, admin_user):
    hours = office_hours(account)
    Holiday.objects.create(hours=hours, date=dt.date(2026, 5, 1), name="Labour Day")
    count = services.do_import_ics(actor=admin_user, hours=hours, data=ICS, today=TODAY)
    rows = {(h.date, h.start_minute, h.end_minute): h for h in hours.holidays.all()}
    # Christmas every year of the window (2025 … 2029), from a 2020 RRULE.
    for year in range(2025, 2030):
        assert (dt.date(year, 12, 25), 0, 1440) in rows
    assert (dt.date(2024, 12, 25), 0, 1440) not in rows
    assert rows[(dt.date(2026, 12, 31), 780, 1020)].name == "New Year's Eve afternoon"
    # DTEND of an all-day event is exclusive: Friday to Monday.
    easter = sorted(d for d, a, b in rows if rows[(d, a, b)].name == "Easter")
    assert easter == [dt.date(2027, 3, d) for d in (26, 27, 28, 29)]
    # 10:00–12:00 UTC is 12:00–14:00 in Berlin summer time.
    assert (dt.date(2027, 6, 15), 720, 840) in rows
    assert not any(h.name == "Reminder only" for h in rows.values())
    assert count == len(rows) - 1  # the hand-made one stays
    # Importing again replaces, not adds.
    again = services.do_import_ics(actor=admin_user, hours=hours, data=ICS, today=TODAY)
    assert again == count and hours.holidays.count() == count + 1
    assert hours.holidays.filter(source=Holiday.Source.MANUAL).count() == 1


def test_bad_files_and_strangers_store_nothing(db, account, admin_user, agent):
    hours = office_hours(account)
    with pytest.raises(ValidationFailed):
        services.do_import_ics(actor=admin_user, hours=hours, data=b"not a calendar", today=TODAY)
    with pytest.raises(ValidationFailed):
        services.do_import_ics(actor=admin_user, hours=hours, data=b"X" * 1_000_001, today=TODAY)
    with pytest.raises(Forbidden):
        services.do_import_ics(actor=agent, hours=hours, data=ICS, today=TODAY)
    assert not hours.holidays.exists()
