"""Bech32 (BIP-173) and Bech32m (BIP-350) codecs plus segwit address encoding.

Written from the BIPs; the public test vectors in shared/data exercise every branch.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CHARSET_INDEX = {ch: i for i, ch in enumerate(CHARSET)}
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
MAX_LENGTH = 90  # BIP-173 overall limit; also what Bitcoin Core enforces for addresses.


class Encoding(enum.Enum):
    BECH32 = 1
    BECH32M = 0x2BC830A3  # the checksum constant is the enum value


class Bech32Error(ValueError):
    """The string is not valid bech32/bech32m, or not a valid segwit address."""


@dataclass(frozen=True, slots=True)
class Bech32Decoded:
    hrp: str
    data: tuple[int, ...]  # 5-bit groups, checksum removed
    encoding: Encoding


def _polymod(values: list[int]) -> int:
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            if (top >> i) & 1:
                chk ^= _GENERATOR[i]
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _create_checksum(hrp: str, data: list[int], encoding: Encoding) -> list[int]:
    polymod = _polymod([*_hrp_expand(hrp), *data, 0, 0, 0, 0, 0, 0]) ^ encoding.value
    return [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]


def bech32_encode(hrp: str, data: list[int], encoding: Encoding) -> str:
    """Encode 5-bit groups under ``hrp`` (lower case output)."""
    combined = data + _create_checksum(hrp, data, encoding)
    return hrp + "1" + "".join(CHARSET[d] for d in combined)


def bech32_decode(text: str) -> Bech32Decoded:
    """Decode either variant; which checksum matched is reported in ``encoding``."""
    if any(ord(c) < 33 or ord(c) > 126 for c in text):
        raise Bech32Error("character out of range")
    if text.lower() != text and text.upper() != text:
        raise Bech32Error("mixed case")
    if len(text) > MAX_LENGTH:
        raise Bech32Error("too long")
    text = text.lower()
    pos = text.rfind("1")
    if pos < 1:
        raise Bech32Error("missing separator or empty hrp")
    if pos + 7 > len(text):
        raise Bech32Error("checksum too short")
    hrp = text[:pos]
    try:
        data = [_CHARSET_INDEX[c] for c in text[pos + 1 :]]
    except KeyError as exc:
        raise Bech32Error("invalid data character") from exc
    const = _polymod(_hrp_expand(hrp) + data)
    for encoding in Encoding:
        if const == encoding.value:
            return Bech32Decoded(hrp, tuple(data[:-6]), encoding)
    raise Bech32Error("bad checksum")


def convertbits(data: list[int] | bytes, frombits: int, tobits: int, *, pad: bool) -> list[int]:
    """Regroup bits; without ``pad`` the leftover must be < frombits and all zero (BIP-173)."""
    acc = 0
    bits = 0
    out: list[int] = []
    maxv = (1 << tobits) - 1
    for value in data:
        if value < 0 or value >> frombits:
            raise Bech32Error("value out of range")
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (tobits - bits)) & maxv)
    elif bits >= frombits or ((acc << (tobits - bits)) & maxv):
        raise Bech32Error("invalid padding")
    return out


def decode_segwit(hrp: str, address: str) -> tuple[int, bytes]:
    """Return (witness version, program) if ``address`` is a valid segwit address for ``hrp``."""
    decoded = bech32_decode(address)
    if decoded.hrp != hrp:
        raise Bech32Error("hrp mismatch")
    return _check_witness(decoded)


def _check_witness(decoded: Bech32Decoded) -> tuple[int, bytes]:
    if not decoded.data:
        raise Bech32Error("empty data section")
    version = decoded.data[0]
    if version > 16:
        raise Bech32Error("invalid witness version")
    program = bytes(convertbits(list(decoded.data[1:]), 5, 8, pad=False))
    if not 2 <= len(program) <= 40:
        raise Bech32Error("invalid program length")
    if version == 0 and len(program) not in (20, 32):
        raise Bech32Error("invalid program length for witness v0")
    # BIP-350: v0 keeps bech32, every later version must use bech32m.
    expected = Encoding.BECH32 if version == 0 else Encoding.BECH32M
    if decoded.encoding is not expected:
        raise Bech32Error("wrong checksum variant for witness version")
    return version, program


def decode_segwit_any(address: str) -> tuple[str, int, bytes]:
    """Like :func:`decode_segwit` but reports the hrp instead of checking it."""
    decoded = bech32_decode(address)
    version, program = _check_witness(decoded)
    return decoded.hrp, version, program


def encode_segwit(hrp: str, version: int, program: bytes) -> str:
    """Encode a segwit address; raises if the result would not decode back."""
    encoding = Encoding.BECH32 if version == 0 else Encoding.BECH32M
    if not 0 <= version <= 16:
        raise Bech32Error("invalid witness version")
    address = bech32_encode(hrp, [version, *convertbits(program, 8, 5, pad=True)], encoding)
    # Round-trip catches bad lengths, upper-case hrps and over-long results in one place.
    if decode_segwit(hrp, address) != (version, program):
        raise Bech32Error("cannot encode")
    return address
