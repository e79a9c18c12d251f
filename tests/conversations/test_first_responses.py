"""Issue 14 §0: a person's first reply and the assistant's are measured apart, and the
migration fixes the rows the assistant stamped before."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from blockdesk.conversations import services
from blockdesk.conversations.models import Conversation, Message

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "blockdesk.conversations.migrations.0006_triage_first_responses"
)


def _case(channel, contact) -> Conversation:
    return services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="q"
    ).message.conversation


def test_the_assistant_reply_is_not_a_first_response(channel, contact, agent):
    conv = _case(channel, contact)
    services.do_send_assistant_message(conversation=conv, content="bot")
    services.do_send_assistant_message(conversation=conv, content="bot again")
    conv.refresh_from_db()
    assert conv.first_response_at is None and conv.first_human_response_at is None
    bot_first = conv.first_bot_response_at
    assert bot_first is not None

    services.do_send_agent_message(agent=agent, conversation=conv, content="note", private=True)
    conv.refresh_from_db()
    assert conv.first_human_response_at is None
    services.do_send_agent_message(agent=agent, conversation=conv, content="human")
    conv.refresh_from_db()
    assert conv.first_human_response_at is not None
    assert conv.first_response_at == conv.first_human_response_at
    assert conv.first_bot_response_at == bot_first
    assert conv.first_human_response_at >= bot_first


def test_the_migration_fills_both_from_the_messages(channel, contact, agent):
    start = timezone.now() - dt.timedelta(hours=3)
    bot_only = _case(channel, contact)
    both = _case(channel, contact)
    services.do_send_assistant_message(conversation=bot_only, content="bot")
    services.do_send_assistant_message(conversation=both, content="bot")
    services.do_send_agent_message(agent=agent, conversation=both, content="human")
    services.do_send_agent_message(agent=agent, conversation=both, content="later")
    # Rows as the old code left them: stamped by whoever replied first, new columns empty.
    stamps = {
        "bot": start + dt.timedelta(minutes=1),
        "human": start + dt.timedelta(minutes=30),
        "later": start + dt.timedelta(minutes=50),
    }
    for content, when in stamps.items():
        Message.objects.filter(content=content).update(created_at=when)
    Conversation.objects.update(
        first_response_at=stamps["bot"], first_human_response_at=None, first_bot_response_at=None
    )
    migration.fill(apps, None)
    bot_only.refresh_from_db()
    both.refresh_from_db()
    assert bot_only.first_response_at is None and bot_only.first_human_response_at is None
    assert bot_only.first_bot_response_at == stamps["bot"]
    assert both.first_bot_response_at == stamps["bot"]
    assert both.first_human_response_at == stamps["human"] == both.first_response_at
