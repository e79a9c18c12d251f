"""Base58 / Base58Check decoding, kept local so the guard depends on nothing else in
Blockdesk (the chain app has its own codec)."""

from __future__ import annotations

import hashlib

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(ALPHABET)}


def b58decode(text: str) -> bytes | None:
    """Decode Base58 (Bitcoin alphabet); None if a character is outside the alphabet."""
    number = 0
    for char in text:
        value = _INDEX.get(char)
        if value is None:
            return None
        number = number * 58 + value
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    # Each leading "1" encodes one leading zero byte.
    leading = len(text) - len(text.lstrip("1"))
    return b"\x00" * leading + body


def b58check_decode(text: str) -> bytes | None:
    """Payload of a Base58Check string, or None if it does not decode or the checksum fails."""
    raw = b58decode(text)
    if raw is None or len(raw) < 5:
        return None
    payload, checksum = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != checksum:
        return None
    return payload
