"""End to end over a real server: uvicorn in a subprocess with a database of its own,
real WebSocket clients (the `websockets` library) for a visitor and an agent."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import PASSWORD, require_or_skip
from tests.support.live_server import (
    LiveServer,
    live_server,
    migrate,
    redis_available,
    run_django,
    server_env,
    temp_database,
)

pytestmark = pytest.mark.slow

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"

SEED = f"""
import json
from blockdesk.accounts.models import Account
from blockdesk.accounts.services import do_create_agent
from blockdesk.connectors.services import do_create_web_widget_inbox
account = Account.objects.create(name="Live Exchange")
agent = do_create_agent(
    account=account, username="liveagent", email="live@example.com", password={PASSWORD!r}
)
channel = do_create_web_widget_inbox(account=account, name="Website", members=[agent])
print(json.dumps({{"token": channel.public_token, "agent_id": agent.pk}}))
"""

REPLY = """
from blockdesk.accounts.models import User
from blockdesk.conversations.models import Conversation
from blockdesk.conversations.services import do_send_agent_message
do_send_agent_message(
    agent=User.objects.get(pk={agent_id}),
    conversation=Conversation.objects.get(pk={conversation_id}),
    content={content!r},
)
"""


@dataclass
class Live:
    server: LiveServer
    token: str
    agent_id: int
    redis: bool

    def api(self, path: str) -> str:
        return f"/widget/api/{self.token}/{path}"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    redis_url = REDIS_URL if redis_available(REDIS_URL) else None
    data_dir = tmp_path_factory.mktemp("widget-live")
    with temp_database(base_url=os.environ.get("DATABASE_URL"), directory=data_dir) as db_url:
        env = server_env(database_url=db_url, data_dir=data_dir, redis_url=redis_url)
        migrate(env)
        seed = json.loads(run_django(env, SEED).strip().splitlines()[-1])
        with live_server(env) as server:
            yield Live(server, seed["token"], seed["agent_id"], redis=bool(redis_url))


async def recv_until(ws: ClientConnection, kind: str, limit: int = 20) -> dict[str, Any]:
    for _ in range(limit):
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        if frame.get("type") == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


async def agent_login(server: LiveServer) -> str:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        page = await http.get("/accounts/login/")
        csrf = page.cookies["csrftoken"]
        response = await http.post(
            "/accounts/login/",
            data={"username": "liveagent", "password": PASSWORD, "csrfmiddlewaretoken": csrf},
        )
        assert response.status_code == 302, response.text[:500]
        return f"sessionid={http.cookies['sessionid']}"


async def start_visitor(live: Live, http: httpx.AsyncClient) -> dict[str, str]:
    response = await http.post(live.api("session"), json={"locale": "en"})
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.json()['visitor_token']}"}


async def visitor_socket(live: Live, auth: dict[str, str]) -> ClientConnection:
    ws = await connect(
        live.server.ws_url(f"/ws/widget/{live.token}/"),
        origin=live.server.origin,  # type: ignore[arg-type]
    )
    await ws.send(json.dumps({"type": "auth", "token": auth["Authorization"].split()[1]}))
    assert (await recv_until(ws, "ready"))["contact_id"]
    return ws


async def send(live: Live, http: httpx.AsyncClient, auth: dict[str, str], text: str, **extra):
    body = {"content": text, "idempotency_key": str(uuid.uuid4()), **extra}
    response = await http.post(live.api("messages"), json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


async def test_visitor_message_and_typing_reach_the_agent_live(live: Live) -> None:
    cookie = await agent_login(live.server)
    async with httpx.AsyncClient(base_url=live.server.base_url) as http:
        auth = await start_visitor(live, http)
        agent_ws = await connect(
            live.server.ws_url("/ws/agent/"),
            origin=live.server.origin,  # type: ignore[arg-type]
            additional_headers={"Cookie": cookie},
        )
        visitor_ws = await visitor_socket(live, auth)
        try:
            assert (await recv_until(agent_ws, "ready"))["type"] == "ready"
            sent = await send(live, http, auth, "My USDT deposit has not arrived")
            conv_id = sent["conversation"]["id"]

            seen_by_agent = (await recv_until(agent_ws, "message.created"))["message"]
            assert seen_by_agent["content"] == "My USDT deposit has not arrived"
            assert seen_by_agent["conversation_id"] == conv_id
            echo = (await recv_until(visitor_ws, "message.created"))["message"]
            assert echo["id"] == sent["message"]["id"] and echo["mine"] is True

            await visitor_ws.send(
                json.dumps({"type": "typing", "conversation_id": conv_id, "on": True})
            )
            typing = await recv_until(agent_ws, "typing")
            assert typing["actor"] == "contact" and typing["conversation_id"] == conv_id

            await agent_ws.send(
                json.dumps({"type": "typing", "conversation_id": conv_id, "on": True})
            )
            typing = await recv_until(visitor_ws, "typing")
            assert typing == {
                "type": "typing",
                "conversation_id": conv_id,
                "actor": "agent",
                "on": True,
            }
        finally:
            await agent_ws.close()
            await visitor_ws.close()


async def test_agent_reply_reaches_visitor_and_missed_replies_are_fetched(live: Live) -> None:
    require_or_skip(
        live.redis,
        "Redis on 127.0.0.1:6379 is needed: the agent replies from another process, "
        "which reaches the server's sockets only through a shared channel layer",
    )

    async def reply(conversation_id: int, content: str) -> None:
        code = REPLY.format(
            agent_id=live.agent_id, conversation_id=conversation_id, content=content
        )
        await asyncio.to_thread(run_django, live.server.env, code)

    async with httpx.AsyncClient(base_url=live.server.base_url) as http:
        auth = await start_visitor(live, http)
        conv_id = (await send(live, http, auth, "hello?"))["conversation"]["id"]
        visitor_ws = await visitor_socket(live, auth)
        try:
            await reply(conv_id, "Hi, checking your deposit now")
            message = (await recv_until(visitor_ws, "message.created"))["message"]
            assert message["content"] == "Hi, checking your deposit now"
            assert message["mine"] is False
            last_seen = message["id"]
        finally:
            await visitor_ws.close()

        # Offline: the reply is not lost, the widget fetches it after reconnecting.
        await reply(conv_id, "It arrived, 3 confirmations")
        missed = await http.get(live.api("messages"), params={"after_id": last_seen}, headers=auth)
        assert [m["content"] for m in missed.json()["messages"]] == ["It arrived, 3 confirmations"]

        visitor_ws = await visitor_socket(live, auth)
        try:
            await reply(conv_id, "Anything else?")
            message = (await recv_until(visitor_ws, "message.created"))["message"]
            assert message["content"] == "Anything else?"
        finally:
            await visitor_ws.close()

        # Another visitor guessing the conversation gets nothing, over HTTP or the socket.
        stranger = await start_visitor(live, http)
        guessed = await http.get(live.api(f"conversations/{conv_id}"), headers=stranger)
        assert guessed.status_code == 404
        stranger_ws = await visitor_socket(live, stranger)
        try:
            await reply(conv_id, "Only for the first visitor")
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(stranger_ws.recv(), timeout=1.5)
        finally:
            await stranger_ws.close()


async def test_sockets_are_not_compressed_unless_configured(live: Live) -> None:
    """The client offers permessage-deflate (browsers do); the server declines it by
    default (BLOCKDESK_WS_COMPRESSION): small JSON frames, ~25 KB of zlib state a socket."""
    ws = await connect(
        live.server.ws_url(f"/ws/widget/{live.token}/"),
        origin=live.server.origin,  # type: ignore[arg-type]
        compression="deflate",
    )
    try:
        assert "permessage-deflate" in ws.request.headers["Sec-WebSocket-Extensions"]
        assert "Sec-WebSocket-Extensions" not in ws.response.headers
    finally:
        await ws.close()
