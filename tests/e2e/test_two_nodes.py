"""Two Blockdesk nodes behind no load balancer: separate uvicorn processes on two
loopback ports sharing one fresh PostgreSQL database and one Redis (channel layer and
cache). What one node writes, sockets on the other node hear; the public rate limit is
counted once for the whole deployment, not per node."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.conftest import PASSWORD, require_or_skip
from tests.e2e.support import (
    PG_BASE_URL,
    REDIS_URL,
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
    redis_available,
    run_django,
    server_env,
    temp_database,
)

# Always PostgreSQL + Redis whatever the pass's database: make test runs it in that pass.
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.postgres_pass]

# Low enough to reach in a few requests; the window is long so that the whole check
# falls into one fixed window (see _wait_for_fresh_window).
RATE_LIMIT = 4
RATE_WINDOW = 3600

SEED = f"""
import json
from blockdesk.accounts.models import Account
from blockdesk.accounts.services import do_create_agent
from blockdesk.connectors.services import do_create_web_widget_inbox
account = Account.objects.create(name="Two Node Exchange")
agent = do_create_agent(
    account=account, username="nodeagent", email="node@example.com", password={PASSWORD!r}
)
channel = do_create_web_widget_inbox(account=account, name="Website", members=[agent])
print(json.dumps({{"token": channel.public_token}}))
"""


@dataclass
class Cluster:
    a: LiveServer
    b: LiveServer
    token: str

    def api(self, node: LiveServer, path: str) -> str:
        return node.url(f"/widget/api/{self.token}/{path}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    # Its own PostgreSQL database whatever the suite's DATABASE_URL, so it runs (once
    # per pass) on both the SQLite and the PostgreSQL pass of `make test`.
    require_or_skip(postgres_available(), f"PostgreSQL is needed at {PG_BASE_URL}")
    require_or_skip(redis_available(REDIS_URL), f"Redis is needed at {REDIS_URL}")
    data_dir: Path = tmp_path_factory.mktemp("two-nodes")
    with temp_database(base_url=PG_BASE_URL) as db_url:
        env = server_env(
            database_url=db_url,
            data_dir=data_dir,
            redis_url=REDIS_URL,
            extra={
                "BLOCKDESK_PUBLIC_RATE_LIMIT": str(RATE_LIMIT),
                "BLOCKDESK_PUBLIC_RATE_WINDOW": str(RATE_WINDOW),
            },
        )
        migrate(env)
        seed = json.loads(run_django(env, SEED).strip().splitlines()[-1])
        # One env for both: same secret key, database and Redis prefix = one deployment.
        with live_server(env) as node_a, live_server(env) as node_b:
            assert node_a.port != node_b.port
            yield Cluster(a=node_a, b=node_b, token=seed["token"])


async def test_visitor_on_one_node_and_agent_on_the_other_talk_live(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    agent_http = login_client(b, "nodeagent", PASSWORD)
    async with httpx.AsyncClient(timeout=15) as http:
        started = await http.post(cluster.api(a, "session"), json={"locale": "en"})
        assert started.status_code == 201, started.text
        visitor_token = started.json()["visitor_token"]
        auth = {"Authorization": f"Bearer {visitor_token}"}

        agent_ws = await connect(
            b.ws_url("/ws/agent/"),
            origin=b.origin,  # type: ignore[arg-type]
            additional_headers={"Cookie": cookie_header(agent_http)},
        )
        visitor_ws = await connect(
            a.ws_url(f"/ws/widget/{cluster.token}/"),
            origin=a.origin,  # type: ignore[arg-type]
        )
        try:
            await recv_until(agent_ws, lambda f: f.get("type") == "ready")
            await visitor_ws.send(json.dumps({"type": "auth", "token": visitor_token}))
            ready = await recv_until(visitor_ws, lambda f: f.get("type") == "ready")
            assert ready["contact_id"]

            # The visitor writes on node A ...
            text = f"Deposit missing, ref {uuid.uuid4().hex[:8]}"
            sent = await http.post(
                cluster.api(a, "messages"),
                json={"content": text, "idempotency_key": uuid.uuid4().hex},
                headers=auth,
            )
            assert sent.status_code == 201, sent.text
            message_id = sent.json()["message"]["id"]
            display_id = sent.json()["conversation"]["display_id"]

            # ... and the agent's socket on node B hears it (via the Redis channel layer).
            heard = await recv_until(agent_ws, of_type("message.created", id=message_id))
            assert heard["message"]["content"] == text
            assert heard["message"]["sender_type"] == "contact"

            # The agent replies through node B's console endpoint (session + CSRF) ...
            reply_text = f"Looking into it, {uuid.uuid4().hex[:8]}"
            replied = agent_http.post(
                f"/app/c/{display_id}/reply/",
                data={
                    "content": reply_text,
                    "idempotency_key": uuid.uuid4().hex,
                    "csrfmiddlewaretoken": agent_http.cookies["csrftoken"],
                },
                headers={"Accept": "application/json"},
            )
            assert replied.status_code == 200, replied.text[:500]
            reply_id = replied.json()["message"]["id"]

            # ... and the visitor's socket on node A receives it, as not their own.
            got = await recv_until(visitor_ws, of_type("message.created", id=reply_id))
            assert got["message"]["content"] == reply_text
            assert got["message"]["mine"] is False
            assert got["message"]["sender_type"] == "agent"
            # The agent's own node also echoes the reply to the console.
            await recv_until(agent_ws, of_type("message.created", id=reply_id))
        finally:
            await agent_ws.close()
            await visitor_ws.close()
            agent_http.close()


def _wait_for_fresh_window(window: int, needed: float = 5) -> None:
    """The limiter counts in fixed windows of `window` seconds; a check straddling a
    boundary would see the count reset. Wait (rarely, at most `needed` s) for room."""
    left = window - time.time() % window
    if left < needed:
        time.sleep(left + 0.05)


def test_public_rate_limit_is_shared_by_both_nodes(cluster: Cluster) -> None:
    with httpx.Client(timeout=15) as http:
        started = http.post(cluster.api(cluster.a, "session"), json={})
        assert started.status_code == 201, started.text
        auth = {"Authorization": f"Bearer {started.json()['visitor_token']}"}

        _wait_for_fresh_window(RATE_WINDOW)
        statuses: list[int] = []
        limited: httpx.Response | None = None
        for i in range(2 * RATE_LIMIT + 2):
            node = cluster.a if i % 2 == 0 else cluster.b
            # Profile updates: a public write scope nothing else in this module uses.
            response = http.post(cluster.api(node, "me"), json={"name": f"V{i}"}, headers=auth)
            statuses.append(response.status_code)
            if response.status_code == 429 and limited is None:
                limited = response

    # Counted per node, each would allow RATE_LIMIT and all 2*RATE_LIMIT+2 would mostly
    # pass; counted together, exactly the first RATE_LIMIT pass, on A and B alike.
    assert statuses == [200] * RATE_LIMIT + [429] * (RATE_LIMIT + 2), statuses
    assert limited is not None
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 0 < int(limited.headers["Retry-After"]) <= RATE_WINDOW
