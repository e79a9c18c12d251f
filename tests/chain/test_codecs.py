"""Base58 and bech32/bech32m codecs against the BIP-173/BIP-350 reference vectors."""

from __future__ import annotations

from typing import Any

import pytest

from blockdesk.chain.addresses import AddressKind, parse_address, validate_address
from blockdesk.chain.bech32 import (
    Bech32Error,
    Encoding,
    bech32_decode,
    convertbits,
    decode_segwit,
    encode_segwit,
)
from blockdesk.common.base58 import (
    Base58Error,
    b58check_decode,
    b58check_encode,
    b58decode,
    b58encode,
)

from ._vectors import cases, require

BECH32 = "addresses/bech32_bip173_bip350/sipa_bech32_ref_python_vectors.json"


def _strings(key: str):
    return lambda d: [pytest.param(s, id=repr(s)) for s in d[key]]


def _reasons(key: str, field: str):
    return lambda d: [pytest.param(e[field], id=e["reason"] + ":" + e[field]) for e in d[key]]


# --- base58 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        (b"", ""),
        (b"\0", "1"),
        (b"\0\0\x01", "112"),
        (b"hello world", "StV1DL6CwTryKyV"),
        (
            bytes.fromhex("00eb15231dfceb60925886b67d065299925915aeb172c06647"),
            "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L",
        ),
    ],
)
def test_base58_known_values(raw: bytes, encoded: str) -> None:
    assert b58encode(raw) == encoded
    assert b58decode(encoded) == raw


def test_base58check_roundtrip_and_errors() -> None:
    payload = b"\x00" + bytes(range(20))
    text = b58check_encode(payload)
    assert b58check_decode(text) == payload
    corrupted = text[:-1] + ("2" if text[-1] != "2" else "3")
    with pytest.raises(Base58Error):
        b58check_decode(corrupted)
    with pytest.raises(Base58Error):
        b58decode("0OIl")
    with pytest.raises(Base58Error):
        b58check_decode("1111")  # decodes, but too short to hold a checksum
    with pytest.raises(Base58Error):
        b58decode("2" * 500)  # bounded work on hostile input


# --- bech32 / bech32m strings ----------------------------------------------------------------


@pytest.mark.parametrize("case", cases(BECH32, _strings("VALID_BECH32")))
def test_valid_bech32(case: str) -> None:
    require(case, BECH32)
    assert bech32_decode(case).encoding is Encoding.BECH32


@pytest.mark.parametrize("case", cases(BECH32, _strings("VALID_BECH32M")))
def test_valid_bech32m(case: str) -> None:
    require(case, BECH32)
    assert bech32_decode(case).encoding is Encoding.BECH32M


@pytest.mark.parametrize("case", cases(BECH32, _reasons("INVALID_BECH32", "string")))
def test_invalid_bech32(case: str) -> None:
    require(case, BECH32)
    try:
        decoded = bech32_decode(case)
    except Bech32Error:
        return
    assert decoded.encoding is not Encoding.BECH32


@pytest.mark.parametrize("case", cases(BECH32, _reasons("INVALID_BECH32M", "string")))
def test_invalid_bech32m(case: str) -> None:
    require(case, BECH32)
    try:
        decoded = bech32_decode(case)
    except Bech32Error:
        return
    assert decoded.encoding is not Encoding.BECH32M


# --- segwit addresses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case", cases(BECH32, lambda d: [pytest.param(e, id=e[0]) for e in d["VALID_ADDRESS"]])
)
def test_valid_segwit_address(case: list[str]) -> None:
    require(case, BECH32)
    address, script_hex = case
    hrp = "bc" if address.lower().startswith("bc") else "tb"
    version, program = decode_segwit(hrp, address)
    assert encode_segwit(hrp, version, program) == address.lower()
    info = parse_address(address)
    assert info.script_pubkey.hex() == script_hex
    assert info.normalized == address.lower()
    assert info.witness_version == version


@pytest.mark.parametrize("case", cases(BECH32, _reasons("INVALID_ADDRESS", "address")))
def test_invalid_segwit_address(case: str) -> None:
    require(case, BECH32)
    for hrp in ("bc", "tb"):
        with pytest.raises(Bech32Error):
            decode_segwit(hrp, case)
    assert validate_address(case) is None


@pytest.mark.parametrize(
    "case",
    cases(BECH32, lambda d: [pytest.param(e, id=repr(e)) for e in d["INVALID_ADDRESS_ENC"]]),
)
def test_invalid_segwit_encoding(case: Any) -> None:
    require(case, BECH32)
    hrp, version, length = case
    with pytest.raises(Bech32Error):
        encode_segwit(hrp, version, bytes(length))


def test_segwit_kinds() -> None:
    assert parse_address(encode_segwit("bc", 0, bytes(20))).kind is AddressKind.P2WPKH
    assert parse_address(encode_segwit("bc", 0, bytes(32))).kind is AddressKind.P2WSH
    assert parse_address(encode_segwit("bc", 1, bytes(32))).kind is AddressKind.P2TR
    assert parse_address(encode_segwit("bc", 1, bytes(20))).kind is AddressKind.WITNESS_UNKNOWN
    assert parse_address(encode_segwit("bc", 2, bytes(32))).kind is AddressKind.WITNESS_UNKNOWN


def test_segwit_unknown_hrp_is_not_an_address() -> None:
    # Litecoin ("ltc") uses identical encoding but is not a supported network.
    assert validate_address(encode_segwit("ltc", 0, bytes(20))) is None


def test_convertbits_padding_rules() -> None:
    assert convertbits(b"\xff", 8, 5, pad=True) == [31, 28]
    assert convertbits([31, 28], 5, 8, pad=False) == [0xFF]
    with pytest.raises(Bech32Error):
        convertbits([31, 29], 5, 8, pad=False)  # non-zero padding bits
    with pytest.raises(Bech32Error):
        convertbits([31, 28, 0], 5, 8, pad=False)  # a whole spare group of padding
