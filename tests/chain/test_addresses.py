from __future__ import annotations

from typing import Any

import pytest

from blockdesk.chain.addresses import (
    AddressKind,
    ChainFamily,
    InvalidAddressError,
    Network,
    is_checksum_address,
    is_valid_address,
    looks_like_wif,
    parse_address,
    to_checksum_address,
    validate_address,
)
from blockdesk.common.base58 import b58check_encode

from . import _vectors
from ._vectors import MISSING, cases, require

KEY_IO_VALID = "addresses/bitcoin_core_key_io/key_io_valid.json"
KEY_IO_INVALID = "addresses/bitcoin_core_key_io/key_io_invalid.json"
EIP55 = "addresses/eip55/eip55_vectors.json"
CHAIN_NAMES = {"main": "mainnet", "testnet4": "testnet4", "signet": "signet", "regtest": "regtest"}


def _key_io_params(data: list[list[object]], *, privkeys: bool) -> list[object]:
    return [
        pytest.param(entry, id=str(entry[0]))
        for entry in data
        if bool(entry[2]["isPrivkey"]) is privkeys  # type: ignore[index]
    ]


# --- Bitcoin Core key_io vectors -------------------------------------------------------------


@pytest.mark.parametrize("case", cases(KEY_IO_VALID, lambda d: _key_io_params(d, privkeys=False)))
def test_key_io_valid_addresses(case: Any) -> None:
    require(case, KEY_IO_VALID)
    address, script_hex, meta = case
    info = parse_address(address)
    assert info.family is ChainFamily.BITCOIN
    assert CHAIN_NAMES[meta["chain"]] in info.networks
    assert info.script_pubkey.hex() == script_hex
    assert not looks_like_wif(address)
    if meta.get("tryCaseFlip"):
        flipped = parse_address(address.swapcase())
        assert flipped.script_pubkey.hex() == script_hex
        assert flipped.normalized == address.lower()


@pytest.mark.parametrize("case", cases(KEY_IO_VALID, lambda d: _key_io_params(d, privkeys=True)))
def test_key_io_wif_keys_are_never_addresses(case: Any) -> None:
    require(case, KEY_IO_VALID)
    key = case[0]
    assert validate_address(key) is None
    assert not is_valid_address(key)
    with pytest.raises(InvalidAddressError):
        parse_address(key)
    assert looks_like_wif(key)


@pytest.mark.parametrize(
    "case",
    cases(KEY_IO_INVALID, lambda d: [pytest.param(e[0], id=repr(e[0])[:60]) for e in d]),
)
def test_key_io_invalid_rejected(case: str) -> None:
    require(case, KEY_IO_INVALID)
    assert validate_address(case) is None
    assert not looks_like_wif(case)


def test_key_io_networks_are_told_apart() -> None:
    data = _vectors.load(KEY_IO_VALID)
    if data is None:
        _vectors.missing(KEY_IO_VALID)
        return
    for address, _script, meta in data:
        if meta["isPrivkey"]:
            continue
        info = parse_address(address)
        if meta["chain"] == "main":
            assert info.network is Network.MAINNET
            assert info.networks == ("mainnet",)
        elif address.lower().startswith("bcrt1"):
            assert info.network is Network.REGTEST
        else:
            assert info.network is Network.TESTNET
            assert "mainnet" not in info.networks


# --- EIP-55 ----------------------------------------------------------------------------------


def _eip55_valid(data: dict[str, object]) -> list[object]:
    groups = data["valid_checksummed"]
    return [pytest.param(a, id=a) for group in groups.values() for a in group]  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", cases(EIP55, _eip55_valid))
def test_eip55_valid(case: str) -> None:
    require(case, EIP55)
    info = parse_address(case)
    assert info.family is ChainFamily.EVM
    assert info.kind is AddressKind.ACCOUNT
    assert info.checksummed is True
    assert info.normalized == case
    assert is_checksum_address(case)
    assert to_checksum_address(case.lower()) == case


@pytest.mark.parametrize(
    "case",
    cases(
        EIP55,
        lambda d: [pytest.param(e["address"], id=e["address"]) for e in d["invalid_checksum"]],
    ),
)
def test_eip55_invalid_checksum_never_passes_as_checksummed(case: str) -> None:
    require(case, EIP55)
    assert not is_checksum_address(case)
    info = validate_address(case)
    # All-lower/all-upper hex is accepted as an *unchecksummed* address; anything else is refused.
    if info is not None:
        assert info.checksummed is False
        assert case[2:] in (case[2:].lower(), case[2:].upper())


@pytest.mark.parametrize(
    "case",
    cases(EIP55, lambda d: [pytest.param(e, id=e["input"]) for e in d["to_checksum_examples"]]),
)
def test_eip55_to_checksum(case: dict[str, str]) -> None:
    require(case, EIP55)
    assert to_checksum_address(case["input"]) == case["output"]


def test_evm_case_rules() -> None:
    checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    lower = validate_address(checksummed.lower())
    upper = validate_address("0x" + checksummed[2:].upper())
    assert lower is not None and lower.checksummed is False and lower.normalized == checksummed
    assert upper is not None and upper.checksummed is False and upper.normalized == checksummed
    # One flipped letter in a mixed-case address is a typo, not a different address.
    assert validate_address(checksummed.replace("aA", "Aa", 1)) is None
    assert validate_address("0X" + checksummed[2:]) is None
    assert validate_address(checksummed + "0") is None
    assert validate_address(checksummed[:-1]) is None
    assert validate_address(" " + checksummed) is None
    info = parse_address(checksummed)
    assert info.network is Network.ANY
    assert is_valid_address(checksummed, network="bsc")  # EVM addresses are chain-agnostic
    assert is_valid_address("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", network="mainnet")
    assert not is_valid_address("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", network="signet")


# --- TRON ------------------------------------------------------------------------------------


def test_tron_address_roundtrip() -> None:
    account = bytes.fromhex("a614f803b6fd780986a42c78ec9c7f77e6ded13c")
    tron = b58check_encode(b"\x41" + account)
    assert tron.startswith("T")
    info = parse_address(tron)
    assert info.family is ChainFamily.TRON
    assert info.network is Network.MAINNET
    assert info.payload == account
    assert info.evm_hex == to_checksum_address("0x" + account.hex())
    assert validate_address(tron[:-1] + ("1" if tron[-1] != "1" else "2")) is None
    with pytest.raises(ValueError):
        _ = info.script_pubkey


def test_unknown_base58_version_rejected() -> None:
    litecoin_like = b58check_encode(b"\x30" + bytes(20))  # Litecoin P2PKH version
    assert validate_address(litecoin_like) is None


# --- WIF detection ---------------------------------------------------------------------------


def test_looks_like_wif_shapes() -> None:
    key = bytes(range(1, 33))
    assert looks_like_wif(b58check_encode(b"\x80" + key))
    assert looks_like_wif(b58check_encode(b"\x80" + key + b"\x01"))
    assert looks_like_wif(b58check_encode(b"\xef" + key + b"\x01"))
    assert not looks_like_wif(b58check_encode(b"\x80" + key + b"\x02"))  # bad compression flag
    assert not looks_like_wif(b58check_encode(b"\x80" + key[:31]))
    assert not looks_like_wif(b58check_encode(b"\x00" + key))
    good = b58check_encode(b"\x80" + key)
    assert not looks_like_wif(good[:-1] + ("2" if good[-1] != "2" else "3"))  # checksum
    assert not looks_like_wif("0OIl")  # not base58 at all
    assert not looks_like_wif("")


def test_missing_data_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_vectors, "SHARED_DATA", _vectors.SHARED_DATA / "does-not-exist")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        _vectors.require(MISSING, KEY_IO_VALID)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        _vectors.require(MISSING, KEY_IO_VALID)
    _vectors.require(("a", "b"), KEY_IO_VALID)  # a real case passes straight through
