"""A gateway thread that stops says why on the channel: a discord.py error (a revoked
token) by its type, without its message; anything else is logged with its traceback."""

from __future__ import annotations

import logging

import discord
import pytest

from blockdesk.connectors.discord import gateway
from blockdesk.connectors.discord.models import DiscordChannel


def _client_raising(exc: BaseException) -> type:
    class Stub:
        def __init__(self, channel_pk: int) -> None:
            self.channel_pk = channel_pk

        async def start(self, token: str, *, reconnect: bool) -> None:
            raise exc

    return Stub


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("exc", "logged_traceback"),
    [(discord.LoginFailure("bad token xyz"), False), (RuntimeError("a bug"), True)],
)
def test_a_stopped_gateway_is_recorded(discord_channel, monkeypatch, caplog, exc, logged_traceback):
    monkeypatch.setattr(gateway, "_client_class", lambda: _client_raising(exc))
    with caplog.at_level(logging.WARNING, logger=gateway.__name__):
        gateway._run_one(discord_channel.pk, "token")
    row = DiscordChannel.objects.get(pk=discord_channel.pk)
    assert row.last_error == f"gateway: {type(exc).__name__}"
    assert "xyz" not in caplog.text
    assert any(r.exc_info for r in caplog.records) is logged_traceback
