"""Reports count in the account's time zone (its business hours' zone): local days and
local hours, across DST changes (Berlin, New York) and in a zone without DST (Shanghai);
the zone sticks until a rebuild; the upgrade migration empties the tables and replays the
log into local days."""

from __future__ import annotations

import datetime as dt
import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command

from blockdesk.events.models import ConsumerCursor
from blockdesk.reports import figures, filters
from blockdesk.reports.event_consumers import CONSUMER
from blockdesk.reports.models import AgentDaily, CaseState, DailyRollup, ReportZone
from blockdesk.sla.models import BusinessHours
from tests.events.support import drain
from tests.reports.support import Clock, at, open_case, reply, status

pytestmark = pytest.mark.django_db(transaction=True)


def _zone(account, name: str) -> BusinessHours:
    return BusinessHours.objects.create(account=account, time_zone=name)


def _created_by_day(account) -> dict[dt.date, dict[int, int]]:
    out: dict[dt.date, dict[int, int]] = {}
    for row in DailyRollup.objects.filter(account_id=account.pk, created__gt=0):
        hours = {h: getattr(row, f"created_h{h}") for h in range(24)}
        slot = out.setdefault(row.day, {})
        for h, n in hours.items():
            if n:
                slot[h] = slot.get(h, 0) + n
    return out


def _cases_at(channel, contact, moments: list[dt.datetime]) -> None:
    time = Clock()
    for i, when in enumerate(moments):
        open_case(channel, contact, f"case {i}")
        time.step(when)


def test_berlin_days_and_hours_across_both_dst_changes(channel, contact, account):
    _zone(account, "Europe/Berlin")
    _cases_at(
        channel,
        contact,
        [
            at(2026, 3, 28, 23, 30),  # Sunday 00:30 in Berlin (CET): Saturday in UTC
            at(2026, 3, 29, 0, 30),  # 01:30 CET
            at(2026, 3, 29, 1, 30),  # 03:30 CEST: 02:xx does not exist that night
            at(2026, 10, 25, 0, 30),  # 02:30 CEST, the first time
            at(2026, 10, 25, 1, 30),  # 02:30 CET, the second time
            at(2026, 10, 25, 22, 30),  # Sunday 23:30 CET: still the 25th in Berlin
        ],
    )
    got = _created_by_day(account)
    assert got == {
        dt.date(2026, 3, 29): {0: 1, 1: 1, 3: 1},
        dt.date(2026, 10, 25): {2: 2, 23: 1},
    }
    assert ReportZone.objects.get(account_id=account.pk).time_zone == "Europe/Berlin"
    f = filters.parse(
        account_id=account.pk,
        user=None,
        params={"since": "2026-03-01", "until": "2026-11-01"},
    )
    heat = figures.heatmap(f)
    sunday = heat.rows[6]
    assert sunday[0] == "Sun"
    assert sunday[1 + 0] == 1 and sunday[1 + 1] == 1 and sunday[1 + 2] == 2
    assert sunday[1 + 3] == 1 and sunday[1 + 23] == 1
    assert sum(sum(r[1:]) for r in heat.rows) == 6  # nothing on Saturday (UTC's day)
    assert "Europe/Berlin" in heat.note
    assert "Days in Europe/Berlin." in figures.volume(f, figures.daily_sums(f)).note


def test_shanghai_counts_the_local_day_of_a_reply_and_a_resolution(
    channel, contact, agent, account
):
    _zone(account, "Asia/Shanghai")  # UTC+8, no DST
    time = Clock()
    case = open_case(channel, contact)
    time.step(at(2026, 6, 1, 15, 0))  # 23:00 Monday in Shanghai
    reply(agent, case)
    time.step(at(2026, 6, 1, 16, 30))  # 00:30 Tuesday in Shanghai, still Monday in UTC
    status(agent, case, "resolved")
    time.step(at(2026, 6, 2, 17, 0))  # 01:00 Wednesday in Shanghai
    rows = {r.day: r for r in DailyRollup.objects.filter(account_id=account.pk)}
    assert rows[dt.date(2026, 6, 1)].created == 1
    assert rows[dt.date(2026, 6, 1)].created_h23 == 1
    assert rows[dt.date(2026, 6, 2)].first_responses == 1
    assert rows[dt.date(2026, 6, 3)].first_resolved == 1
    mine = {r.day: r for r in AgentDaily.objects.filter(agent_id=agent.pk)}
    assert mine[dt.date(2026, 6, 2)].first_responses == 1


def test_a_new_york_filter_starts_at_local_midnight_across_dst(account):
    _zone(account, "America/New_York")
    f = filters.parse(
        account_id=account.pk, user=None, params={"since": "2026-03-08", "until": "2026-03-08"}
    )
    assert f.start() == at(2026, 3, 8, 5)  # midnight EST
    assert f.end() == at(2026, 3, 9, 4)  # midnight EDT: a 23-hour day
    today = filters.parse(account_id=account.pk, user=None, params={}, today=None)
    assert today.tz.key == "America/New_York"


def test_the_zone_sticks_until_a_rebuild(channel, contact, account):
    hours = _zone(account, "Asia/Shanghai")
    _cases_at(channel, contact, [at(2026, 6, 1, 20, 0)])  # 04:00 on the 2nd in Shanghai
    assert set(_created_by_day(account)) == {dt.date(2026, 6, 2)}
    hours.time_zone = "America/New_York"
    hours.save()
    _cases_at(channel, contact, [at(2026, 6, 3, 2, 0)])  # the 3rd in Shanghai, 2nd in NY
    assert set(_created_by_day(account)) == {dt.date(2026, 6, 2), dt.date(2026, 6, 3)}
    f = filters.parse(account_id=account.pk, user=None, params={"until": "2026-06-05"})
    assert f.tz.key == "Asia/Shanghai"
    assert "America/New_York" in filters.zone_note(f)
    call_command("reports", "rebuild", stdout=io.StringIO())
    assert ReportZone.objects.get(account_id=account.pk).time_zone == "America/New_York"
    assert _created_by_day(account) == {dt.date(2026, 6, 1): {16: 1}, dt.date(2026, 6, 2): {22: 1}}
    f = filters.parse(account_id=account.pk, user=None, params={"until": "2026-06-05"})
    assert filters.zone_note(f) == ""


def test_the_upgrade_migration_replays_the_log_into_local_days(channel, contact, account):
    _cases_at(channel, contact, [at(2026, 6, 1, 20, 0)])
    # As an install before this change had it: the row on the UTC day, no zone recorded.
    ReportZone.objects.all().delete()
    DailyRollup.objects.update(day=dt.date(2026, 6, 1))
    _zone(account, "Asia/Shanghai")
    migration = importlib.import_module("blockdesk.reports.migrations.0002_report_zone")
    migration.reset_rollups(apps, None)
    assert not DailyRollup.objects.exists() and not CaseState.objects.exists()
    cursor = ConsumerCursor.objects.get(name=CONSUMER)
    assert (cursor.position_txid, cursor.position_id) == (0, 0)
    drain(CONSUMER, timeout=60)
    assert set(_created_by_day(account)) == {dt.date(2026, 6, 2)}
