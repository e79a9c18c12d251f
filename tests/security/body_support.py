"""Fixtures for the body-limit and nested-JSON tests (imported by those modules only, so
other tests in this folder keep their own cache and limits): widget visitors with a
rate-limit cache of their own, and the one error shape."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from blockdesk.connectors.models import WebWidgetChannel
from tests.widget.conftest import Visitor


@pytest.fixture(autouse=True)
def isolated_cache(settings: Any) -> Iterator[None]:
    # Rate-limit counters: one cache per test, never a shared Redis, limits out of the way.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"security-tests-{uuid.uuid4().hex}",
        }
    }
    settings.PUBLIC_RATE_LIMIT = 1000
    settings.PUBLIC_RATE_WINDOW = 60
    yield


@pytest.fixture(name="visitor")
def visitor_fixture(channel: WebWidgetChannel) -> Visitor:
    return Visitor(channel).start()


def assert_error_shape(
    response: Any, status: int | tuple[int, ...], code: str | None = None
) -> str:
    """The one error shape, as JSON; returns the code."""
    statuses = (status,) if isinstance(status, int) else status
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return str(body["error"]["code"])
