"""Widget test helpers: a visitor client speaking the widget API like the frame does."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from blockdesk.connectors.models import WebWidgetChannel


@pytest.fixture(autouse=True)
def _isolated_cache(settings: Any) -> Iterator[None]:
    # Rate-limit counters live in the cache: give every test its own, so tests neither
    # trip each other's limits nor touch a shared Redis.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"widget-tests-{uuid.uuid4().hex}",
        }
    }
    settings.PUBLIC_RATE_LIMIT = 1000
    # The limits count in fixed windows: a long one, so a test that lowers the limit never
    # sees a window boundary pass between its requests on a busy host (the count restarts).
    settings.PUBLIC_RATE_WINDOW = 3600
    yield


class Visitor:
    """One browser: its own IP and, after start(), its own bearer token."""

    def __init__(self, channel: WebWidgetChannel, ip: str = "203.0.113.7") -> None:
        self.channel = channel
        self.client = Client(REMOTE_ADDR=ip)
        self.token: str | None = None
        self.base = f"/widget/api/{channel.public_token}/"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def start(self) -> Visitor:
        response = self.client.post(
            self.base + "session", {"locale": "en"}, content_type="application/json"
        )
        assert response.status_code == 201, response.content
        self.token = response.json()["visitor_token"]
        return self

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(self.base + path, params, headers=self._headers())

    def post(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(
            self.base + path, data, content_type="application/json", headers=self._headers()
        )

    def post_form(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(self.base + path, data, headers=self._headers())

    def send(self, content: str, conversation_id: int | None = None, key: str | None = None) -> Any:
        body: dict[str, Any] = {"content": content, "idempotency_key": key or str(uuid.uuid4())}
        if conversation_id is not None:
            body["conversation_id"] = conversation_id
        return self.post("messages", body)


@pytest.fixture
def visitor(channel: WebWidgetChannel) -> Visitor:
    return Visitor(channel).start()


@pytest.fixture
def other_visitor(channel: WebWidgetChannel) -> Visitor:
    return Visitor(channel, ip="198.51.100.9").start()
