"""A widget case continued on Telegram through the `/start` deep link: the redeemed link
records a LinkedChannel (connectors/linked_channels.py), and agents' public replies in the
widget case then also go out to the Telegram chat through the ordinary delivery contract.
Against the Bot API stand-in (the real Telegram cannot be reached from here)."""

from __future__ import annotations

import pytest

from blockdesk.common.errors import NotFound
from blockdesk.connectors import contract_delivery
from blockdesk.connectors.event_consumers import CONSUMER
from blockdesk.connectors.linked_channels import delivery_inbox, do_link_channel
from blockdesk.connectors.models import LinkedChannel, OutboundDelivery
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.connectors.telegram.deeplink import do_create_link
from blockdesk.connectors.telegram.inbound import handle_update
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation, Message
from blockdesk.widget.services import do_send_visitor_message, do_start_visitor_session
from tests.support.event_log import drain

from . import updates

pytestmark = pytest.mark.django_db(transaction=True)


def _widget_case(channel) -> Conversation:  # type: ignore[no-untyped-def]
    session, _token = do_start_visitor_session(channel=channel)
    return do_send_visitor_message(
        session=session, content="My deposit is missing", idempotency_key="key-00000010"
    ).message.conversation


def _reply(agent, case, content, capture, *, private=False) -> Message:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        message = conv_services.do_send_agent_message(
            agent=agent, conversation=case, content=content, private=private
        ).message
    drain(CONSUMER)
    return message


def _continue_on_telegram(tg_channel, case) -> None:  # type: ignore[no-untyped-def]
    _channel, token = do_create_link(contact=case.contact, conversation=case)
    linked = handle_update(
        channel=tg_channel, payload=updates.private_text(1, 50, f"/start {token}")
    )
    assert linked.status == "linked" and linked.conversation_id == case.pk


def test_replies_in_a_widget_case_continued_on_telegram_go_to_the_chat(
    agent, channel, tg_channel, bot_api, django_capture_on_commit_callbacks
):
    case = _widget_case(channel)
    _continue_on_telegram(tg_channel, case)
    link = LinkedChannel.objects.get(conversation=case)
    assert link.inbox_id == tg_channel.inbox_id and link.address == "telegram:1111111"
    follow = handle_update(channel=tg_channel, payload=updates.private_text(2, 51, "tx id?"))
    assert follow.conversation_id == case.pk

    message = _reply(agent, case, "It is **credited** now", django_capture_on_commit_callbacks)
    delivery = OutboundDelivery.objects.get(message=message)
    assert delivery.inbox_id == tg_channel.inbox_id  # sent by the linked channel
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "sent"
    sent = [s for s in bot_api.messages("sendMessage") if "credited" in s.params["text"]]
    assert len(sent) == 1
    assert sent[0].params["chat_id"] == 1111111
    assert sent[0].params["text"] == "It is <b>credited</b> now"
    # As a reply to the customer's last Telegram message in the case.
    assert sent[0].params["reply_parameters"]["message_id"] == 51
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.platform_message_id.startswith("1111111:")
    # Once: another attempt of the same delivery sends nothing more.
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "skipped"
    assert len(bot_api.messages("sendMessage")) == len(sent) + 1  # + the /start greeting


def test_without_a_link_a_widget_reply_has_no_delivery_and_notes_never_go_out(
    agent, channel, tg_channel, bot_api, django_capture_on_commit_callbacks
):
    case = _widget_case(channel)
    plain = _reply(agent, case, "Checking", django_capture_on_commit_callbacks)
    assert not OutboundDelivery.objects.filter(message=plain).exists()

    _continue_on_telegram(tg_channel, case)
    note = _reply(agent, case, "internal", django_capture_on_commit_callbacks, private=True)
    assert not OutboundDelivery.objects.filter(message=note).exists()


def test_a_channel_that_delivers_by_task_keeps_its_own_deliveries(tg_channel, bot_api):
    # A Telegram case linked elsewhere still goes out through its own inbox.
    handled = handle_update(channel=tg_channel, payload=updates.private_text(3, 60, "hello"))
    case = Conversation.objects.select_related("inbox").get(pk=handled.conversation_id)
    assert delivery_inbox(conversation_id=case.pk, inbox=case.inbox) == case.inbox


def test_the_newest_link_wins_and_a_link_never_crosses_accounts(
    account, other_account, channel, tg_channel, bot_api
):
    case = _widget_case(channel)
    assert delivery_inbox(conversation_id=case.pk, inbox=case.inbox) is None
    # A link to a channel that does not deliver by task (another widget) sends nothing.
    other_widget = do_create_web_widget_inbox(account=account, name="Docs site")
    do_link_channel(conversation=case, inbox=other_widget.inbox, address="")
    assert delivery_inbox(conversation_id=case.pk, inbox=case.inbox) is None
    do_link_channel(conversation=case, inbox=tg_channel.inbox, address="telegram:1")
    assert delivery_inbox(conversation_id=case.pk, inbox=case.inbox) == tg_channel.inbox
    # Linking again moves the address, it adds no second row.
    do_link_channel(conversation=case, inbox=tg_channel.inbox, address="telegram:2")
    assert LinkedChannel.objects.get(inbox=tg_channel.inbox).address == "telegram:2"

    foreign = do_create_web_widget_inbox(account=other_account, name="Other")
    with pytest.raises(NotFound):
        do_link_channel(conversation=case, inbox=foreign.inbox, address="x")
