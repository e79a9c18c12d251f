"""The crash, end to end: a real `manage.py serve` (uvicorn, embedded mode, SQLite) gets the
600 KB nested body that used to kill it (exit 139), over HTTP and over the widget socket,
and keeps serving."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.support.live_server import LiveServer, live_server, migrate, run_django, server_env

pytestmark = [pytest.mark.slow, pytest.mark.embedded_only]

DEPTH = 100_000
NESTED = ('{"a":' * DEPTH + "1" + "}" * DEPTH).encode()

SEED = """
import json
from blockdesk.accounts.models import Account
from blockdesk.connectors.services import do_create_web_widget_inbox
account = Account.objects.create(name="Nested Exchange")
channel = do_create_web_widget_inbox(account=account, name="Website", members=[])
print(json.dumps({"token": channel.public_token}))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    data_dir: Path = tmp_path_factory.mktemp("nested-json")
    env = server_env(database_url=f"sqlite:///{data_dir / 'nested.sqlite3'}", data_dir=data_dir)
    migrate(env)
    token = json.loads(run_django(env, SEED).strip().splitlines()[-1])["token"]
    with live_server(env) as node:
        yield node, token


def _alive(node: LiveServer, token: str) -> None:
    assert node.process.poll() is None, f"server died ({node.process.returncode}):\n{node.log()}"
    assert httpx.get(node.url("/healthz"), timeout=10).status_code == 200
    started = httpx.post(node.url(f"/widget/api/{token}/session"), json={"locale": "en"})
    assert started.status_code == 201, started.text


def test_the_nested_body_is_refused_and_the_server_lives(server):
    node, token = server
    for path in (f"/widget/api/{token}/session", f"/wallet/api/{token}/challenge"):
        response = httpx.post(
            node.url(path),
            content=NESTED,
            headers={"Content-Type": "application/json", "Authorization": "Bearer bdv_x"},
            timeout=30,
        )
        assert response.status_code in (400, 401), response.text
        assert set(response.json()) == {"error"}
    response = httpx.post(
        node.url(f"/widget/api/{token}/session"),
        content=NESTED,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "json_too_deep"
    _alive(node, token)


async def test_a_nested_socket_frame_closes_that_socket_only(server):
    node, token = server
    url = node.ws_url(f"/ws/widget/{token}/")
    async with connect(url, origin=node.origin, max_size=None) as ws:  # type: ignore[arg-type]
        await ws.send("[" * 30_000 + "]" * 30_000)
        assert json.loads(await ws.recv()) == {"type": "error", "code": "json_too_deep"}
        await ws.wait_closed()
        assert ws.close_code == 1007
    async with connect(url, origin=node.origin) as ws:  # type: ignore[arg-type]
        await ws.send(json.dumps({"type": "ping"}))  # unauthenticated: refused, politely
        assert json.loads(await ws.recv())["type"] == "error"
    _alive(node, token)


def test_a_13_mb_body_is_a_413_in_the_error_shape_even_when_chunked(server):
    node, token = server
    body = b'{"locale": "' + b"x" * (13 * 1024 * 1024) + b'"}'

    def chunks() -> Iterator[bytes]:  # no Content-Length: the buffered size is what counts
        for start in range(0, len(body), 1 << 20):
            yield body[start : start + (1 << 20)]

    for content in (body, chunks()):
        response = httpx.post(
            node.url(f"/widget/api/{token}/session"),
            content=content,
            headers={"Content-Type": "application/json"},
            timeout=60,
        )
        assert response.status_code == 413, response.text[:300]
        assert response.json()["error"]["code"] == "too_large"
    _alive(node, token)
