"""Warnings and breaches fire once each, through the owners' services, on the timeline."""

from __future__ import annotations

import pytest

from blockdesk.accounts.models import Team
from blockdesk.accounts.services import do_create_agent
from blockdesk.conversations import services as conv
from blockdesk.conversations.models import Conversation
from blockdesk.conversations.timeline import describe_event
from blockdesk.sla.models import SlaClock
from blockdesk.sla.timers import do_fire_due_timers
from tests.conftest import PASSWORD
from tests.sla.support import Clock, clock, local, policy

pytestmark = pytest.mark.django_db(transaction=True)
BERLIN = "Europe/Berlin"


def test_warning_then_breach_with_every_action(
    channel, contact, agent, admin_user, account, mailoutbox
):
    # A team lead by the membership flag (an agent, not an administrator).
    lead = do_create_agent(
        account=account, username="lena", email="lena@example.com", password=PASSWORD
    )
    backup = do_create_agent(
        account=account, username="ben", email="ben@example.com", password=PASSWORD
    )
    channel.inbox.members.add(backup)
    escalation = Team.objects.create(account=account, name="Tier 2")
    escalation.members.add(lead, through_defaults={"is_lead": True})
    policy(
        account,
        business_hours=False,
        first_response_minutes=100,
        warn_percent=75,
        breach_raise_priority=True,
        breach_reassign_to=backup,
        breach_escalate_team=escalation,
    )
    time = Clock()
    case = conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="Help"
    ).message.conversation
    case = conv.do_assign(actor=agent, conversation=case, assignee=agent)
    time.step(local(BERLIN, 2026, 6, 1, 10))
    first = clock(case.pk, "first_response")
    assert first.warn_at == local(BERLIN, 2026, 6, 1, 11, 15)

    assert do_fire_due_timers(now=local(BERLIN, 2026, 6, 1, 11, 14)) == {"warned": 0, "breached": 0}
    assert do_fire_due_timers(now=local(BERLIN, 2026, 6, 1, 11, 15))["warned"] == 1
    assert do_fire_due_timers(now=local(BERLIN, 2026, 6, 1, 11, 16))["warned"] == 0
    warning = case.events.get(kind="sla_warning")
    assert warning.data["notified"] == [agent.public_name]
    assert "SLA warning: First response due" in describe_event(warning)
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]

    breach_time = local(BERLIN, 2026, 6, 1, 11, 41)
    assert do_fire_due_timers(now=breach_time)["breached"] == 1
    assert do_fire_due_timers(now=breach_time)["breached"] == 0
    case.refresh_from_db()
    assert case.priority == Conversation.Priority.HIGH
    assert case.team_id == escalation.pk
    assert case.assignee_id == backup.pk
    breach = case.events.get(kind="sla_breached")
    assert breach.data["actions"] == ["raise_priority", "escalate", "reassign"]
    # The new assignee and the escalation team's lead hear of it.
    assert set(breach.data["notified"]) == {backup.public_name, lead.public_name}
    line = describe_event(breach)
    assert "SLA breached: First response" in line and "priority raised" in line
    # Each action is on the timeline through its owner's service.
    kinds = list(case.events.values_list("kind", flat=True))
    assert {"priority_changed", "team_changed", "assigned"} <= set(kinds)
    first.refresh_from_db()
    assert first.breached_at is not None and first.state == SlaClock.State.RUNNING
    # A late reply closes it, not met.
    time.step(breach_time)  # the priority/team/assign events: the clock is re-planned
    conv.do_send_agent_message(agent=backup, conversation=case, content="Sorry for the wait")
    time.step(local(BERLIN, 2026, 6, 1, 12))
    first.refresh_from_db()
    assert first.state == SlaClock.State.DONE and first.met is False
    assert first.agent_id == backup.pk and first.team_id == escalation.pk


def test_a_refused_reassignment_is_recorded_and_the_rest_happens(
    channel, contact, agent, outsider, account
):
    # `outsider` has no access to the inbox: conversations refuses the assignment.
    policy(
        account,
        business_hours=False,
        first_response_minutes=10,
        breach_reassign_to=outsider,
        notify_on_breach=False,
    )
    time = Clock()
    case = conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="Help"
    ).message.conversation
    time.step(local(BERLIN, 2026, 6, 1, 10))
    assert do_fire_due_timers(now=local(BERLIN, 2026, 6, 1, 10, 11))["breached"] == 1
    breach = case.events.get(kind="sla_breached")
    assert breach.data["actions"] == ["reassign_refused"]
    case.refresh_from_db()
    assert case.assignee_id is None


def test_escalation_alerts_the_escalation_teams_leads_even_without_notify(
    channel, contact, agent, admin_user, account, mailoutbox
):
    lead = do_create_agent(
        account=account, username="lena", email="lena@example.com", password=PASSWORD
    )
    member = do_create_agent(
        account=account, username="mo", email="mo@example.com", password=PASSWORD
    )
    escalation = Team.objects.create(account=account, name="Tier 2")
    escalation.members.add(lead, through_defaults={"is_lead": True})
    escalation.members.add(member)  # not a lead: not alerted
    policy(
        account,
        business_hours=False,
        first_response_minutes=10,
        breach_escalate_team=escalation,
        notify_on_breach=False,
    )
    time = Clock()
    case = conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="Help"
    ).message.conversation
    time.step(local(BERLIN, 2026, 6, 1, 10))
    assert do_fire_due_timers(now=local(BERLIN, 2026, 6, 1, 10, 11))["breached"] == 1
    breach = case.events.get(kind="sla_breached")
    assert breach.data["actions"] == ["escalate"]
    assert breach.data["notified"] == [lead.public_name]
    assert [m.to for m in mailoutbox] == [["lena@example.com"]]
    assert "Escalated to Tier 2" in mailoutbox[0].subject


def test_escalation_to_a_team_without_a_lead_alerts_the_administrators(
    channel, contact, account, admin_user, mailoutbox
):
    escalation = Team.objects.create(account=account, name="Tier 2")
    policy(
        account,
        business_hours=False,
        first_response_minutes=10,
        breach_escalate_team=escalation,
        notify_on_breach=False,
    )
    time = Clock()
    case = conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="Help"
    ).message.conversation
    time.step(local(BERLIN, 2026, 6, 1, 10))
    do_fire_due_timers(now=local(BERLIN, 2026, 6, 1, 10, 11))
    assert case.events.get(kind="sla_breached").data["notified"] == [admin_user.public_name]
