"""Helpers shared by the end-to-end tests: service probes, agent login over HTTP,
and reading WebSocket frames until a condition holds (never fixed sleeps)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
from websockets.asyncio.client import ClientConnection

from tests.support.live_server import LiveServer

PG_BASE_URL = "postgres://postgres@127.0.0.1:5432/blockdesk"
REDIS_URL = "redis://127.0.0.1:6379/15"


def postgres_available(base_url: str = PG_BASE_URL) -> bool:
    try:
        admin = urlunsplit(urlsplit(base_url)._replace(path="/postgres"))
        with psycopg.connect(admin, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def login_client(server: LiveServer, username: str, password: str) -> httpx.Client:
    """A logged-in agent's HTTP client (session + rotated CSRF cookie in its jar)."""
    http = httpx.Client(base_url=server.base_url, timeout=15)
    page = http.get("/accounts/login/")
    assert page.status_code == 200, page.text[:300]
    response = http.post(
        "/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": http.cookies["csrftoken"],
        },
    )
    assert response.status_code == 302, response.text[:500]
    assert "sessionid" in http.cookies
    return http


def cookie_header(http: httpx.Client) -> str:
    return "; ".join(f"{name}={value}" for name, value in http.cookies.items())


async def recv_until(
    ws: ClientConnection,
    match: Callable[[dict[str, Any]], bool],
    *,
    timeout: float = 10,
    seen: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The first frame `match` accepts; frames skipped on the way go to `seen`."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no matching frame within {timeout}s; saw {seen or []}")
        try:
            raw = await asyncio.wait_for(ws.recv(), timeout=left)
        except TimeoutError:
            continue
        frame = json.loads(raw)
        if match(frame):
            return frame
        if seen is not None:
            seen.append(frame)


def of_type(kind: str, **fields: Any) -> Callable[[dict[str, Any]], bool]:
    """Matches frames of `kind` whose message has the given fields."""

    def match(frame: dict[str, Any]) -> bool:
        if frame.get("type") != kind:
            return False
        message = frame.get("message") or {}
        return all(message.get(k) == v for k, v in fields.items())

    return match
