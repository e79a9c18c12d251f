"""Discord signs every call to the interactions endpoint: Ed25519 over the
`X-Signature-Timestamp` header followed by the raw body, with the application's public
key (Developer Portal). Verified with `cryptography` (already a dependency)."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def is_valid(*, public_key_hex: str, signature_hex: str, timestamp: str, body: bytes) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        key.verify(bytes.fromhex(signature_hex), timestamp.encode() + body)
    except (ValueError, InvalidSignature):
        return False
    return True
