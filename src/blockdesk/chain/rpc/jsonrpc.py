"""A minimal EVM JSON-RPC client over httpx (no web3.py: the diagnosis needs a dozen calls)."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from typing import Any

import httpx

from blockdesk.chain.rpc import (
    DEFAULT_TIMEOUT,
    ENDPOINT_ERRORS,
    RpcError,
    RpcUnavailable,
    describe_http_error,
    mask_url,
    open_http_client,
    register_endpoints,
)

logger = logging.getLogger(__name__)

BlockTag = int | str  # a number, or "latest" / "pending" / "earliest"


def to_int(value: Any) -> int:
    """Quantities arrive as 0x-hex strings; some nodes send plain numbers."""
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return int(value, 16) if value.startswith(("0x", "0X")) else int(value)
    raise ValueError(f"not a quantity: {value!r}")


def opt_int(value: Any) -> int | None:
    return None if value is None else to_int(value)


def _tag(block: BlockTag) -> str:
    return hex(block) if isinstance(block, int) else block


class EvmRpcClient:
    """JSON-RPC over HTTP with fail-over across several endpoints (tried in order)."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        allow_private: bool = False,
    ) -> None:
        if not urls:
            raise RpcUnavailable("no RPC URL configured")
        self._urls = list(urls)
        register_endpoints(self._urls)
        self._client = open_http_client(
            allow_private=allow_private, timeout=timeout, transport=transport
        )
        self._ids = itertools.count(1)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> EvmRpcClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport ---------------------------------------------------------------------------

    def request(self, method: str, params: list[Any] | None = None) -> Any:
        payload = {
            "jsonrpc": "2.0",
            "id": next(self._ids),
            "method": method,
            "params": params or [],
        }
        last: Exception | None = None
        for url in self._urls:
            try:
                response = self._client.post(url, json=payload)
                response.raise_for_status()
                body = response.json()
            except (*ENDPOINT_ERRORS, ValueError) as exc:
                # A JSON-RPC error is an answer; only transport failures move on to the next URL.
                logger.warning(
                    "EVM RPC %s via %s failed: %s", method, mask_url(url), describe_http_error(exc)
                )
                last = exc
                continue
            if not isinstance(body, dict):
                last = ValueError("not a JSON object")
                continue
            if body.get("error") is not None:
                err = body["error"]
                if not isinstance(err, dict):
                    raise RpcError(-1, str(err))
                raise RpcError(
                    int(err.get("code", -1)), str(err.get("message", "")), err.get("data")
                )
            return body.get("result")
        detail = describe_http_error(last) if last else "no endpoint"
        raise RpcUnavailable(f"{method}: every endpoint failed ({detail})")

    # --- typed calls -------------------------------------------------------------------------

    def chain_id(self) -> int:
        return to_int(self.request("eth_chainId"))

    def block_number(self) -> int:
        return to_int(self.request("eth_blockNumber"))

    def get_block(self, block: BlockTag) -> dict[str, Any] | None:
        result = self.request("eth_getBlockByNumber", [_tag(block), False])
        return result if isinstance(result, dict) else None

    def get_transaction(self, tx_hash: str) -> dict[str, Any] | None:
        result = self.request("eth_getTransactionByHash", [tx_hash])
        return result if isinstance(result, dict) else None

    def get_receipt(self, tx_hash: str) -> dict[str, Any] | None:
        result = self.request("eth_getTransactionReceipt", [tx_hash])
        return result if isinstance(result, dict) else None

    def get_transaction_count(self, address: str, block: BlockTag = "latest") -> int:
        return to_int(self.request("eth_getTransactionCount", [address, _tag(block)]))

    def fee_history(
        self, block_count: int, newest: BlockTag = "latest", percentiles: Sequence[float] = ()
    ) -> dict[str, Any] | None:
        result = self.request("eth_feeHistory", [hex(block_count), _tag(newest), list(percentiles)])
        return result if isinstance(result, dict) else None

    def call(self, tx: dict[str, Any], block: BlockTag = "latest") -> str:
        """eth_call; a revert raises :class:`RpcError` whose ``data`` may hold the revert bytes."""
        result = self.request("eth_call", [tx, _tag(block)])
        return result if isinstance(result, str) else "0x"
