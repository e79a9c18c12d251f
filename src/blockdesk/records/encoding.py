"""The byte forms that get hashed or signed. Changing any of these breaks every old receipt:
bump the version tag instead (docs/records.md documents them)."""

from __future__ import annotations

import hashlib
import json
import struct
from typing import Any

COMMITMENT_TAG = b"blockdesk-records/commitment/v1\x00"
STH_TAG = b"blockdesk-records/sth/v1\x00"
SALT_BYTES = 32
RECORD_VERSION = 1


def _check_value(value: Any, path: str) -> None:
    # Floats have no single canonical text form (1.0 vs 1, rounding); amounts go in as strings.
    if isinstance(value, float):
        raise ValueError(f"{path}: floats are not allowed in records; use a string")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{path}: keys must be strings")
            _check_value(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_value(item, f"{path}[{i}]")
    elif not (value is None or isinstance(value, bool | int | str)):
        raise ValueError(f"{path}: {type(value).__name__} is not allowed in records")


def canonical_json(value: dict[str, Any]) -> str:
    """Sorted keys, no whitespace, UTF-8 text (not \\u escapes), no floats."""
    _check_value(value, "record")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def commitment(salt: bytes, record: bytes) -> bytes:
    # The salt has a fixed length, so tag || salt || record is unambiguous.
    if len(salt) != SALT_BYTES:
        raise ValueError("salt must be 32 bytes")
    return hashlib.sha256(COMMITMENT_TAG + salt + record).digest()


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()


def sth_bytes(
    *, log_id: str, tree_size: int, timestamp_ms: int, root_hash: bytes, key_id: str
) -> bytes:
    log = log_id.encode("ascii")
    if len(log) > 255 or len(root_hash) != 32:
        raise ValueError("bad tree head")
    return (
        STH_TAG
        + bytes([len(log)])
        + log
        + struct.pack(">QQ", tree_size, timestamp_ms)
        + root_hash
        + bytes.fromhex(key_id)
    )
