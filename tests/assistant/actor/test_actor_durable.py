"""The assistant follows the event log durably (assistant/event_consumers.py): a customer
message committed while nothing dispatched (a process died, the dispatcher was behind) is
answered when the consumer runs; a replay answers nothing twice; and an upgraded install's
cursor starts at the end of the log (migration 0002), so old messages are never answered."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test import override_settings

from blockdesk.assistant.event_consumers import CONSUMER
from blockdesk.assistant.models import AssistantTurn
from blockdesk.conversations.models import Conversation, Message
from blockdesk.events import runner
from blockdesk.events.models import ConsumerCursor, Event
from blockdesk.events.services import do_replay
from tests.events.support import drain
from tests.widget.conftest import Visitor

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "My withdrawal has been pending for hours"
cursor_migration = importlib.import_module("blockdesk.assistant.migrations.0002_actor_cursor")


def _bot_replies(conversation: Conversation) -> int:
    return Message.objects.filter(conversation=conversation, sender_type="assistant").count()


def _send_undispatched(customer: Visitor, text: str) -> Conversation:
    with override_settings(EVENT_INLINE_CONSUMERS=()):
        response = customer.send(text)
    assert response.status_code == 201
    return Conversation.objects.get(pk=response.json()["conversation"]["id"])


def test_a_message_nobody_dispatched_is_answered_once_when_the_consumer_runs(
    assistant_channel, customer
):
    conv = _send_undispatched(customer, QUESTION)
    assert _bot_replies(conv) == 0 and not AssistantTurn.objects.exists()

    drain(CONSUMER, expect=1)
    assert AssistantTurn.objects.filter(conversation=conv).count() == 1
    answered = _bot_replies(conv)
    assert answered >= 1

    # The whole log again: the turn per message keeps the answer single.
    # Inline consumers off for the replay: its wake() would otherwise hand the whole log
    # out in this thread before drain() could count it.
    with override_settings(EVENT_INLINE_CONSUMERS=()):
        do_replay(consumer=CONSUMER)
        assert drain(CONSUMER) >= 1  # the question's event reached the consumer again
    assert AssistantTurn.objects.filter(conversation=conv).count() == 1
    assert _bot_replies(conv) == answered


def test_an_upgraded_install_starts_at_the_end_of_the_log(assistant_channel, customer):
    old = _send_undispatched(customer, QUESTION)
    last = Event.objects.order_by("-id").first()
    assert last is not None
    # On PostgreSQL an event is readable once every older transaction in the cluster has
    # ended (events/log.py): the migration places the cursor after the readable ones.
    runner._wait_readable(last)
    ConsumerCursor.objects.filter(name=CONSUMER).delete()

    cursor_migration.place_cursor(apps, SimpleNamespace(connection=connection))

    cursor = ConsumerCursor.objects.get(name=CONSUMER)
    assert cursor.position == last.position
    assert drain(CONSUMER) == 0
    assert _bot_replies(old) == 0  # last month's message stays with the agents

    # What customers write from then on is answered.
    new_customer = Visitor(assistant_channel, ip="198.51.100.23").start()
    response = new_customer.send(QUESTION)
    new = Conversation.objects.get(pk=response.json()["conversation"]["id"])
    assert _bot_replies(new) >= 1
