"""Settings → Telegram bots: an administrator adds a bot (the token checked with getMe
against the Bot API stand-in — the real Telegram cannot be reached from here — stored
encrypted, never shown back), a refused token adds nothing, agents are kept out."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from blockdesk.connectors.telegram.models import TelegramChannel

from .conftest import TOKEN

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_an_admin_adds_a_bot_checked_with_getme_and_the_token_never_comes_back(admin_user, bot_api):
    admin = client_for(admin_user)
    data = {
        "name": "Telegram support",
        "bot_token": TOKEN,
        "mode": "polling",
        "group_policy": "mentions",
    }
    response = admin.post(reverse("telegram_channel:list"), data)
    assert response.status_code == 302
    channel = TelegramChannel.objects.get()
    assert channel.bot_username == "blockdesk_support_bot" and channel.bot_token == TOKEN
    assert bot_api.calls == ["getMe", "deleteWebhook"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT bot_token FROM telegram_channel_telegramchannel")
        (stored,) = cursor.fetchone()
    assert TOKEN not in stored  # encrypted at rest
    edit = reverse("telegram_channel:edit", args=[channel.inbox_id])
    page = admin.get(edit).content.decode()
    assert TOKEN not in page and "@blockdesk_support_bot" in page
    # Saving with the token left empty keeps it, and changes the group option.
    response = admin.post(edit, {**data, "bot_token": "", "group_policy": "every"})
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.bot_token == TOKEN and channel.group_policy == "every"


def test_a_refused_token_is_a_form_error_and_adds_nothing(admin_user, bot_api):
    response = client_for(admin_user).post(
        reverse("telegram_channel:list"),
        {"name": "T", "bot_token": "123:wrong", "mode": "polling", "group_policy": "mentions"},
    )
    assert response.status_code == 400
    assert "refused" in response.content.decode()
    assert not TelegramChannel.objects.exists()


def test_telegram_down_on_save_is_a_form_error(admin_user, bot_api):
    bot_api.down = True
    response = client_for(admin_user).post(
        reverse("telegram_channel:list"),
        {"name": "T", "bot_token": TOKEN, "mode": "polling", "group_policy": "mentions"},
    )
    assert response.status_code == 400 and not TelegramChannel.objects.exists()


def test_agents_cannot_open_the_page(agent, bot_api):
    response = client_for(agent).get(reverse("telegram_channel:list"))
    assert response.status_code in (302, 403, 404)
