"""Wallet sign-in test helpers: widget visitors (tests/widget's client) and wallets that sign
the exact message the server built, with eth-account keys."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

from blockdesk.connectors.models import WebWidgetChannel
from tests.widget.conftest import Visitor


@pytest.fixture(autouse=True)
def _isolated_cache(settings: Any) -> Iterator[None]:
    # Rate-limit counters live in the cache: one per test, never a shared Redis.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"wallet-tests-{uuid.uuid4().hex}",
        }
    }
    settings.PUBLIC_RATE_LIMIT = 1000
    settings.PUBLIC_RATE_WINDOW = 60
    yield


def sign(key: LocalAccount, message: str) -> str:
    return "0x" + key.sign_message(encode_defunct(text=message)).signature.hex().removeprefix("0x")


class WalletVisitor(Visitor):
    """A widget visitor that also speaks /wallet/api/<token>/."""

    def __init__(self, channel: WebWidgetChannel, ip: str = "203.0.113.7") -> None:
        super().__init__(channel, ip)
        self.wallet_base = f"/wallet/api/{channel.public_token}/"

    def wallet_post(self, path: str, data: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            self.wallet_base + path,
            data or {},
            content_type="application/json",
            headers=self._headers(),
        )

    def wallet_get(self, path: str) -> Any:
        return self.client.get(self.wallet_base + path, headers=self._headers())

    def challenge(self, address: str, chain_id: Any = "0x1") -> dict[str, Any]:
        response = self.wallet_post("challenge", {"address": address, "chain_id": chain_id})
        assert response.status_code == 201, response.content
        return dict(response.json())

    def verify(self, message: str, signature: str) -> Any:
        return self.wallet_post("verify", {"message": message, "signature": signature})

    def sign_in(self, key: LocalAccount, chain_id: Any = "0x1") -> Any:
        message = self.challenge(key.address, chain_id)["message"]
        return self.verify(message, sign(key, message))


@pytest.fixture
def wallet_key() -> LocalAccount:
    return Account.create()


@pytest.fixture
def visitor(channel: WebWidgetChannel) -> WalletVisitor:
    return WalletVisitor(channel).start()  # type: ignore[return-value]


@pytest.fixture
def second_device(channel: WebWidgetChannel) -> WalletVisitor:
    return WalletVisitor(channel, ip="198.51.100.9").start()  # type: ignore[return-value]
