"""The deliveries consumer on an agent's reply in a widget case: one statement when the
case is not linked to another channel (the link check rides on the inbox read; it was a
query of its own on every widget reply)."""

from __future__ import annotations

import pytest

from blockdesk.connectors import event_consumers
from blockdesk.connectors.models import OutboundDelivery
from blockdesk.conversations import services as conv_services
from blockdesk.events.models import Event
from blockdesk.widget.services import do_send_visitor_message, do_start_visitor_session

WIDGET_REPLY_MAX_QUERIES = 1

pytestmark = pytest.mark.django_db


def test_a_widget_reply_without_a_link_costs_one_statement(
    agent, channel, django_assert_max_num_queries
):
    session, _token = do_start_visitor_session(channel=channel)
    case = do_send_visitor_message(
        session=session, content="My deposit is missing", idempotency_key="key-00000099"
    ).message.conversation
    reply = conv_services.do_send_agent_message(
        agent=agent, conversation=case, content="Checking"
    ).message
    event = Event.objects.filter(name="message.created").order_by("-id").first()
    assert event is not None and event.payload["id"] == reply.pk
    with django_assert_max_num_queries(WIDGET_REPLY_MAX_QUERIES):
        event_consumers.on_message_created(event)
    assert not OutboundDelivery.objects.filter(message=reply).exists()
