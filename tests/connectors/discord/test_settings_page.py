"""Settings → Discord inboxes: the bot token is checked with Discord (`/users/@me` on the
stand-in), stored encrypted, never shown back; a refused token is a form error; agents
and other accounts are kept out."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from blockdesk.accounts.models import User
from blockdesk.accounts.services import do_create_agent
from blockdesk.connectors.discord.models import DiscordChannel

from .conftest import BOT_ID, BOT_TOKEN, GUILD, SUPPORT

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Community",
        "bot_token": BOT_TOKEN,
        "guild_id": GUILD,
        "support_channel_id": SUPPORT,
        "staff_role_ids": "123456789012",
    }
    data.update(overrides)
    return data


def test_an_admin_adds_a_bot_whose_token_is_checked_and_stored_encrypted(admin_user, api):
    admin = client_for(admin_user)
    response = admin.post(reverse("discord_channel:list"), form())
    assert response.status_code == 302
    channel = DiscordChannel.objects.get()
    assert channel.bot_user_id == BOT_ID and channel.bot_username == "blockdesk-support"
    assert api.calls("GET", "/api/v10/users/@me")
    with connection.cursor() as cursor:
        cursor.execute("SELECT bot_token FROM discord_channel_discordchannel")
        (raw,) = cursor.fetchone()
    assert BOT_TOKEN not in raw
    page = admin.get(reverse("discord_channel:edit", args=[channel.inbox_id]))
    assert page.status_code == 200 and BOT_TOKEN not in page.content.decode()
    # Saved again with the token field empty: the stored token stays, no new check.
    checks = len(api.requests)
    saved = admin.post(
        reverse("discord_channel:edit", args=[channel.inbox_id]),
        form(bot_token="", name="Community 2"),
    )
    assert saved.status_code == 302 and len(api.requests) == checks
    channel.refresh_from_db()
    assert channel.bot_token == BOT_TOKEN and channel.inbox.name == "Community 2"


def test_a_token_discord_refuses_is_a_form_error(admin_user, api):
    response = client_for(admin_user).post(reverse("discord_channel:list"), form(bot_token="nope"))
    assert response.status_code == 400
    assert "did not accept" in response.content.decode()
    assert not DiscordChannel.objects.exists()


def test_bad_ids_are_refused(admin_user, api):
    response = client_for(admin_user).post(
        reverse("discord_channel:list"), form(staff_role_ids="admins")
    )
    assert response.status_code == 400 and not DiscordChannel.objects.exists()


def test_agents_and_other_accounts_are_kept_out(agent, admin_user, other_account, api):
    assert client_for(agent).get(reverse("discord_channel:list")).status_code in (302, 403)
    client_for(admin_user).post(reverse("discord_channel:list"), form())
    channel = DiscordChannel.objects.get()
    stranger = do_create_agent(
        account=other_account,
        username="o",
        email="o@other.example",
        password="correct-horse-battery-9",
        role=User.Role.ADMIN,
    )
    url = reverse("discord_channel:edit", args=[channel.inbox_id])
    assert client_for(stranger).get(url).status_code == 404
