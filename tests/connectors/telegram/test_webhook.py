"""The webhook: Telegram's secret-token header is the only proof (403 without it or
with a wrong one, before anything is read); a replayed update is a no-op; long polling
reaches the same handling. Against the Bot API stand-in (the real Telegram cannot be
reached from here)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from blockdesk.connectors.telegram.models import TelegramChannel, TelegramUpdate
from blockdesk.conversations.models import Message

from . import updates

pytestmark = pytest.mark.django_db(transaction=True)


def post(channel: TelegramChannel, payload: object, secret: str | None) -> object:
    headers = {} if secret is None else {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret}
    return Client().post(
        reverse("telegram_webhook", args=[channel.inbox_id]),
        data=json.dumps(payload),
        content_type="application/json",
        **headers,
    )


def test_saving_the_inbox_set_the_webhook_with_our_secret(tg_channel, bot_api, settings):
    assert bot_api.calls[:2] == ["getMe", "setWebhook"]
    assert tg_channel.bot_username == "blockdesk_support_bot" and tg_channel.bot_id == 7000000001
    assert bot_api.webhook["secret_token"] == tg_channel.webhook_secret
    assert bot_api.webhook["max_connections"] == settings.TELEGRAM_WEBHOOK_MAX_CONNECTIONS
    assert bot_api.webhook["url"].endswith(f"/telegram/webhook/{tg_channel.inbox_id}/")


@pytest.mark.parametrize("secret", [None, "", "wrong-secret"])
def test_a_call_without_the_right_secret_is_refused_and_stores_nothing(tg_channel, secret):
    response = post(tg_channel, updates.private_text(10000, 1365, "Hello"), secret)
    assert response.status_code == 403
    assert not Message.objects.exists() and not TelegramUpdate.objects.exists()


def test_an_update_with_the_secret_is_stored_and_a_replay_is_a_no_op(tg_channel):
    payload = updates.private_text(10000, 1365, "My deposit has not arrived")
    first = post(tg_channel, payload, tg_channel.webhook_secret)
    assert first.status_code == 200 and first.json() == {"status": "stored"}
    replay = post(tg_channel, payload, tg_channel.webhook_secret)
    assert replay.status_code == 200 and replay.json() == {"status": "duplicate"}
    (message,) = Message.objects.all()
    assert message.content == "My deposit has not arrived"
    assert message.conversation.inbox_id == tg_channel.inbox_id
    assert message.metadata["channel"]["kind"] == "telegram"
    assert TelegramUpdate.objects.get().update_id == 10000


def test_a_body_that_is_no_update_is_a_400(tg_channel):
    assert post(tg_channel, {"hello": 1}, tg_channel.webhook_secret).status_code == 400
    assert post(tg_channel, [1, 2], tg_channel.webhook_secret).status_code == 400


def test_an_edit_opens_no_case(tg_channel):
    assert post(tg_channel, updates.edited(10001), tg_channel.webhook_secret).json() == {
        "status": "ignored"
    }
    assert not Message.objects.exists()


def test_long_polling_reads_the_same_updates_and_moves_the_offset(tg_channel, bot_api):
    from blockdesk.connectors.telegram.services import do_update_telegram_inbox

    admin = tg_channel.inbox.account  # noqa: F841 - the admin below
    from blockdesk.accounts.models import User

    root = User.objects.create_user(
        username="root2",
        password="x-Long-pass-1",
        account=tg_channel.inbox.account,
        role=User.Role.ADMIN,
    )
    do_update_telegram_inbox(actor=root, channel=tg_channel, mode="polling")
    assert bot_api.webhook == {}  # getUpdates needs the webhook gone
    bot_api.updates = [
        updates.private_text(20000, 1, "First"),
        updates.private_text(20001, 2, "Second"),
    ]
    call_command("telegram", "poll", "--once")
    tg_channel.refresh_from_db()
    assert tg_channel.last_update_id == 20001
    # Telegram resends what was not confirmed; a crash before the offset moved replays.
    bot_api.updates.insert(0, updates.private_text(20001, 2, "Second"))
    call_command("telegram", "poll", "--once")
    assert list(Message.objects.order_by("pk").values_list("content", flat=True)) == [
        "First",
        "Second",
    ]
    # Webhook calls for a polling bot are refused.
    assert (
        post(tg_channel, updates.private_text(20002, 3, "x"), tg_channel.webhook_secret).status_code
        == 403
    )
