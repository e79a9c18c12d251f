"""Esplora REST API (blockstream.info, mempool.space and self-hosted electrs)."""

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


class EsploraClient:
    def __init__(
        self,
        base_urls: Sequence[str],
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        allow_private: bool = False,
    ) -> None:
        if not base_urls:
            raise RpcUnavailable("no Esplora URL configured")
        self._urls = [u.rstrip("/") for u in base_urls]
        register_endpoints(self._urls)
        self._client = open_http_client(
            allow_private=allow_private, timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> EsploraClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get(self, path: str) -> httpx.Response | None:
        """The response, or None for a 404 (Esplora's "not found" is a plain-text 404)."""
        last: Exception | None = None
        for base in self._urls:
            try:
                response = self._client.get(base + path)
                if response.status_code == 404:
                    return None
                response.raise_for_status()
                return response
            except ENDPOINT_ERRORS as exc:
                logger.warning(
                    "Esplora %s via %s failed: %s",
                    path.split("/")[1],
                    mask_url(base),
                    describe_http_error(exc),
                )
                last = exc
        detail = describe_http_error(last) if last else "no endpoint"
        raise RpcUnavailable(f"Esplora: every endpoint failed ({detail})")

    def _json(self, path: str) -> Any:
        response = self._get(path)
        if response is None:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise RpcUnavailable("Esplora answered with invalid JSON") from exc

    def transaction(self, txid: str) -> dict[str, Any] | None:
        result = self._json(f"/tx/{txid}")
        return result if isinstance(result, dict) else None

    def tip_height(self) -> int:
        response = self._get("/blocks/tip/height")
        if response is None:
            raise RpcUnavailable("Esplora has no tip height")
        try:
            return int(response.text.strip())
        except ValueError as exc:
            raise RpcUnavailable("Esplora answered with an invalid height") from exc

    def tip_block(self) -> tuple[int, int]:
        """(height, unix time) of the newest block this endpoint knows: the status watcher
        tells a stalled node from a live one by the time, as for EVM."""
        response = self._get("/blocks/tip/hash")
        block_hash = response.text.strip() if response is not None else ""
        block = self._json(f"/block/{block_hash}") if block_hash.isalnum() else None
        try:
            return int(block["height"]), int(block["timestamp"])  # type: ignore[index]
        except (KeyError, TypeError, ValueError) as exc:
            raise RpcUnavailable("Esplora has no tip block") from exc

    def fee_estimates(self) -> dict[int, float]:
        """Confirmation target (blocks) -> fee rate (sat/vB)."""
        result = self._json("/fee-estimates")
        if not isinstance(result, dict):
            return {}
        estimates: dict[int, float] = {}
        for target, rate in result.items():
            try:
                estimates[int(target)] = float(rate)
            except (TypeError, ValueError):
                continue
        return estimates
