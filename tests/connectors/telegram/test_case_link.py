"""The widget's "Continue this case on Telegram" (docs/widget.md, docs/telegram.md): the
frame is told the per-case endpoint only when the account has a Telegram bot; the link's
token is single-use and short-lived, continues that one case only, and a token that was
passed on, used or expired never lets another Telegram user into someone's case. Against
the Bot API stand-in (standin.py: the real Telegram cannot be reached from here)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from blockdesk.connectors.telegram.inbound import handle_update
from blockdesk.connectors.telegram.models import TelegramLinkToken, TelegramThread
from blockdesk.conversations.models import Message
from blockdesk.widget.services import do_send_visitor_message, do_start_visitor_session

from . import updates

pytestmark = pytest.mark.django_db

STRANGER = {"id": 2222222, "is_bot": False, "first_name": "Mallory", "language_code": "en"}


def _config(channel) -> dict:  # type: ignore[no-untyped-def]
    page = Client().get(f"/widget/frame/{channel.public_token}/?lang=en").content.decode()
    found = re.search(r'<script id="bdw-config" type="application/json">(.*?)</script>', page)
    assert found
    return json.loads(found.group(1))


def _case_link(channel, case_id: int, token: str) -> str:  # type: ignore[no-untyped-def]
    response = Client().post(
        reverse("telegram_widget_link", args=[channel.public_token]),
        {"conversation_id": case_id},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    assert response.json()["expires_in"] == 1800
    return str(response.json()["url"]).partition("start=")[2]


def _visitor_case(channel, key: str):  # type: ignore[no-untyped-def]
    session, token = do_start_visitor_session(channel=channel)
    case = do_send_visitor_message(
        session=session, content="My deposit is missing", idempotency_key=key
    ).message.conversation
    return session, token, case


def test_the_case_button_is_offered_only_with_a_telegram_bot(channel, client, bot_api):
    assert _config(channel)["continue_on"] == []  # no bot: no button
    page = client.get(f"/widget/frame/{channel.public_token}/?lang=en").content.decode()
    assert (
        'id="bdw-case-continue"' in page
        and "hidden" in page.split('id="bdw-case-continue"')[1][:80]
    )
    from blockdesk.connectors.telegram.services import do_create_telegram_inbox

    from .standin import TOKEN

    do_create_telegram_inbox(
        account=channel.inbox.account, name="Telegram", bot_token=TOKEN, mode="webhook"
    )
    [option] = _config(channel)["continue_on"]
    assert option["case_endpoint"] == f"/telegram/widget/{channel.public_token}/link"
    assert option["href"].startswith("https://t.me/blockdesk_support_bot?start=")


def test_the_case_link_continues_that_case_once_and_never_lets_a_stranger_in(
    tg_channel, channel, bot_api
):
    _session, token, case = _visitor_case(channel, "key-00000201")
    start = _case_link(channel, case.pk, token)
    linked = handle_update(
        channel=tg_channel, payload=updates.private_text(1, 50, f"/start {start}")
    )
    assert linked.status == "linked" and linked.conversation_id == case.pk
    assert TelegramThread.objects.get(chat_id=1111111).conversation_id == case.pk
    follow = handle_update(channel=tg_channel, payload=updates.private_text(2, 51, "tx id 0xabc"))
    assert follow.conversation_id == case.pk  # the chat is threaded into that case

    # The link was passed on: a stranger's /start with it links nothing, and what the
    # stranger writes opens a case of their own, never lands in (or reads) this one.
    stranger = handle_update(
        channel=tg_channel, payload=updates.private_text(3, 60, f"/start {start}", sender=STRANGER)
    )
    assert stranger.status == "ignored" and stranger.conversation_id is None
    assert "expired" in bot_api.messages("sendMessage")[-1].params["text"]
    theirs = handle_update(
        channel=tg_channel, payload=updates.private_text(4, 61, "show me", sender=STRANGER)
    )
    assert theirs.conversation_id != case.pk
    assert not TelegramThread.objects.filter(
        user_id=STRANGER["id"], conversation_id=case.pk
    ).exists()
    assert not Message.objects.filter(conversation=case, content="show me").exists()


def test_an_expired_link_or_another_visitors_case_gives_nothing(tg_channel, channel, bot_api):
    _s, token, case = _visitor_case(channel, "key-00000202")
    start = _case_link(channel, case.pk, token)
    TelegramLinkToken.objects.filter(token=start).update(
        expires_at=TelegramLinkToken.objects.get(token=start).created_at - dt.timedelta(seconds=1)
    )
    expired = handle_update(
        channel=tg_channel, payload=updates.private_text(1, 50, f"/start {start}")
    )
    assert expired.status == "ignored" and expired.conversation_id is None
    assert not TelegramThread.objects.filter(conversation_id=case.pk).exists()

    # Another visitor asks for a link to this case: 404, as for any case not theirs.
    _s2, other_token, _other_case = _visitor_case(channel, "key-00000203")
    response = Client().post(
        reverse("telegram_widget_link", args=[channel.public_token]),
        {"conversation_id": case.pk},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {other_token}",
    )
    assert response.status_code == 404
    assert not TelegramLinkToken.objects.filter(conversation=case).exclude(token=start).exists()
