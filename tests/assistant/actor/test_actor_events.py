"""The assistant's work is on the event log: answered (citing the articles, with its
confidence), handed off (why), resolved (confirmed or by timeout), corrected by an agent.
Each event is written in the transaction of the change it records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from blockdesk.assistant import services
from blockdesk.assistant.models import AssistantTurn
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation, Message
from blockdesk.events.models import Event
from blockdesk.events.registry import get_event_type
from blockdesk.kb.models import Article
from tests.assistant.actor.helpers import quick_reply
from tests.widget.conftest import Visitor

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "My withdrawal has been pending for hours"


def _events(name: str, conversation: Conversation) -> list[Event]:
    events = list(
        Event.objects.filter(name=name, subject_type="conversation", subject_id=conversation.pk)
    )
    for event in events:
        get_event_type(name).payload.model_validate(event.payload)
        assert event.account_id == conversation.account_id
    return events


def _ask(customer: Visitor, text: str) -> Conversation:
    response = customer.send(text)
    return Conversation.objects.get(pk=response.json()["conversation"]["id"])


def test_an_answer_cites_its_article_and_confidence(assistant_channel, customer):
    conv = _ask(customer, QUESTION)
    turn = AssistantTurn.objects.get(conversation=conv, action="answer")
    [event] = _events("assistant.answered", conv)
    article = Article.objects.get(account_id=conv.account_id, key=turn.article_key)
    assert event.payload == {
        "conversation_id": conv.pk,
        "turn_id": turn.pk,
        "message_id": turn.message_id,
        "reply_id": turn.reply_id,
        "kind": "article",
        "article_ids": [article.pk],
        "article_keys": [turn.article_key],
        "community_question_ids": [],
        "language": "en",
        "confidence": round(turn.confidence, 4),
        "generated": False,
    }
    assert 0 < event.payload["confidence"] <= 1
    assert (event.actor_kind, event.actor_id) == ("assistant", None)
    reply_event = Event.objects.get(name="message.created", subject_id=turn.reply_id)
    if connection.vendor == "postgresql":  # one transaction: the reply and its event
        assert event.txid is not None and event.txid == reply_event.txid
    assert _events("assistant.handed_off", conv) == []


def test_an_answer_that_fails_half_way_leaves_no_answered_event(
    assistant_channel, customer, monkeypatch
):
    conv = _ask(customer, "2FA")  # close topics: a clarifying question, no answer yet
    question = Message.objects.filter(conversation=conv, sender_type="assistant").latest("id")

    def broken(ctx: object) -> None:
        raise RuntimeError("the state could not be saved")

    monkeypatch.setattr(services.replies, "_await_confirmation", broken)
    assert quick_reply(customer, question.pk, "pick:two-factor-setup").status_code in (200, 201)
    # The answer's transaction rolled back (reply, turn, event); the fail-safe handed off.
    assert _events("assistant.answered", conv) == []
    assert not AssistantTurn.objects.filter(conversation=conv, action="answer").exists()
    [event] = _events("assistant.handed_off", conv)
    assert event.payload == {
        "conversation_id": conv.pk,
        "reason": "error",
        "sensitive": False,
        "turn_id": None,
        "message_id": None,
    }


def test_handed_off_says_why(assistant_channel, customer):
    conv = _ask(customer, "THIS IS RIDICULOUS, WHERE IS MY WITHDRAWAL?!")
    [event] = _events("assistant.handed_off", conv)
    turn = AssistantTurn.objects.get(conversation=conv, action="handoff")
    assert event.payload == {
        "conversation_id": conv.pk,
        "reason": "mood",
        "sensitive": False,
        "turn_id": turn.pk,
        "message_id": turn.message_id,
    }
    assert (event.actor_kind, event.actor_id) == ("assistant", None)

    conv = _ask(Visitor(assistant_channel).start(), "有人冒充客服在电报上私信我，让我点一个链接")
    [event] = _events("assistant.handed_off", conv)
    assert (event.payload["reason"], event.payload["sensitive"]) == ("impersonation", True)


def test_an_agent_stepping_in_is_a_hand_off(assistant_channel, customer, agent):
    conv = _ask(customer, QUESTION)
    conv_services.do_send_agent_message(agent=agent, conversation=conv, content="I'm here")
    [event] = _events("assistant.handed_off", conv)
    assert event.payload["reason"] == "agent_took_over" and event.payload["turn_id"] is None


def test_the_customer_confirms_it_solved(assistant_channel, customer):
    conv = _ask(customer, QUESTION)
    answer = Message.objects.filter(conversation=conv, sender_type="assistant").latest("id")
    assert quick_reply(customer, answer.pk, "solved").status_code in (200, 201)
    [event] = _events("assistant.resolved", conv)
    turn = AssistantTurn.objects.filter(conversation=conv, action="answer").get()
    assert event.payload == {
        "conversation_id": conv.pk,
        "how": "confirmed",
        "article_keys": [turn.article_key],
    }
    assert (event.actor_kind, event.actor_id) == ("contact", conv.contact_id)


def test_silence_resolves_by_timeout(assistant_channel, customer):
    conv = _ask(customer, QUESTION)
    assert services.do_resolve_timed_out(now=timezone.now() + dt.timedelta(minutes=31)) == 1
    [event] = _events("assistant.resolved", conv)
    assert event.payload["how"] == "timeout"
    assert (event.actor_kind, event.actor_id) == ("system", None)
    # The sweep again: nothing more.
    assert services.do_resolve_timed_out(now=timezone.now() + dt.timedelta(minutes=40)) == 0
    assert len(_events("assistant.resolved", conv)) == 1


def test_an_agent_correction(assistant_channel, customer, agent):
    conv = _ask(customer, "How long does a withdrawal take to arrive?")
    reply = Message.objects.filter(conversation=conv, sender_type="assistant").latest("id")
    wrong = reply.metadata["assistant"]["article_key"]
    right = "withdrawal-limits" if wrong != "withdrawal-limits" else "withdrawal-fees"
    client = Client()
    client.force_login(agent)
    response = client.post(
        f"/app/assistant/messages/{reply.pk}/correction",
        {"correct_key": right},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200, response.content
    [event] = _events("assistant.corrected", conv)
    turn = AssistantTurn.objects.get(reply=reply)
    assert event.payload == {
        "conversation_id": conv.pk,
        "correction_id": turn.corrections.get().pk,
        "reply_id": reply.pk,
        "turn_id": turn.pk,
        "wrong_article_key": wrong,
        "correct_article_key": right,
    }
    assert (event.actor_kind, event.actor_id) == ("agent", agent.pk)
