"""The registry of extra socket frame types (common/socket_handlers.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from blockdesk.common import socket_handlers
from blockdesk.common.socket_handlers import SocketPeer

PEER = SocketPeer(surface="visitor", channel_name="c1", contact_id=1, inbox_id=2)


@pytest.fixture
def clean_registry(monkeypatch):
    monkeypatch.setattr(socket_handlers, "_HANDLERS", {})
    monkeypatch.setattr(socket_handlers, "_DISCONNECT_HOOKS", {"agent": [], "visitor": []})


async def test_frames_reach_only_the_handler_of_their_surface_and_type(clean_registry):
    seen = []

    async def handler(peer, content, send):
        seen.append((peer.surface, content["type"]))
        await send({"type": "ok"})

    socket_handlers.register_socket_handler("visitor", "x.do", handler)
    sent = []

    async def send(frame):
        sent.append(frame)

    assert await socket_handlers.dispatch(PEER, {"type": "x.do"}, send) is True
    agent = SocketPeer(surface="agent", channel_name="c2", user_id=1, account_id=1)
    assert await socket_handlers.dispatch(agent, {"type": "x.do"}, send) is False
    assert await socket_handlers.dispatch(PEER, {"type": "x.other"}, send) is False
    assert await socket_handlers.dispatch(PEER, {"type": ["x.do"]}, send) is False
    assert seen == [("visitor", "x.do")] and sent == [{"type": "ok"}]


async def test_a_type_cannot_be_registered_twice_differently(clean_registry):
    async def one(peer, content, send):
        return None

    async def two(peer, content, send):
        return None

    socket_handlers.register_socket_handler("agent", "x.do", one)
    socket_handlers.register_socket_handler("agent", "x.do", one)  # idempotent (ready() twice)
    with pytest.raises(ImproperlyConfigured):
        socket_handlers.register_socket_handler("agent", "x.do", two)


async def test_a_failing_disconnect_hook_does_not_stop_the_others(clean_registry):
    ran = []

    async def broken(peer):
        raise RuntimeError("boom")

    async def fine(peer):
        ran.append(peer.channel_name)

    socket_handlers.register_disconnect_hook("visitor", broken)
    socket_handlers.register_disconnect_hook("visitor", fine)
    await socket_handlers.disconnected(PEER)
    assert ran == ["c1"]
