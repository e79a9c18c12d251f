"""Fault drills of issue 17 §2 on a real deployment: uvicorn nodes over one PostgreSQL
database and a Redis of their own (a private redis-server on a free port: the suite's
shared Redis must not be restarted under other test processes).

- Redis restarted (SIGKILL, then started empty on the same port): the live layer recovers
  by itself — the very sockets opened before the crash hear the next messages, with no
  reconnect and no server restart.
- One of two nodes killed with `kill -9` mid-stream: the visitor's client retries what
  failed on the other node with the same idempotency key and reconnects there; every
  message is stored exactly once and reaches the agent (live, or by catching up by id),
  and the agent's replies reach the visitor.

Results and the scripted load version: docs/benchmarks/faults.md."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import PASSWORD, require_or_skip
from tests.e2e.support import (
    PG_BASE_URL,
    cookie_header,
    login_client,
    of_type,
    postgres_available,
    recv_until,
)
from tests.support.live_server import (
    LiveServer,
    live_server,
    migrate,
    run_django,
    server_env,
    temp_database,
)
from tests.support.redis_server import PrivateRedis, private_redis, redis_server_binary

# Always PostgreSQL + Redis whatever the pass's database: make test runs it in that pass.
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.postgres_pass]

SEED = f"""
import json
from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import do_create_agent, do_create_api_token
from blockdesk.connectors.services import do_create_web_widget_inbox
account = Account.objects.create(name="Drill Exchange")
agent = do_create_agent(
    account=account, username="drill", email="drill@example.com", password={PASSWORD!r},
    role=User.Role.ADMIN,
)
channel = do_create_web_widget_inbox(account=account, name="Website", members=[agent])
_row, api_token = do_create_api_token(actor=agent, name="drill", scopes=["conversations:read"])
print(json.dumps({{"token": channel.public_token, "api_token": api_token}}))
"""


@dataclass
class Deployment:
    env: dict[str, str]
    token: str
    api_token: str
    redis: PrivateRedis


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    require_or_skip(postgres_available(), f"PostgreSQL is needed at {PG_BASE_URL}")
    require_or_skip(redis_server_binary() is not None, "redis-server is needed (Debian redis)")
    data_dir: Path = tmp_path_factory.mktemp("drills")
    with private_redis() as redis, temp_database(base_url=PG_BASE_URL) as db_url:
        env = server_env(
            database_url=db_url,
            data_dir=data_dir,
            redis_url=redis.url,
            # The drills send in bursts from one address.
            extra={"BLOCKDESK_PUBLIC_RATE_LIMIT": "100000"},
        )
        migrate(env)
        seed = json.loads(run_django(env, SEED).strip().splitlines()[-1])
        yield Deployment(env=env, token=seed["token"], api_token=seed["api_token"], redis=redis)


def _api(deployment: Deployment, node: LiveServer, path: str) -> str:
    return node.url(f"/widget/api/{deployment.token}/{path}")


async def _visitor_socket(node: LiveServer, deployment: Deployment, token: str) -> ClientConnection:
    ws = await connect(
        node.ws_url(f"/ws/widget/{deployment.token}/"),
        origin=node.origin,  # type: ignore[arg-type]
    )
    await ws.send(json.dumps({"type": "auth", "token": token}))
    await recv_until(ws, lambda f: f.get("type") == "ready")
    return ws


async def _agent_socket(node: LiveServer, agent_http: httpx.Client) -> ClientConnection:
    ws = await connect(
        node.ws_url("/ws/agent/"),
        origin=node.origin,  # type: ignore[arg-type]
        additional_headers={"Cookie": cookie_header(agent_http)},
    )
    await recv_until(ws, lambda f: f.get("type") == "ready")
    return ws


def _stored_texts(node: LiveServer, deployment: Deployment, conversation_id: int) -> list[str]:
    """Every message of the case, through the REST API (pages by after_id)."""
    texts: list[str] = []
    after = 0
    with httpx.Client(timeout=15) as http:
        while True:
            page = http.get(
                node.url(f"/api/v1/conversations/{conversation_id}/messages"),
                params={"after_id": after, "limit": 100},
                headers={"Authorization": f"Bearer {deployment.api_token}"},
            )
            assert page.status_code == 200, page.text
            body = page.json()
            texts += [m["content"] for m in body["items"]]
            if not body["next_after_id"]:
                return texts
            after = body["next_after_id"]


async def _send_until_stored(
    http: httpx.AsyncClient,
    url: str,
    *,
    content: str,
    key: str,
    auth: dict[str, str],
    conversation_id: int | None,
    seconds: float = 30,
) -> tuple[dict[str, Any], list[int]]:
    """POST a message, retrying the same idempotency key until it is stored; returns the
    answer and the statuses seen on the way (a 500 is a failure of the drill)."""
    statuses: list[int] = []
    deadline = time.monotonic() + seconds
    body: dict[str, Any] = {"content": content, "idempotency_key": key}
    if conversation_id is not None:
        body["conversation_id"] = conversation_id
    while True:
        try:
            response = await http.post(url, json=body, headers=auth)
            statuses.append(response.status_code)
            if response.status_code in (200, 201):
                return response.json(), statuses
            assert response.status_code == 503, response.text[:500]
            assert response.headers.get("Retry-After"), "a 503 says when to retry"
        except httpx.TransportError:
            statuses.append(0)
        if time.monotonic() > deadline:
            raise AssertionError(f"not stored within {seconds}s: {statuses}")
        await asyncio.sleep(0.2)


async def test_redis_restart_the_live_layer_recovers_by_itself(deployment: Deployment) -> None:
    with live_server(deployment.env) as node:
        agent_http = login_client(node, "drill", PASSWORD)
        async with httpx.AsyncClient(timeout=15) as http:
            started = await http.post(_api(deployment, node, "session"), json={"locale": "en"})
            assert started.status_code == 201, started.text
            visitor_token = started.json()["visitor_token"]
            auth = {"Authorization": f"Bearer {visitor_token}"}
            agent_ws = await _agent_socket(node, agent_http)
            visitor_ws = await _visitor_socket(node, deployment, visitor_token)
            try:
                first, _ = await _send_until_stored(
                    http,
                    _api(deployment, node, "messages"),
                    content="before the crash",
                    key=uuid.uuid4().hex,
                    auth=auth,
                    conversation_id=None,
                )
                conversation_id = first["conversation"]["id"]
                await recv_until(agent_ws, of_type("message.created", id=first["message"]["id"]))

                deployment.redis.kill()
                # While Redis is down: a clear, retryable answer, never an HTML 500.
                down = await http.post(
                    _api(deployment, node, "messages"),
                    json={
                        "content": "during",
                        "idempotency_key": uuid.uuid4().hex,
                        "conversation_id": conversation_id,
                    },
                    headers=auth,
                )
                assert down.status_code in (201, 503), down.text[:500]
                deployment.redis.start()

                # The same sockets, not reconnected, hear what follows. A push made while
                # the layer is still reconnecting may be lost (the message is stored, and
                # clients catch up by id); within seconds every push arrives again.
                recovered_after: float | None = None
                started = time.monotonic()
                sent: dict[str, Any] = {}
                while time.monotonic() - started < 45:
                    text = f"after the restart {uuid.uuid4().hex[:8]}"
                    sent, statuses = await _send_until_stored(
                        http,
                        _api(deployment, node, "messages"),
                        content=text,
                        key=uuid.uuid4().hex,
                        auth=auth,
                        conversation_id=conversation_id,
                    )
                    assert 500 not in statuses
                    try:
                        await recv_until(
                            agent_ws,
                            of_type("message.created", id=sent["message"]["id"]),
                            timeout=3,
                        )
                    except AssertionError:
                        continue
                    recovered_after = time.monotonic() - started
                    break
                assert recovered_after is not None, "the live layer did not recover in 45 s"
                # Recovered: the next message is heard at once.
                text = f"steady again {uuid.uuid4().hex[:8]}"
                sent, _ = await _send_until_stored(
                    http,
                    _api(deployment, node, "messages"),
                    content=text,
                    key=uuid.uuid4().hex,
                    auth=auth,
                    conversation_id=conversation_id,
                )
                heard = await recv_until(
                    agent_ws, of_type("message.created", id=sent["message"]["id"]), timeout=5
                )
                assert heard["message"]["content"] == text
                print(f"live layer recovered {recovered_after:.1f} s after the restart")

                reply = f"reply after the restart {uuid.uuid4().hex[:8]}"
                display_id = sent["conversation"]["display_id"]
                replied = agent_http.post(
                    f"/app/c/{display_id}/reply/",
                    data={
                        "content": reply,
                        "idempotency_key": uuid.uuid4().hex,
                        "csrfmiddlewaretoken": agent_http.cookies["csrftoken"],
                    },
                    headers={"Accept": "application/json"},
                )
                assert replied.status_code == 200, replied.text[:500]
                got = await recv_until(
                    visitor_ws,
                    of_type("message.created", id=replied.json()["message"]["id"]),
                    timeout=20,
                )
                assert got["message"]["content"] == reply
            finally:
                await agent_ws.close()
                await visitor_ws.close()
                agent_http.close()


async def test_a_node_killed_mid_stream_loses_nothing_and_stores_nothing_twice(
    deployment: Deployment,
) -> None:
    with live_server(deployment.env) as a, live_server(deployment.env) as b:
        agent_http = login_client(b, "drill", PASSWORD)
        async with httpx.AsyncClient(timeout=15) as http:
            started = await http.post(_api(deployment, a, "session"), json={"locale": "en"})
            visitor_token = started.json()["visitor_token"]
            auth = {"Authorization": f"Bearer {visitor_token}"}
            agent_ws = await _agent_socket(b, agent_http)
            visitor_ws = await _visitor_socket(a, deployment, visitor_token)
            run = uuid.uuid4().hex[:6]
            texts = [f"drill {run} message {i:02d}" for i in range(24)]
            keys = [uuid.uuid4().hex for _ in texts]
            heard_by_agent: list[dict[str, Any]] = []
            try:
                # 1. A stream through node A ...
                first, _ = await _send_until_stored(
                    http,
                    _api(deployment, a, "messages"),
                    content=texts[0],
                    key=keys[0],
                    auth=auth,
                    conversation_id=None,
                )
                conversation_id = first["conversation"]["id"]
                display_id = first["conversation"]["display_id"]
                for i in range(1, 10):
                    await _send_until_stored(
                        http,
                        _api(deployment, a, "messages"),
                        content=texts[i],
                        key=keys[i],
                        auth=auth,
                        conversation_id=conversation_id,
                    )
                # 2. ... killed with SIGKILL while message 10 is in flight: it may or may
                # not have been committed; the client cannot know.
                in_flight = asyncio.ensure_future(
                    http.post(
                        _api(deployment, a, "messages"),
                        json={
                            "content": texts[10],
                            "idempotency_key": keys[10],
                            "conversation_id": conversation_id,
                        },
                        headers=auth,
                    )
                )
                await asyncio.sleep(0.01)
                a.process.kill()
                a.process.wait(timeout=10)
                with contextlib.suppress(httpx.TransportError):
                    await in_flight
                # 3. The agent replies while the visitor is cut off.
                replies = [f"drill {run} reply {i}" for i in range(3)]
                reply_ids = []
                for reply in replies:
                    replied = agent_http.post(
                        f"/app/c/{display_id}/reply/",
                        data={
                            "content": reply,
                            "idempotency_key": uuid.uuid4().hex,
                            "csrfmiddlewaretoken": agent_http.cookies["csrftoken"],
                        },
                        headers={"Accept": "application/json"},
                    )
                    assert replied.status_code == 200, replied.text[:500]
                    reply_ids.append(replied.json()["message"]["id"])
                # 4. The client moves to node B: the in-flight message again with its key,
                # then the rest of the stream; its socket reconnects there and catches up.
                for i in range(10, len(texts)):
                    await _send_until_stored(
                        http,
                        _api(deployment, b, "messages"),
                        content=texts[i],
                        key=keys[i],
                        auth=auth,
                        conversation_id=conversation_id,
                    )
                await visitor_ws.close()
                visitor_ws = await _visitor_socket(b, deployment, visitor_token)
                caught_up = await http.get(
                    _api(deployment, b, "messages"),
                    params={"conversation_id": conversation_id, "after_id": first["message"]["id"]},
                    headers=auth,
                )
                assert caught_up.status_code == 200, caught_up.text
                seen_by_visitor = {m["id"] for m in caught_up.json()["messages"]}
                assert set(reply_ids) <= seen_by_visitor

                # Every message stored exactly once, the one in flight included.
                stored = _stored_texts(b, deployment, conversation_id)
                for text in texts:
                    assert stored.count(text) == 1, (text, stored)

                # The agent heard the stream live on B's socket; a message whose push died
                # with node A is found by catching up (the console does it by id).
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    try:
                        frame = await asyncio.wait_for(agent_ws.recv(), timeout=0.5)
                    except TimeoutError:
                        if sum(1 for f in heard_by_agent if _is_visitor(f, run)) >= len(texts):
                            break
                        continue
                    heard_by_agent.append(json.loads(frame))
                live = {f["message"]["content"] for f in heard_by_agent if _is_visitor(f, run)}
                assert {t for t in texts[11:]} <= live, sorted(set(texts) - live)
                assert set(texts) <= live | set(stored)
            finally:
                await agent_ws.close()
                await visitor_ws.close()
                agent_http.close()


def _is_visitor(frame: dict[str, Any], run: str) -> bool:
    message = frame.get("message") or {}
    return frame.get("type") == "message.created" and f"drill {run} message" in str(
        message.get("content", "")
    )
