"""SLA clocks through the event log with controlled clocks: the boundary, a holiday, a
pause while pending, DST, next response, resolution, policy changes."""

from __future__ import annotations

import datetime as dt

import pytest

from blockdesk.conversations import services as conv
from blockdesk.conversations.models import Conversation
from blockdesk.sla.models import Holiday, SlaClock
from blockdesk.sla.timers import do_fire_due_timers
from tests.sla.support import Clock, clock, local, office_hours, policy

pytestmark = pytest.mark.django_db(transaction=True)
BERLIN = "Europe/Berlin"
Running, Paused, Done = SlaClock.State.RUNNING, SlaClock.State.PAUSED, SlaClock.State.DONE


def open_case(channel, contact, content: str = "My withdrawal is stuck") -> Conversation:
    sent = conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content=content
    )
    return sent.message.conversation


def reply(agent, case: Conversation, content: str = "Looking into it") -> None:
    conv.do_send_agent_message(agent=agent, conversation=case, content=content)


@pytest.mark.parametrize("late", [False, True])
def test_a_reply_exactly_at_the_deadline_meets_it(channel, contact, agent, account, late):
    office_hours(account)
    policy(account)
    time = Clock()
    case = open_case(channel, contact)
    assert case.status == Conversation.Status.OPEN
    time.step(local(BERLIN, 2026, 6, 1, 16))  # Monday 16:00, 60 min before closing
    first = clock(case.pk, "first_response")
    assert first.state == Running and first.business
    # 60 business minutes run out at closing: due at Tuesday's opening.
    assert first.due_at == local(BERLIN, 2026, 6, 2, 9)
    assert first.warn_at == local(BERLIN, 2026, 6, 1, 16, 48)  # 80 %
    deadline = local(BERLIN, 2026, 6, 2, 9)
    assert do_fire_due_timers(now=deadline)["breached"] == 0
    answered = deadline + dt.timedelta(seconds=1 if late else 0)
    if late:
        assert do_fire_due_timers(now=answered)["breached"] == 1
        assert do_fire_due_timers(now=answered)["breached"] == 0  # once
    reply(agent, case)
    time.step(answered)
    first.refresh_from_db()
    assert first.state == Done and first.met is (not late)
    assert first.agent_id == agent.pk and first.channel_kind == channel.inbox.channel_kind
    kinds = list(case.events.values_list("kind", flat=True))
    assert ("sla_breached" in kinds) is late
    # Resolution keeps running: only an agent's reply answers.
    assert clock(case.pk, "resolution").state == Running


def test_a_holiday_is_skipped(channel, contact, agent, account):
    hours = office_hours(account)
    Holiday.objects.create(hours=hours, date=dt.date(2026, 5, 25), name="Whit Monday")
    policy(account)
    time = Clock()
    case = open_case(channel, contact)
    time.step(local(BERLIN, 2026, 5, 22, 16, 30))  # Friday
    assert clock(case.pk, "first_response").due_at == local(BERLIN, 2026, 5, 26, 9, 30)
    assert do_fire_due_timers(now=local(BERLIN, 2026, 5, 25, 23))["breached"] == 0


def test_waiting_on_the_customer_pauses_the_clock(channel, contact, agent, account):
    office_hours(account)
    policy(account)
    time = Clock()
    case = open_case(channel, contact)
    time.step(local(BERLIN, 2026, 6, 1, 10))
    conv.do_change_status(actor=agent, conversation=case, status="pending")
    time.step(local(BERLIN, 2026, 6, 1, 10, 20))
    paused = clock(case.pk, "first_response")
    assert paused.state == Paused and paused.due_at is None and paused.warn_at is None
    assert paused.consumed_seconds == 20 * 60
    # Hours later nothing fires while paused.
    assert do_fire_due_timers(now=local(BERLIN, 2026, 6, 3, 10)) == {"warned": 0, "breached": 0}
    # The customer writes: the case opens and 40 minutes are left.
    case.refresh_from_db()
    conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=case, content="Any news?"
    )
    time.step(local(BERLIN, 2026, 6, 1, 14))
    resumed = clock(case.pk, "first_response")
    assert resumed.state == Running
    assert resumed.due_at == local(BERLIN, 2026, 6, 1, 14, 40)
    reply(agent, case)
    time.step(local(BERLIN, 2026, 6, 1, 14, 40))
    assert clock(case.pk, "first_response").met is True


def test_snoozed_pauses_too_and_resolution_stops(channel, contact, agent, account):
    policy(account, business_hours=False, resolution_minutes=120)
    time = Clock()
    case = open_case(channel, contact)
    time.step(local(BERLIN, 2026, 6, 6, 10))  # Saturday: calendar time counts
    case = conv.do_change_status(
        actor=agent,
        conversation=case,
        status="snoozed",
        snoozed_until=dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
    )
    time.step(local(BERLIN, 2026, 6, 6, 11))
    assert clock(case.pk, "resolution").state == Paused
    case = conv.do_change_status(actor=agent, conversation=case, status="open")
    time.step(local(BERLIN, 2026, 6, 6, 15))
    resolution = clock(case.pk, "resolution")
    assert not resolution.business
    assert resolution.due_at == local(BERLIN, 2026, 6, 6, 16)  # 60 min used, 60 left
    conv.do_change_status(actor=agent, conversation=case, status="resolved")
    time.step(local(BERLIN, 2026, 6, 6, 15, 30))
    resolution.refresh_from_db()
    assert resolution.state == Done and resolution.met is True
    # The first response never came: not met, not missed — cancelled.
    assert clock(case.pk, "first_response").state == SlaClock.State.CANCELLED


def test_dst_weekend_in_new_york(channel, contact, agent, account):
    office_hours(account, tz="America/New_York", spans=((9 * 60, 17 * 60),))
    policy(account, first_response_minutes=120)
    time = Clock()
    case = open_case(channel, contact)
    time.step(local("America/New_York", 2026, 3, 6, 16))  # Friday, EST
    due = clock(case.pk, "first_response").due_at
    # Monday 10:00 EDT: one hour on Friday, one on Monday after the clocks went forward.
    assert due == dt.datetime(2026, 3, 9, 14, 0, tzinfo=dt.UTC)


def test_next_response_starts_with_the_customer_after_a_reply(channel, contact, agent, account):
    policy(account, business_hours=False)
    time = Clock()
    case = open_case(channel, contact)
    time.step(local(BERLIN, 2026, 6, 1, 10))
    conv.do_send_assistant_message(conversation=case, content="I am the assistant")
    time.step(local(BERLIN, 2026, 6, 1, 10, 1))
    # The assistant is not a human first response.
    assert clock(case.pk, "first_response").state == Running
    reply(agent, case)
    time.step(local(BERLIN, 2026, 6, 1, 10, 5))
    assert not SlaClock.objects.filter(conversation=case, target="next_response").exists()
    conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=case, content="Thanks, and?"
    )
    time.step(local(BERLIN, 2026, 6, 1, 11))
    nxt = clock(case.pk, "next_response")
    assert nxt.state == Running and nxt.due_at == local(BERLIN, 2026, 6, 1, 11, 30)
    conv.do_send_agent_message(agent=agent, conversation=case, content="note", private=True)
    time.step(local(BERLIN, 2026, 6, 1, 11, 10))
    assert clock(case.pk, "next_response").state == Running  # a note is no answer
    reply(agent, case)
    time.step(local(BERLIN, 2026, 6, 1, 11, 45))
    nxt.refresh_from_db()
    assert nxt.state == Done and nxt.met is False


def test_a_priority_change_switches_policy_and_keeps_time_used(channel, contact, agent, account):
    policy(account, business_hours=False, first_response_minutes=240, position=2)
    policy(
        account,
        name="Urgent",
        priority=0,
        business_hours=False,
        first_response_minutes=30,
        position=1,
    )
    time = Clock()
    case = open_case(channel, contact)
    time.step(local(BERLIN, 2026, 6, 1, 10))
    assert clock(case.pk, "first_response").policy.name == "Standard"
    conv.do_change_priority(actor=agent, conversation=case, priority="urgent")
    time.step(local(BERLIN, 2026, 6, 1, 10, 10))
    first = clock(case.pk, "first_response")
    assert first.policy.name == "Urgent"
    assert first.due_at == local(BERLIN, 2026, 6, 1, 10, 30)  # 10 of 30 minutes used
