"""Surge mode in the assistant (staffing/surge.py): during a surge the customer gets the
admin's incident answer and a wait estimate and the case goes to a person; before and
after it, the usual answer from the help center."""

from __future__ import annotations

import pytest

from blockdesk.assistant.models import AssistantTurn
from blockdesk.conversations.models import Conversation, Message
from blockdesk.staffing import surge
from blockdesk.staffing.models import SurgeSettings

pytestmark = pytest.mark.django_db(transaction=True)

INCIDENT = "Our BTC node is down: deposits are delayed, no funds are at risk."


def assistant_reply(conversation_id: int) -> Message:
    return Message.objects.filter(
        conversation_id=conversation_id, sender_type="assistant", is_private=False
    ).latest("id")


def test_incident_answer_during_a_surge_only(assistant_channel, customer, admin_user):
    account = assistant_channel.inbox.account
    SurgeSettings.objects.create(account=account, incident_answer_en=INCIDENT)
    question = "My withdrawal has been pending for hours"

    before = customer.send(question).json()["conversation"]["id"]
    assert INCIDENT not in assistant_reply(before).content
    assert AssistantTurn.objects.get(conversation_id=before).action == "answer"

    surge.do_start_surge(account_id=account.pk, by=admin_user, reason="node down")
    during = customer.send(question).json()["conversation"]["id"]
    reply = assistant_reply(during).content
    assert reply.count(INCIDENT) == 1
    # Nobody has replied lately: the estimate says so rather than inventing a figure.
    assert "We cannot estimate the wait for a person right now." in reply
    turn = AssistantTurn.objects.filter(conversation_id=during).latest("id")
    assert (turn.action, turn.handoff_reason) == ("handoff", "surge")
    assert Conversation.objects.get(pk=during).status == "open"  # with the team now

    surge.do_end_surge(account_id=account.pk, by=admin_user)
    other = type(customer)(assistant_channel, ip="198.51.100.20").start()
    after = other.send(question).json()["conversation"]["id"]
    assert INCIDENT not in assistant_reply(after).content
