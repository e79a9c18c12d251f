"""The report tables through the event log with controlled clocks: they match a direct
computation of the same cases, first-contact resolution's edge cases, reopening within and
after 7 days, business hours, the assistant by intent, and a rebuild from the log."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.core.management import call_command
from django.db import transaction

from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.reports import buckets
from blockdesk.reports.models import AgentDaily, CaseState, DailyRollup, IntentDaily
from tests.reports.support import Clock, at, open_case, reply, snapshot, status, totals
from tests.sla.support import local, office_hours

pytestmark = pytest.mark.django_db(transaction=True)
T0 = at(2026, 3, 2, 8)  # a Monday


def test_rollups_match_a_direct_computation(channel, contact, agent, account):
    rng = random.Random(14)
    time = Clock()
    expected_frt: list[float] = []
    expected_res: list[float] = []
    per_day: dict[dt.date, int] = {}
    fcr = agent_resolved = 0
    for i in range(8):
        start = T0 + dt.timedelta(days=i % 3, hours=rng.randint(0, 10), minutes=i)
        case = open_case(channel, contact, f"case {i}")
        time.step(start)
        per_day[start.date()] = per_day.get(start.date(), 0) + 1
        replies = i % 4  # 0, 1, 2 or 3 agent replies
        when = start
        for _r in range(replies):
            when += dt.timedelta(minutes=rng.randint(1, 600))
            reply(agent, case)
            time.step(when)
            if _r == 0:
                expected_frt.append((when - start).total_seconds())
        if i % 3 != 2:  # two cases in three get resolved
            when += dt.timedelta(minutes=rng.randint(1, 3000))
            status(agent, case, "resolved")
            time.step(when)
            expected_res.append((when - start).total_seconds())
            if replies:
                agent_resolved += 1
                fcr += replies == 1
    got = totals(account_id=account.pk)
    assert got["created"] == 8
    assert got["first_responses"] == len(expected_frt)
    assert got["frt_sum"] == pytest.approx(sum(expected_frt))
    assert got["resolved"] == got["first_resolved"] == len(expected_res)
    assert got["res_sum"] == pytest.approx(sum(expected_res))
    assert got["agent_resolved"] == agent_resolved and got["fcr"] == fcr
    for measure, values in (("frt", expected_frt), ("res", expected_res)):
        histogram = [0] * buckets.COUNT
        for v in values:
            histogram[buckets.bucket_of(v)] += 1
        assert [got.get(c, 0) for c in buckets.columns(measure)] == histogram
    days = {r.day: r.created for r in DailyRollup.objects.filter(created__gt=0)}
    assert days == per_day
    assert sum(got[f"created_h{h}"] for h in range(24)) == 8
    mine = AgentDaily.objects.filter(agent_id=agent.pk)
    assert sum(mine.values_list("first_responses", flat=True)) == len(expected_frt)
    # A rebuild from the log gives the same tables.
    before = snapshot()
    call_command("reports", "rebuild", stdout=io.StringIO())
    assert snapshot() == before


def _resolved_once(channel, contact, agent, *, replies: int, private_notes: int = 0):
    time = Clock()
    case = open_case(channel, contact)
    time.step(T0)
    for r in range(replies):
        reply(agent, case)
        time.step(T0 + dt.timedelta(minutes=10 + r))
    for _n in range(private_notes):
        reply(agent, case, "note to self", private=True)
        time.step(T0 + dt.timedelta(minutes=30))
    status(agent, case, "resolved")
    resolved_at = T0 + dt.timedelta(hours=1)
    time.step(resolved_at)
    return case, time, resolved_at


@pytest.mark.parametrize(
    ("replies", "notes", "fcr", "denominator"),
    [(1, 0, 1, 1), (1, 2, 1, 1), (2, 0, 0, 1), (0, 0, 0, 0), (0, 1, 0, 0)],
)
def test_first_contact_resolution_counts_one_public_agent_reply(
    channel, contact, agent, replies, notes, fcr, denominator
):
    _resolved_once(channel, contact, agent, replies=replies, private_notes=notes)
    got = totals()
    assert got["fcr"] == fcr and got["agent_resolved"] == denominator
    assert got["first_resolved"] == 1


@pytest.mark.parametrize(
    ("after", "within"),
    [
        (dt.timedelta(days=2), True),
        (dt.timedelta(days=7), True),  # exactly 7 days: still within
        (dt.timedelta(days=7, seconds=1), False),
    ],
)
def test_a_reopening_within_7_days_takes_the_fcr_back(channel, contact, agent, after, within):
    case, time, resolved_at = _resolved_once(channel, contact, agent, replies=1)
    assert totals()["fcr"] == 1
    status(agent, case, "open")
    time.step(resolved_at + after)
    got = totals()
    assert got["reopens"] == 1
    assert got["fcr"] == (0 if within else 1)
    assert got["reopened_7d"] == (1 if within else 0)
    # Taken back from the resolution's own day, not the reopening's.
    row = DailyRollup.objects.get(day=resolved_at.date(), first_resolved=1)
    assert row.fcr == (0 if within else 1)
    # A second resolution counts as a resolution, never as a first-contact one.
    status(agent, case, "resolved")
    time.step(resolved_at + after + dt.timedelta(hours=1))
    got = totals()
    assert got["resolved"] == 2 and got["first_resolved"] == 1
    assert got["fcr"] == (0 if within else 1)


def test_business_hours_and_calendar_times(channel, contact, agent, account):
    office_hours(account)  # Berlin, Mon–Fri 9–12 and 13–17
    time = Clock()
    case = open_case(channel, contact)
    created = local("Europe/Berlin", 2026, 6, 5, 16, 30)  # Friday
    time.step(created)
    answered = local("Europe/Berlin", 2026, 6, 8, 9, 30)  # Monday
    reply(agent, case)
    time.step(answered)
    got = totals()
    assert got["frt_sum"] == (answered - created).total_seconds()
    assert got["frtb_sum"] == 60 * 60  # 30 min on Friday + 30 on Monday
    assert got[f"frtb_{buckets.bucket_of(3600)}"] == 1


def _assistant(account, case, name: str, **payload) -> None:
    with transaction.atomic():
        emit(
            account_id=account.pk,
            name=name,
            payload={"conversation_id": case.pk, **payload},
            actor=Actor.system(),
            subject=Subject("conversation", case.pk),
        )


def test_assistant_deflection_and_handoff_by_intent(channel, contact, account):
    time = Clock()
    answered = {"turn_id": 1, "message_id": 1, "reply_id": 2, "kind": "article"}
    for i, (intent, outcome) in enumerate(
        [
            ("deposit", "resolved"),
            ("deposit", "handed_off"),
            ("deposit", "resolved"),
            ("kyc", "handed_off"),
        ]
    ):
        case = open_case(channel, contact, f"question {i}")
        _assistant(
            account, case, "assistant.answered", article_keys=[intent], language="en", **answered
        )
        if outcome == "resolved":
            _assistant(account, case, "assistant.resolved", how="confirmed", article_keys=[intent])
            _assistant(account, case, "assistant.resolved", how="timeout", article_keys=[intent])
        else:
            _assistant(account, case, "assistant.handed_off", reason="not_helpful")
    time.step(T0)
    rows = {r.intent: (r.handled, r.deflected, r.handed_off) for r in IntentDaily.objects.all()}
    assert rows == {"deposit": (3, 2, 1), "kyc": (1, 0, 1)}  # each case once
    got = totals()
    assert (got["assistant_handled"], got["assistant_resolved"], got["assistant_handoffs"]) == (
        4,
        2,
        2,
    )


def test_a_case_older_than_the_log_starts_from_its_row(channel, contact, agent, account):
    time = Clock()
    case = open_case(channel, contact)
    time.step(T0)
    # As if its creation were older than the retained log (or than this consumer):
    CaseState.objects.all().delete()
    DailyRollup.objects.all().delete()
    reply(agent, case)
    time.step(T0 + dt.timedelta(days=1))
    state = CaseState.objects.get(conversation_id=case.pk)
    assert state.inbox_id == channel.inbox.pk and state.first_reply_at is not None
    assert totals()["first_responses"] == 1
