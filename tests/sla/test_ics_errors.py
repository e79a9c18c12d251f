"""Files the parsers accept but the import cannot use are refused as bad files (an
IcsError the page shows), not a server error: a VEVENT without DTSTART (a KeyError
inside recurring-ical-events); a bug in our own code is not hidden as a bad file."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from blockdesk.sla.ics import IcsError, closures_from_ics

UTC = ZoneInfo("UTC")


def _calendar(event: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:a@t\r\n"
        f"{event}END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


@pytest.mark.parametrize(
    "event",
    [
        "SUMMARY:no start\r\n",
    ],
)
def test_unusable_events_are_a_bad_file(event):
    with pytest.raises(IcsError):
        closures_from_ics(
            _calendar(event), tz=UTC, since=dt.date(2026, 1, 1), until=dt.date(2027, 1, 1)
        )


def test_a_bug_is_not_reported_as_a_bad_file(monkeypatch):
    from blockdesk.sla import ics

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(ics, "_closures", broken)
    with pytest.raises(RuntimeError):
        closures_from_ics(
            _calendar("DTSTART;VALUE=DATE:20260105\r\n"),
            tz=UTC, since=dt.date(2026, 1, 1), until=dt.date(2027, 1, 1),
        )  # fmt: skip
