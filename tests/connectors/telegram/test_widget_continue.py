"""The widget menu's "Continue on Telegram": the frame offers the bot whose username
getMe gave on save, the widget asks `identity-link` for a token, and `/start <token>` in
the bot's private chat links the Telegram user to the widget's customer (docs/widget.md,
docs/identity.md). The Bot API is the loopback stand-in (standin.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from blockdesk.connectors.selectors import widget_continue_options
from blockdesk.connectors.telegram.inbound import handle_update
from blockdesk.conversations.models import ContactIdentity, Conversation
from blockdesk.widget.services import do_send_visitor_message, do_start_visitor_session
from tests.identity.conftest import open_case

from . import updates

pytestmark = pytest.mark.django_db


def _profile_token(channel, token: str) -> str:
    response = Client().post(
        f"/widget/api/{channel.public_token}/identity-link",
        {"kind": "telegram"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    return str(response.json()["token"])


def test_the_button_uses_the_username_getme_gave(tg_channel, channel):
    assert tg_channel.bot_username == "blockdesk_support_bot"
    [option] = widget_continue_options(account_id=channel.inbox.account_id)
    assert option.href == "https://t.me/blockdesk_support_bot?start={token}"
    assert option.kind == "telegram"


def test_start_with_the_widgets_profile_token_links_the_telegram_user(tg_channel, channel, bot_api):
    session, visitor = do_start_visitor_session(channel=channel)
    do_send_visitor_message(session=session, content="hi", idempotency_key="key-10000001")
    token = _profile_token(channel, visitor)
    assert len(token) <= 64  # Telegram's limit for a start parameter
    linked = handle_update(
        channel=tg_channel, payload=updates.private_text(1, 60, f"/start {token}")
    )
    assert linked.status == "linked"
    identity = ContactIdentity.objects.get(kind="telegram", value="1111111")
    assert identity.contact_id == session.contact.pk
    assert "connected" in bot_api.messages("sendMessage")[-1].params["text"]
    # The customer's next message opens a case on Telegram under the same profile, which
    # the widget's case list then shows (here: false).
    follow = handle_update(channel=tg_channel, payload=updates.private_text(2, 61, "hello bot"))
    assert Conversation.objects.get(pk=follow.conversation_id).contact_id == session.contact.pk
    # Single use.
    again = handle_update(
        channel=tg_channel, payload=updates.private_text(3, 62, f"/start {token}")
    )
    assert again.status == "ignored"
    assert "expired" in bot_api.messages("sendMessage")[-1].params["text"]


def test_a_telegram_user_with_history_is_not_pulled_over(tg_channel, channel, bot_api):
    # The Telegram user already talked to us as their own customer: a token (which may
    # have been passed on) does not move that history; the sender is told.
    first = handle_update(channel=tg_channel, payload=updates.private_text(1, 70, "earlier"))
    own = Conversation.objects.get(pk=first.conversation_id).contact_id
    session, visitor = do_start_visitor_session(channel=channel)
    open_case(channel.inbox, session.contact)
    token = _profile_token(channel, visitor)
    refused = handle_update(
        channel=tg_channel, payload=updates.private_text(2, 71, f"/start {token}")
    )
    assert refused.status == "ignored"
    assert ContactIdentity.objects.get(kind="telegram", value="1111111").contact_id == own
    assert "not connected automatically" in bot_api.messages("sendMessage")[-1].params["text"]


def test_a_token_for_another_kind_or_account_links_nothing(tg_channel, channel, bot_api):
    _session, visitor = do_start_visitor_session(channel=channel)
    response = Client().post(
        f"/widget/api/{channel.public_token}/identity-link",
        {"kind": "discord"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {visitor}",
    )
    discord_token = response.json()["token"]
    wrong = handle_update(
        channel=tg_channel, payload=updates.private_text(1, 80, f"/start {discord_token}")
    )
    assert wrong.status == "ignored"
    assert not ContactIdentity.objects.filter(kind="telegram").exists()
