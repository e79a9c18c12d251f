"""Fixtures for the REST API tests: tokens and a client that sends them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from blockdesk.accounts.models import ApiToken, User
from blockdesk.accounts.services import do_create_api_token

ALL_SCOPES = list(ApiToken.Scope.values)


class ApiClient:
    """A Django test client that speaks JSON with a bearer token."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(path, params or {}, headers=self._headers())

    def _send(self, method: str, path: str, body: Any) -> Any:
        fn = getattr(self.client, method)
        return fn(path, json.dumps(body), content_type="application/json", headers=self._headers())

    def post(self, path: str, body: Any) -> Any:
        return self._send("post", path, body)

    def patch(self, path: str, body: Any) -> Any:
        return self._send("patch", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self._send("put", path, body)

    def delete(self, path: str) -> Any:
        return self.client.delete(path, headers=self._headers())


@pytest.fixture
def make_token(admin_user: User) -> Callable[..., tuple[ApiToken, str]]:
    def make(scopes: list[str] | None = None, name: str = "Integration") -> tuple[ApiToken, str]:
        return do_create_api_token(actor=admin_user, name=name, scopes=scopes or ALL_SCOPES)

    return make


@pytest.fixture
def api(make_token: Callable[..., tuple[ApiToken, str]]) -> ApiClient:
    _token, plain = make_token()
    return ApiClient(plain)


@pytest.fixture
def api_for() -> Callable[[str | None], ApiClient]:
    return ApiClient


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """Every failure has one shape: {"error": {"code", "message", ["fields"]}}."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]
