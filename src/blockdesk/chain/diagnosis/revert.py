"""Decode revert data: Error(string), Panic(uint256) and custom errors from known ABIs."""

from __future__ import annotations

from typing import Any

from blockdesk.chain.diagnosis.facts import RevertFacts
from blockdesk.chain.registry import (
    ERROR_STRING_SELECTOR,
    PANIC_CODES,
    PANIC_SELECTOR,
    ErrorRegistry,
)


def _plain(value: Any) -> Any:
    """ABI values as JSON-friendly data (bytes as hex, big ints stay ints)."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def decode_revert(
    data: str | bytes | None, *, errors: ErrorRegistry, contract: str | None = None
) -> RevertFacts:
    raw = data if isinstance(data, bytes) else _hex_bytes(data)
    if raw is None:
        return RevertFacts(kind="unavailable")
    if not raw:
        return RevertFacts(kind="no_data", raw_data="0x")
    hex_data = "0x" + raw.hex()
    selector, body = raw[:4].hex(), raw[4:]
    if len(raw) < 4:
        return RevertFacts(kind="unknown_selector", raw_data=hex_data)
    # eth_abi (~17 MB) loads when a revert is decoded, not with the diagnosis module.
    from eth_abi import decode as abi_decode
    from eth_abi.exceptions import DecodingError

    try:
        if selector == ERROR_STRING_SELECTOR:
            (message,) = abi_decode(["string"], body)
            return RevertFacts(kind="error_string", message=str(message), raw_data=hex_data)
        if selector == PANIC_SELECTOR:
            (code,) = abi_decode(["uint256"], body)
            return RevertFacts(
                kind="panic",
                panic_code=int(code),
                panic_reason=PANIC_CODES.get(int(code), "unknown"),
                raw_data=hex_data,
            )
    except (DecodingError, ValueError, OverflowError):
        return RevertFacts(kind="unknown_selector", raw_data=hex_data)
    for sig in errors.lookup(selector, contract=contract):
        try:
            values = abi_decode(list(sig.types), body)
        except (DecodingError, ValueError, OverflowError):
            continue  # a selector clash with different argument types: try the next one
        return RevertFacts(
            kind="custom",
            error_name=sig.name,
            error_signature=sig.signature,
            error_args={n: _plain(v) for n, v in zip(sig.arg_names, values, strict=True)},
            raw_data=hex_data,
        )
    return RevertFacts(kind="unknown_selector", raw_data=hex_data)


def _hex_bytes(value: str | None) -> bytes | None:
    if value is None:
        return None
    text = value.removeprefix("0x").removeprefix("0X")
    if len(text) % 2:
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def revert_data_from_error(data: Any) -> str | None:
    """Find the revert bytes in a JSON-RPC error's ``data`` (shapes differ per node).

    geth/erigon/anvil/ganache: a hex string; some providers nest it as ``{"data": "0x..."}``;
    ganache 2 keyed it by transaction hash with a ``return`` field.
    """
    if isinstance(data, str):
        return data if data.startswith("0x") and _hex_bytes(data) is not None else None
    if isinstance(data, dict):
        for key in ("data", "result", "return", "originalError"):
            if key in data:
                found = revert_data_from_error(data[key])
                if found is not None:
                    return found
        for nested in data.values():
            if isinstance(nested, dict):
                found = revert_data_from_error(nested)
                if found is not None:
                    return found
    return None
