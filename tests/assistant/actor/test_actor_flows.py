"""More of the assistant's loop: clarifying questions, the resolution timeout, agents
stepping in, and who may press the buttons."""

from __future__ import annotations

import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.test import override_settings
from django.utils import timezone

from blockdesk.assistant import services
from blockdesk.assistant.models import AssistantConversation, AssistantTurn
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation, Message
from tests.assistant.actor.helpers import next_assistant_message, quick_reply, visitor_socket
from tests.widget.conftest import Visitor

pytestmark = pytest.mark.django_db(transaction=True)


async def test_close_intents_get_a_clarifying_question(
    assistant_channel, lenient_clarify, customer
):
    # "2fa help" fits both "set up 2FA" and "reset 2FA" (model ~0.48 / 0.47, and KB
    # search ranks the two within a hair): the assistant asks instead of guessing.
    comm = await visitor_socket(assistant_channel, customer.token)
    await sync_to_async(customer.send)("2fa help")
    question = await next_assistant_message(comm)
    options = [q["id"] for q in question["metadata"]["quick_replies"]]
    assert sorted(options[:2]) == ["pick:two-factor-reset", "pick:two-factor-setup"]
    assert options[2] == "none"
    # A confusable pair (assistant/confusables.py): one question naming both in plain words.
    assert any(
        f"is this about {a}, or about {b}?" in question["content"]
        for a, b in (
            ("resetting a lost 2FA", "setting up 2FA"),
            ("setting up 2FA", "resetting a lost 2FA"),
        )
    )

    await sync_to_async(quick_reply)(customer, question["id"], "pick:two-factor-setup")
    answer = await next_assistant_message(comm)
    assert answer["metadata"]["article"]["key"] == "two-factor-setup"
    assert [q["id"] for q in answer["metadata"]["quick_replies"]] == ["solved", "more_help"]
    turns = await database_sync_to_async(
        lambda: list(AssistantTurn.objects.order_by("id").values_list("action", "intent"))
    )()
    assert turns[0][0] == "clarify" and turns[1] == ("answer", "two-factor-setup")
    await comm.disconnect()


async def test_none_of_these_hands_off(assistant_channel, customer):
    comm = await visitor_socket(assistant_channel, customer.token)
    await sync_to_async(customer.send)("2FA")
    question = await next_assistant_message(comm)
    await sync_to_async(quick_reply)(customer, question["id"], "none")
    handoff = await next_assistant_message(comm)
    assert "member of our team" in handoff["content"]
    conv = await database_sync_to_async(Conversation.objects.get)(pk=handoff["conversation_id"])
    assert conv.status == "open"
    await comm.disconnect()


def _answered(customer: Visitor, text: str) -> Conversation:
    response = customer.send(text)
    conv = Conversation.objects.get(pk=response.json()["conversation"]["id"])
    assert Message.objects.filter(conversation=conv, sender_type="assistant").exists()
    return conv


def test_silence_after_an_answer_resolves_after_the_timeout(assistant_channel, customer):
    conv = _answered(customer, "My withdrawal has been pending for hours")
    state = AssistantConversation.objects.get(conversation=conv)
    assert state.awaiting == "confirmation"
    # Configured 30 minutes: nothing happens before, the case is resolved after.
    assert services.do_resolve_timed_out(now=timezone.now() + dt.timedelta(minutes=20)) == 0
    assert services.do_resolve_timed_out(now=timezone.now() + dt.timedelta(minutes=31)) == 1
    conv.refresh_from_db()
    state.refresh_from_db()
    assert conv.status == "resolved"
    assert (state.state, state.resolved_by) == ("resolved", "timeout")
    assert AssistantTurn.objects.get(conversation=conv).outcome == "resolved"
    # Idempotent: a second sweep (another node) finds nothing.
    assert services.do_resolve_timed_out(now=timezone.now() + dt.timedelta(minutes=40)) == 0


def test_timeout_respects_the_inbox_setting(assistant_channel, customer):
    from blockdesk.assistant.models import AssistantSettings

    AssistantSettings.objects.filter(inbox=assistant_channel.inbox).update(
        resolution_timeout_minutes=5
    )
    conv = _answered(customer, "how long do withdrawals take")
    assert services.do_resolve_timed_out(now=timezone.now() + dt.timedelta(minutes=6)) == 1
    conv.refresh_from_db()
    assert conv.status == "resolved"


def test_a_customer_message_not_yet_handled_blocks_the_timeout(assistant_channel, customer):
    conv = _answered(customer, "My withdrawal has been pending for hours")
    # A message stored after the answer but not handled yet (the event dispatcher is behind).
    with override_settings(EVENT_INLINE_CONSUMERS=()):
        customer.send("and it is 300 USDT", conv.pk)
    assert services.do_resolve_timed_out(now=timezone.now() + dt.timedelta(hours=1)) == 0
    conv.refresh_from_db()
    assert conv.status == "pending"


def test_agent_reply_makes_the_assistant_step_back(assistant_channel, customer, agent):
    conv = _answered(customer, "My withdrawal has been pending for hours")
    conv_services.do_send_agent_message(
        agent=agent, conversation=conv, content="I'm here, checking"
    )
    state = AssistantConversation.objects.get(conversation=conv)
    assert (state.state, state.handoff_reason) == ("handed_off", "agent_took_over")
    before = Message.objects.filter(conversation=conv, sender_type="assistant").count()
    customer.send("thanks! it is 300 USDT", conv.pk)
    conv.refresh_from_db()
    assert Message.objects.filter(conversation=conv, sender_type="assistant").count() == before
    assert conv.status == "open"
    # No timeout resolution either: the agent owns the case now.
    assert services.do_resolve_timed_out(now=timezone.now() + dt.timedelta(hours=2)) == 0


def test_assistant_off_leaves_cases_to_agents(channel, assistant_env, agent):
    visitor = Visitor(channel).start()
    response = visitor.send("My withdrawal has been pending for hours")
    conv = Conversation.objects.get(pk=response.json()["conversation"]["id"])
    assert conv.status == "open"
    assert not Message.objects.filter(conversation=conv, sender_type="assistant").exists()
    assert not AssistantTurn.objects.exists()


def test_quick_reply_only_for_the_customers_own_messages(assistant_channel, customer):
    conv = _answered(customer, "My withdrawal has been pending for hours")
    answer = Message.objects.filter(conversation=conv, sender_type="assistant").first()
    other = Visitor(assistant_channel, ip="198.51.100.9").start()
    assert quick_reply(other, answer.pk, "solved").status_code == 404
    assert quick_reply(customer, answer.pk, "pick:fee-schedule").status_code == 422
    no_token = customer.client.post(
        f"/assistant/widget/{assistant_channel.public_token}/quick-reply",
        {"message_id": answer.pk, "choice": "solved"},
        content_type="application/json",
    )
    assert no_token.status_code == 401
    assert no_token.json()["error"]["code"]
    conv.refresh_from_db()
    assert conv.status == "pending"


def test_greeting_only_once_and_configurable(assistant_channel, customer):
    from blockdesk.assistant.models import AssistantSettings

    AssistantSettings.objects.filter(inbox=assistant_channel.inbox).update(
        greeting={"en": "Welcome to Example Exchange support!"}
    )
    conv = _answered(customer, "2FA")
    customer.send("1", conv.pk)  # picks the first option by number
    replies = list(
        Message.objects.filter(conversation=conv, sender_type="assistant").order_by("id")
    )
    assert replies[0].content.startswith("Welcome to Example Exchange support!")
    assert "Welcome" not in replies[1].content
    assert replies[1].metadata["public"]["article"]["key"] in (
        "two-factor-reset",
        "two-factor-setup",
    )


def test_asking_the_same_thing_again_hands_off(assistant_channel, customer):
    conv = _answered(customer, "My withdrawal has been pending for hours")
    customer.send("why is my withdrawal still pending?", conv.pk)
    conv.refresh_from_db()
    assert conv.status == "open"
    assert AssistantConversation.objects.get(conversation=conv).handoff_reason == "not_helpful"


def test_angry_customer_handed_off(assistant_channel, customer):
    response = customer.send("THIS IS RIDICULOUS, WHERE IS MY WITHDRAWAL?!")
    conv = Conversation.objects.get(pk=response.json()["conversation"]["id"])
    assert conv.status == "open"
    note = Message.objects.get(conversation=conv, is_private=True)
    assert "the customer seems upset" in note.content
    assert "angry or frustrated" in note.content


def test_exposed_secret_always_goes_to_a_person(assistant_channel, customer):
    words = (
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
        "abandon about"
    )
    response = customer.send(f"how do I reset 2FA? my seed is {words}")
    conv = Conversation.objects.get(pk=response.json()["conversation"]["id"])
    assert conv.secret_exposed and conv.status == "open"
    assert AssistantConversation.objects.get(conversation=conv).handoff_reason == "secret_exposed"
    assert words not in str(list(Message.objects.values_list("content", flat=True)))


def test_someone_posing_as_us_gets_a_person_and_the_verify_page(assistant_channel, customer):
    response = customer.send("有人冒充客服在电报上私信我，让我点一个链接")
    conv = Conversation.objects.get(pk=response.json()["conversation"]["id"])
    assert conv.status == "open"
    state = AssistantConversation.objects.get(conversation=conv)
    assert state.handoff_reason == "impersonation"
    reply = Message.objects.filter(conversation=conv, is_private=False, sender_type="assistant")
    text = reply.get().content
    assert "我们绝不会索要您的助记词" in text
    assert "核实" in text and text.rstrip().endswith("/verify/")
    note = Message.objects.get(conversation=conv, is_private=True)
    assert "someone may be posing as us" in note.content
