"""One delivery per reply, with Discord among a case's channels: a widget case that a
channel package linked to the customer's Discord (`linked_channels.do_link_channel`, as
a package does once it has proof) and that the customer also continued on Telegram. Each
agent reply goes out once, on the channel the customer last moved to or wrote from.
Against the Discord REST stand-in and the Bot API stand-in (the real services cannot be
reached from here)."""

from __future__ import annotations

import pytest

from blockdesk.connectors import contract_delivery
from blockdesk.connectors.event_consumers import CONSUMER
from blockdesk.connectors.linked_channels import do_link_channel
from blockdesk.connectors.models import OutboundDelivery
from blockdesk.connectors.telegram.deeplink import do_create_link
from blockdesk.connectors.telegram.inbound import handle_update
from blockdesk.conversations import contact_services
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import ContactIdentity, Message
from blockdesk.events.registry import Actor
from blockdesk.widget.services import do_send_visitor_message, do_start_visitor_session
from tests.connectors.telegram import updates
from tests.connectors.telegram.conftest import bot_api, tg_channel
from tests.support.event_log import drain

__all__ = ["bot_api", "tg_channel"]  # the Telegram tests' fixtures

pytestmark = pytest.mark.django_db(transaction=True)

DISCORD_USER = "80351110224678912"


def _reply(agent, case, content, capture) -> Message:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        message = conv_services.do_send_agent_message(
            agent=agent, conversation=case, content=content
        ).message
    drain(CONSUMER)
    return message


def test_a_reply_goes_once_to_discord_then_once_to_telegram(
    agent, channel, discord_channel, fake, tg_channel, bot_api,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    capture = django_capture_on_commit_callbacks
    session, _token = do_start_visitor_session(channel=channel)
    case = do_send_visitor_message(
        session=session, content="Where is my deposit?", idempotency_key="key-00000300"
    ).message.conversation
    contact_services.do_link_identity(
        contact=case.contact, kind=ContactIdentity.Kind.DISCORD, value=DISCORD_USER,
        actor=Actor.system(),
    )  # fmt: skip
    do_link_channel(
        conversation=case, inbox=discord_channel.inbox, address=f"discord:{DISCORD_USER}"
    )
    drain(CONSUMER)

    first = _reply(agent, case, "Answer on Discord", capture)
    delivery = OutboundDelivery.objects.get(message=first)
    assert delivery.inbox_id == discord_channel.inbox_id
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "sent"
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "skipped"
    dm = f"7{DISCORD_USER[1:]}"  # the stand-in's DM channel with that user
    assert [m["content"] for m in fake.messages[dm]] == ["Answer on Discord"]

    _ch, token = do_create_link(contact=case.contact, conversation=case)
    handle_update(channel=tg_channel, payload=updates.private_text(1, 50, f"/start {token}"))
    handle_update(channel=tg_channel, payload=updates.private_text(2, 51, "on Telegram now"))
    drain(CONSUMER)
    second = _reply(agent, case, "Answer on Telegram", capture)
    delivery = OutboundDelivery.objects.get(message=second)
    assert delivery.inbox_id == tg_channel.inbox_id
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "sent"
    sent = [s for s in bot_api.messages("sendMessage") if "Answer on" in s.params["text"]]
    assert [s.params["text"] for s in sent] == ["Answer on Telegram"]
    assert [m["content"] for m in fake.messages[dm]] == ["Answer on Discord"]  # nothing more
