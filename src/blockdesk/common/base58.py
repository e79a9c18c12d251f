"""Base58 and Base58Check (Bitcoin alphabet), as used by Bitcoin and TRON addresses and WIF keys
(the chain app and the secret guard share it).

Kept dependency-free and tiny; checksum comparison is constant-time only in spirit, since the
inputs are public addresses rather than secrets.
"""

from __future__ import annotations

import hashlib

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}

# Longer inputs are never addresses or keys; the cap keeps decode cost bounded on hostile text.
MAX_DECODE_LENGTH = 128


class Base58Error(ValueError):
    """The string is not valid Base58 / Base58Check."""


def b58encode(data: bytes) -> str:
    """Encode bytes; each leading zero byte becomes a leading ``1``."""
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, rem = divmod(n, 58)
        out.append(ALPHABET[rem])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Decode a Base58 string; raises :class:`Base58Error` on any character outside the alphabet."""
    if len(text) > MAX_DECODE_LENGTH:
        raise Base58Error("input too long")
    n = 0
    for ch in text:
        digit = _INDEX.get(ch)
        if digit is None:
            raise Base58Error(f"invalid base58 character {ch!r}")
        n = n * 58 + digit
    pad = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * pad + body


def _checksum(payload: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]


def b58check_encode(payload: bytes) -> str:
    """Append the double-SHA256 checksum and encode."""
    return b58encode(payload + _checksum(payload))


def b58check_decode(text: str) -> bytes:
    """Decode and verify the 4-byte checksum; returns the payload (version byte included)."""
    raw = b58decode(text)
    if len(raw) < 5:
        raise Base58Error("too short for base58check")
    payload, check = raw[:-4], raw[-4:]
    if _checksum(payload) != check:
        raise Base58Error("bad base58check checksum")
    return payload
