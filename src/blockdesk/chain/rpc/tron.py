"""TRON full-node HTTP API (TronGrid-compatible): transactions, their receipts, the head block."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import httpx

from blockdesk.chain.rpc import (
    DEFAULT_TIMEOUT,
    ENDPOINT_ERRORS,
    RpcUnavailable,
    describe_http_error,
    mask_url,
    open_http_client,
    register_endpoints,
)

logger = logging.getLogger(__name__)


class TronClient:
    def __init__(
        self,
        base_urls: Sequence[str],
        *,
        api_key: str = "",
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        allow_private: bool = False,
    ) -> None:
        if not base_urls:
            raise RpcUnavailable("no TRON API URL configured")
        self._urls = [u.rstrip("/") for u in base_urls]
        register_endpoints(self._urls)
        headers = {"TRON-PRO-API-KEY": api_key} if api_key else {}
        self._client = open_http_client(
            allow_private=allow_private, timeout=timeout, transport=transport, headers=headers
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> TronClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        last: Exception | None = None
        for base in self._urls:
            try:
                response = self._client.post(base + path, json=body)
                response.raise_for_status()
                result = response.json()
            except (*ENDPOINT_ERRORS, ValueError) as exc:
                logger.warning(
                    "TRON %s via %s failed: %s", path, mask_url(base), describe_http_error(exc)
                )
                last = exc
                continue
            # The node answers {} for an unknown id.
            return result if isinstance(result, dict) else {}
        detail = describe_http_error(last) if last else "no endpoint"
        raise RpcUnavailable(f"TRON {path}: every endpoint failed ({detail})")

    def transaction(self, txid: str) -> dict[str, Any] | None:
        result = self._post("/wallet/gettransactionbyid", {"value": txid})
        return result or None

    def transaction_info(self, txid: str) -> dict[str, Any] | None:
        """The receipt; empty until the transaction is in a block."""
        result = self._post("/wallet/gettransactioninfobyid", {"value": txid})
        return result or None

    def head_block_number(self) -> int:
        return self.head_block()[0]

    def head_block(self) -> tuple[int, int]:
        """(number, unix time in seconds) of the node's newest block."""
        block = self._post("/wallet/getnowblock", {})
        try:
            raw = block["block_header"]["raw_data"]
            return int(raw["number"]), int(raw.get("timestamp", 0)) // 1000
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise RpcUnavailable("TRON getnowblock answered without a block number") from exc
