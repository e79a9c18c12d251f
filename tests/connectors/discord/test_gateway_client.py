"""The discord.py client is only the socket: it hands each raw dispatch we handle to
`gateway.dispatch` (checked here without a connection), with the intents the channel
needs."""

from __future__ import annotations

import asyncio
import json

import pytest

from blockdesk.connectors.discord import gateway

from .conftest import frame


def test_the_client_hands_message_thread_and_interaction_dispatches_on(monkeypatch) -> None:
    seen: list[tuple[int, str]] = []
    monkeypatch.setattr(gateway, "dispatch", lambda pk, name, data: seen.append((pk, name)))
    client = gateway._client_class()(7)
    assert client.intents.message_content and client.intents.dm_messages
    assert client.intents.guild_messages and not client.intents.presences

    async def feed() -> None:
        for name in ("message_create_guild", "thread_create", "interaction_create"):
            await client.on_socket_raw_receive(json.dumps(frame(name)))
        await client.on_socket_raw_receive(json.dumps({"op": 11, "d": None}))  # heartbeat ACK
        await client.on_socket_raw_receive(json.dumps({"op": 0, "t": "TYPING_START", "d": {}}))
        await client.on_socket_raw_receive("not json")

    asyncio.run(feed())
    assert seen == [(7, "MESSAGE_CREATE"), (7, "THREAD_CREATE"), (7, "INTERACTION_CREATE")]


def test_a_failing_dispatch_does_not_stop_the_client(monkeypatch, caplog) -> None:
    def broken(pk: int, name: str, data: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(gateway, "dispatch", broken)
    client = gateway._client_class()(7)
    asyncio.run(client.on_socket_raw_receive(json.dumps(frame("message_create_dm"))))
    assert "dispatch failed" in caplog.text


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
