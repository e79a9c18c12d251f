"""The assistant as an actor, end to end through the real widget: a customer writes over
the widget API, the assistant's task runs (immediate backend), and its replies arrive on
the customer's WebSocket."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async

from blockdesk.assistant.models import AssistantConversation, AssistantTurn
from blockdesk.conversations.models import Conversation, Message
from tests.assistant.actor.helpers import drain, next_assistant_message, quick_reply, visitor_socket

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def conversation_of(message: dict) -> Conversation:
    return Conversation.objects.select_related("inbox").get(pk=message["conversation_id"])


@database_sync_to_async
def notes_of(conversation_id: int) -> list[Message]:
    return list(Message.objects.filter(conversation_id=conversation_id, is_private=True))


@database_sync_to_async
def turns_of(conversation_id: int) -> list[AssistantTurn]:
    return list(AssistantTurn.objects.filter(conversation_id=conversation_id).order_by("id"))


async def test_question_answered_with_article_link(assistant_channel, customer):
    comm = await visitor_socket(assistant_channel, customer.token)
    response = await sync_to_async(customer.send)("My withdrawal has been pending for hours")
    assert response.status_code == 201
    # The request returns at once with the case waiting on the assistant, not on agents.
    assert response.json()["conversation"]["status"] == "pending"

    reply = await next_assistant_message(comm)
    meta = reply["metadata"]
    url = meta["article"]["url"]
    assert url.startswith("https://help.example.com/help/en/withdrawals/")
    assert url in reply["content"]
    assert [q["id"] for q in meta["quick_replies"]] == ["solved", "more_help"]
    assert "Did this solve it?" in reply["content"]
    # Agent-only facts never reach the customer.
    assert "confidence" not in str(reply) and "intent" not in meta

    conv = await conversation_of(reply)
    assert conv.status == "pending"
    (turn,) = await turns_of(conv.pk)
    assert (turn.action, turn.intent, turn.language) == ("answer", "withdrawal-pending", "en")
    assert turn.confidence > 0.5 and turn.outcome == "pending"
    await comm.disconnect()


async def test_chinese_question_answered_in_chinese(assistant_channel, customer):
    comm = await visitor_socket(assistant_channel, customer.token)
    await sync_to_async(customer.send)("我的提现一直在处理中，怎么还没到账")
    reply = await next_assistant_message(comm)
    assert "/help/zh-hans/" in reply["metadata"]["article"]["url"]
    assert "这解决了您的问题吗" in reply["content"]
    await comm.disconnect()


async def test_not_helpful_hands_off_with_internal_note(assistant_channel, customer):
    comm = await visitor_socket(assistant_channel, customer.token)
    await sync_to_async(customer.send)("My withdrawal has been pending for hours")
    answer = await next_assistant_message(comm)

    response = await sync_to_async(quick_reply)(customer, answer["id"], "more_help")
    assert response.status_code == 201
    assert response.json()["message"]["content"] == "No, I need more help"
    handoff = await next_assistant_message(comm)
    assert "member of our team" in handoff["content"]
    frames = await drain(comm)
    assert "Handed off by the assistant" not in str(frames)  # the note stays internal

    conv = await conversation_of(handoff)
    assert conv.status == "open" and conv.assignee_id is None
    (note,) = await notes_of(conv.pk)
    assert note.sender_type == "assistant"
    assert "the customer said the answer did not help" in note.content
    # A summary an agent reads at a glance; the technical detail is folded away.
    assert "Tried: offered the article “Why is my withdrawal pending" in note.content
    assert "Mood: calm" in note.content
    assert "withdrawal-pending" not in note.content
    details = note.metadata["assistant"]["details"]
    assert "Customer language: en" in details
    state = await database_sync_to_async(AssistantConversation.objects.get)(conversation=conv)
    assert (state.state, state.handoff_reason) == ("handed_off", "not_helpful")
    turns = await turns_of(conv.pk)
    assert [t.outcome for t in turns] == ["handed_off", "handed_off"]
    await comm.disconnect()


async def test_request_for_a_human_in_chinese(assistant_channel, customer):
    comm = await visitor_socket(assistant_channel, customer.token)
    await sync_to_async(customer.send)("转人工")
    reply = await next_assistant_message(comm)
    assert "人工客服" in reply["content"]
    conv = await conversation_of(reply)
    assert conv.status == "open"
    (note,) = await notes_of(conv.pk)
    assert "the customer asked for a person" in note.content
    assert "Customer language: zh-hans" in note.metadata["assistant"]["details"]
    await comm.disconnect()


async def test_sensitive_case_handed_off_at_once(assistant_channel, customer):
    comm = await visitor_socket(assistant_channel, customer.token)
    await sync_to_async(customer.send)("my account was hacked and my USDT was stolen")
    reply = await next_assistant_message(comm)
    assert "with priority" in reply["content"]
    assert "we will never ask for your seed phrase" in reply["content"]
    assert "quick_replies" not in reply["metadata"]
    conv = await conversation_of(reply)
    assert conv.status == "open" and conv.priority == Conversation.Priority.HIGH
    (turn,) = await turns_of(conv.pk)
    assert (turn.action, turn.handoff_reason) == ("handoff", "account_compromised")
    (note,) = await notes_of(conv.pk)
    assert "sensitive: the account may be compromised" in note.content
    assert "Handed off: sensitive: the account may be compromised." in note.content
    await comm.disconnect()


async def test_out_of_scope_question_handed_off(assistant_channel, customer):
    comm = await visitor_socket(assistant_channel, customer.token)
    await sync_to_async(customer.send)("Can you recommend a good pizza place nearby?")
    reply = await next_assistant_message(comm)
    assert "member of our team" in reply["content"]
    conv = await conversation_of(reply)
    assert conv.status == "open"
    (turn,) = await turns_of(conv.pk)
    assert turn.action == "handoff"
    assert turn.handoff_reason in ("out_of_scope", "low_confidence")
    await comm.disconnect()


async def test_yes_solved_resolves_by_the_assistant(assistant_channel, customer):
    comm = await visitor_socket(assistant_channel, customer.token)
    await sync_to_async(customer.send)("How do I create an API key with read-only permissions?")
    answer = await next_assistant_message(comm)
    response = await sync_to_async(quick_reply)(customer, answer["id"], "solved")
    assert response.status_code == 201
    glad = await next_assistant_message(comm)
    assert "Glad" in glad["content"]
    conv = await conversation_of(glad)
    assert conv.status == "resolved"
    state = await database_sync_to_async(AssistantConversation.objects.get)(conversation=conv)
    assert (state.state, state.resolved_by) == ("resolved", "confirmed")
    turns = await turns_of(conv.pk)
    assert [(t.action, t.outcome) for t in turns] == [
        ("answer", "resolved"),
        ("confirmed", "resolved"),
    ]
    # The same button pressed again (another tab) does not reopen or double anything.
    again = await sync_to_async(quick_reply)(customer, answer["id"], "solved")
    assert again.status_code == 422
    await comm.disconnect()


async def test_typed_thanks_counts_as_solved(assistant_channel, customer):
    comm = await visitor_socket(assistant_channel, customer.token)
    first = await sync_to_async(customer.send)("what are the trading fees?")
    conv_id = first.json()["conversation"]["id"]
    await next_assistant_message(comm)
    await sync_to_async(customer.send)("thanks, that worked", conv_id)
    glad = await next_assistant_message(comm)
    assert "Glad" in glad["content"]
    conv = await conversation_of(glad)
    assert conv.status == "resolved"
    await comm.disconnect()
