"""Which middleware a socket goes through (ws_routes.py): the console's socket through
channels' cookie, session and auth middleware, a widget visitor's without them (it signs
in with its token in the first frame; each of thousands of idle widget sockets keeps
fewer objects alive and opens cheaper, docs/benchmarks/idle-sockets.md)."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.sessions import SessionMiddleware
from django.conf import settings
from django.test import Client

from tests.widget.test_consumers import agent_socket, visitor_socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sessions_opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []
    real = SessionMiddleware.__call__

    async def counting(self, scope, receive, send):  # type: ignore[no-untyped-def]
        opened.append(scope["path"])
        return await real(self, scope, receive, send)

    monkeypatch.setattr(SessionMiddleware, "__call__", counting)
    return opened


async def test_a_widget_socket_has_no_session_and_the_console_socket_has(
    channel, visitor, agent, sessions_opened
):
    widget = await visitor_socket(channel, visitor.token)  # signed in by its token: ready
    await widget.disconnect()
    assert sessions_opened == []

    client = Client()
    await sync_to_async(client.force_login)(agent)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    console = await agent_socket(cookie)  # signed in by its session cookie: ready
    await console.disconnect()
    assert sessions_opened == ["/ws/agent/"]
