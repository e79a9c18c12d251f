"""Ed25519 signatures over canonical JSON (docs/peering.md, "Format").

Canonical form: UTF-8 JSON with sorted keys, no insignificant whitespace, strings as
they are (no ASCII escaping), integers only (floats have no single spelling across
languages, so they are refused rather than signed). Both sides build the same bytes from
the same structure, so the signature does not depend on how a page was pretty-printed.

`cryptography` (already a dependency, for Fernet) does the Ed25519 maths: no second
crypto library to keep patched."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

FORMAT = "blockdesk-peering"
VERSION = 1
ITEM_CONTEXT = "blockdesk-peering/item/v1"
ROTATION_CONTEXT = "blockdesk-peering/rotation/v1"


class BadKey(ValueError):
    """Not a base64url Ed25519 public key."""


def _check(value: Any, depth: int = 0) -> None:
    if depth > 20:
        raise ValueError("too deep to sign")
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return
    if isinstance(value, float):
        raise ValueError("floats are not signed: use integers or strings")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError("object keys must be strings")
            _check(item, depth + 1)
        return
    if isinstance(value, list):
        for item in value:
            _check(item, depth + 1)
        return
    raise ValueError(f"cannot sign a {type(value).__name__}")


def canonical(value: Any) -> bytes:
    _check(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def b64d(text: str) -> bytes:
    if not isinstance(text, str) or len(text) > 200:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def content_hash(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def new_key_pair() -> tuple[str, str]:
    """(private key, public key), both base64url of the raw 32 bytes."""
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return b64e(raw_private), b64e(raw_public)


def parse_public_key(text: str) -> Ed25519PublicKey:
    try:
        raw = b64d(text.strip())
        if len(raw) != 32:
            raise ValueError("length")
        return Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, TypeError) as exc:
        raise BadKey("not an Ed25519 public key") from exc


def key_id(public_key: str) -> str:
    """A short fingerprint admins can compare by phone: the first 16 hex of SHA-256."""
    return hashlib.sha256(b64d(public_key.strip())).hexdigest()[:16]


def sign(private_key: str, message: Any) -> str:
    private = Ed25519PrivateKey.from_private_bytes(b64d(private_key))
    return b64e(private.sign(canonical(message)))


def verify(public_key: str, message: Any, signature: str) -> bool:
    try:
        key = parse_public_key(public_key)
        key.verify(b64d(signature), canonical(message))
    except (BadKey, ValueError, InvalidSignature):
        return False
    return True


def item_message(*, feed_id: str, item: dict[str, Any]) -> dict[str, Any]:
    """What an item's signature covers: the feed it belongs to (so an item cannot be
    moved to another feed signed by the same key), its identity, version, deletion flag
    and body. `seq` is not covered: re-sequencing does not change what was said."""
    return {
        "context": ITEM_CONTEXT,
        "feed": feed_id,
        "type": item["type"],
        "id": item["id"],
        "version": item["version"],
        "deleted": item["deleted"],
        "body": item.get("body"),
        "updated_at": item["updated_at"],
    }


def rotation_message(*, feed_id: str, new_public_key: str) -> dict[str, Any]:
    return {"context": ROTATION_CONTEXT, "feed": feed_id, "new_key": new_public_key}
