"""EIP-4361 against the spruceid/siwe vectors, plus our own signing round trips."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils.functional import Promise
from eth_account import Account
from eth_account.messages import encode_defunct

from blockdesk.chain.rfc_syntax import is_authority, is_uri, parse_rfc3339
from blockdesk.chain.siwe import (
    SiweError,
    SiweErrorCode,
    SiweMessage,
    eip191_hash,
    verify,
)

from ._vectors import cases, require

POSITIVE = "siwe/parsing_positive.json"
NEGATIVE = "siwe/parsing_negative.json"
NEGATIVE_OBJECTS = "siwe/parsing_negative_objects.json"
VERIFY_OK = "siwe/verification_positive.json"
VERIFY_BAD = "siwe/verification_negative.json"

# What each negative verification vector must fail with; unknown future names just need a
# SiweError of any code.
EXPECTED_CODES = {
    "expired message": "expired",
    "domain binding": "domain_mismatch",
    "custom time": "expired",
    "custom nonce": "nonce_mismatch",
    "malformed signature": "invalid_signature",
    "wrong signature": "invalid_signature",
    "not yet valid": "not_yet_valid",
    "invalid issuedAt": "invalid_message",
    "invalid notBefore": "invalid_message",
    "invalid expirationTime": "invalid_message",
}


def _named(d: dict[str, Any]) -> list[Any]:
    return [pytest.param((name, value), id=name) for name, value in d.items()]


def _snake(fields: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in fields.items():
        name = "".join("_" + c.lower() if c.isupper() else c for c in key)
        out[name] = tuple(value) if isinstance(value, list) else value
    return out


# --- parsing vectors -------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases(POSITIVE, _named))
def test_parsing_positive(case: Any) -> None:
    require(case, POSITIVE)
    _name, vector = case
    text = vector["message"]
    message = SiweMessage.parse(text)
    expected = _snake(vector["fields"])
    actual = dataclasses.asdict(message)
    for key, value in expected.items():
        assert actual[key] == value, key
    # Fields the vector leaves out must be absent, not silently defaulted to something.
    for key in set(actual) - set(expected):
        assert actual[key] is None, key
    assert message.to_message() == text
    assert SiweMessage.from_json_fields(vector["fields"]) == message


@pytest.mark.parametrize("case", cases(NEGATIVE, _named))
def test_parsing_negative(case: Any) -> None:
    require(case, NEGATIVE)
    _name, text = case
    with pytest.raises(SiweError) as info:
        SiweMessage.parse(text)
    assert info.value.code == "invalid_message"


@pytest.mark.parametrize("case", cases(NEGATIVE_OBJECTS, _named))
def test_parsing_negative_objects(case: Any) -> None:
    require(case, NEGATIVE_OBJECTS)
    _name, fields = case
    with pytest.raises(SiweError) as info:
        SiweMessage.from_json_fields(fields)
    assert info.value.code == "invalid_message"


# --- verification vectors --------------------------------------------------------------------


def _verify_vector(vector: dict[str, Any]) -> SiweMessage:
    message = SiweMessage.from_json_fields(vector)
    now = parse_rfc3339(vector["time"]) if "time" in vector else datetime.now(UTC)
    return verify(
        message.to_message(),
        vector["signature"],
        domain=vector.get("domainBinding", message.domain),
        nonce=vector.get("matchNonce", message.nonce),
        now=now,
    )


@pytest.mark.parametrize("case", cases(VERIFY_OK, _named))
def test_verification_positive(case: Any) -> None:
    require(case, VERIFY_OK)
    _name, vector = case
    message = _verify_vector(vector)
    assert message.address == vector["address"]


@pytest.mark.parametrize("case", cases(VERIFY_BAD, _named))
def test_verification_negative(case: Any) -> None:
    require(case, VERIFY_BAD)
    name, vector = case
    with pytest.raises(SiweError) as info:
        _verify_vector(vector)
    if name in EXPECTED_CODES:
        assert info.value.code == EXPECTED_CODES[name]


# --- own messages and signatures -------------------------------------------------------------

KEY = "0x" + "4c" * 32
SIGNER = Account.from_key(KEY)
NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def _message(**overrides: Any) -> SiweMessage:
    fields: dict[str, Any] = {
        "domain": "support.example.com",
        "address": SIGNER.address,
        "statement": "Sign in to Blockdesk support.",
        "uri": "https://support.example.com/login",
        "version": "1",
        "chain_id": 56,
        "nonce": "Xk2p9QmZ7rTt",
        "issued_at": "2025-05-01T11:59:00Z",
        "expiration_time": "2025-05-01T12:10:00.000Z",
        "not_before": "2025-05-01T11:58:00+08:00",
        "request_id": "req-42",
        "resources": ("https://support.example.com/tickets/1", "ipfs://bafy"),
    }
    fields.update(overrides)
    return SiweMessage(**fields)


def _sign(text: str) -> str:
    signed = Account.sign_message(encode_defunct(text=text), private_key=KEY)
    return "0x" + signed.signature.hex().removeprefix("0x")


def _verify(text: str, signature: str | bytes, **kwargs: Any) -> SiweMessage:
    params: dict[str, Any] = {"domain": "support.example.com", "nonce": "Xk2p9QmZ7rTt", "now": NOW}
    params.update(kwargs)
    return verify(text, signature, **params)


def test_full_message_round_trip_and_verify() -> None:
    message = _message()
    text = message.to_message()
    assert SiweMessage.parse(text) == message
    assert text.endswith("Resources:\n- https://support.example.com/tickets/1\n- ipfs://bafy")
    assert _verify(text, _sign(text)) == message


def test_resources_header_without_items_round_trips() -> None:
    text = _message(resources=()).to_message()
    assert text.endswith("Request ID: req-42\nResources:")
    assert SiweMessage.parse(text).resources == ()


def test_signature_as_bytes_and_without_prefix() -> None:
    text = _message().to_message()
    sig = _sign(text)
    _verify(text, bytes.fromhex(sig[2:]))
    _verify(text, sig[2:])


def test_tampered_message_fails_signature() -> None:
    text = _message().to_message()
    sig = _sign(text)
    tampered = text.replace("Chain ID: 56", "Chain ID: 1")
    with pytest.raises(SiweError) as info:
        _verify(tampered, sig)
    assert info.value.code == "invalid_signature"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"domain": "evil.example.com"}, "domain_mismatch"),
        ({"nonce": "Xk2p9QmZ7rTu"}, "nonce_mismatch"),
        ({"now": datetime(2025, 5, 1, 12, 10, tzinfo=UTC)}, "expired"),  # expiry is exclusive
        ({"now": datetime(2025, 5, 1, 3, 57, tzinfo=UTC)}, "not_yet_valid"),  # +08:00 offset
    ],
)
def test_verify_rejections(kwargs: dict[str, Any], code: str) -> None:
    text = _message().to_message()
    with pytest.raises(SiweError) as info:
        _verify(text, _sign(text), **kwargs)
    assert info.value.code == code


def test_time_bounds_edges_pass() -> None:
    text = _message().to_message()
    sig = _sign(text)
    _verify(text, sig, now=datetime(2025, 5, 1, 3, 58, tzinfo=UTC))  # == not before
    _verify(text, sig, now=datetime(2025, 5, 1, 12, 9, 59, 999000, tzinfo=UTC))


def test_scheme_binding() -> None:
    text = _message(scheme="https").to_message()
    assert text.startswith("https://support.example.com wants you")
    sig = _sign(text)
    assert _verify(text, sig, scheme="https").scheme == "https"
    with pytest.raises(SiweError) as info:
        _verify(text, sig, scheme="http")
    assert info.value.code == "scheme_mismatch"


def test_naive_now_is_a_programming_error() -> None:
    text = _message().to_message()
    with pytest.raises(ValueError, match="timezone-aware"):
        _verify(text, _sign(text), now=datetime(2025, 5, 1, 12, 0))


def test_contract_wallet_checker() -> None:
    contract = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    text = _message(address=contract).to_message()
    calls: list[tuple[str, bytes, bytes]] = []

    def checker(address: str, message_hash: bytes, signature: bytes) -> bool:
        calls.append((address, message_hash, signature))
        return signature == b"\x01" * 100  # EIP-1271 signatures need not be 65 bytes

    assert _verify(text, "0x" + "01" * 100, contract_checker=checker).address == contract
    assert calls == [(contract, eip191_hash(text), b"\x01" * 100)]
    with pytest.raises(SiweError) as info:
        _verify(text, "0x" + "02" * 100, contract_checker=checker)
    assert info.value.code == "invalid_signature"
    # Without a checker a contract address can never sign in.
    with pytest.raises(SiweError):
        _verify(text, "0x" + "01" * 100)


def test_eip191_hash_matches_eth_account() -> None:
    from eth_account.messages import _hash_eip191_message

    text = "héllo 世界"
    assert eip191_hash(text) == _hash_eip191_message(encode_defunct(text=text))


def test_error_carries_code_and_lazy_translation() -> None:
    with pytest.raises(SiweError) as info:
        SiweMessage.parse("nonsense")
    err = info.value
    assert err.code is SiweErrorCode.INVALID_MESSAGE
    assert isinstance(err.message, Promise)  # translated only when rendered
    assert str(err).startswith("invalid_message")


@pytest.mark.parametrize(
    "overrides",
    [
        {"statement": "line one\nline two"},
        {"statement": ""},
        {"statement": "价格"},  # the ABNF statement is ASCII only
        {"nonce": "abc-12345"},
        {"chain_id": 0},
        {"chain_id": True},
        {"chain_id": "1"},
        {"request_id": "has space"},
        {"issued_at": "2025-05-01 11:59:00Z"},
        {"issued_at": "2025-05-01T11:59:00"},
        {"expiration_time": "2025-05-01T24:00:00Z"},
        {"not_before": "2025-05-01T11:58:00+24:00"},
        {"resources": ("https://ok.example", "not a uri")},
        {"domain": "exa mple.com"},
        {"domain": "[::1"},
        {"domain": "[1.2.3.4]"},
        {"scheme": "1http"},
        {"address": SIGNER.address.lower()},
        {"uri": "https://example.com/a b"},
    ],
)
def test_field_validation(overrides: dict[str, Any]) -> None:
    with pytest.raises(SiweError) as info:
        _message(**overrides)
    assert info.value.code == "invalid_message"


@pytest.mark.parametrize(
    "text_change",
    [
        lambda t: t + "\n",  # trailing newline changes what was signed
        lambda t: t.replace("\n", "\r\n"),
        lambda t: t.replace("Chain ID: 56", "Chain ID: 056"),
        lambda t: t.replace("URI: ", "URI:  "),
        lambda t: t.replace("Resources:\n", "Resources:\n\n"),
        lambda t: t.replace("- ipfs://bafy", "-ipfs://bafy"),
        lambda t: "\n" + t,
    ],
)
def test_parse_is_line_exact(text_change: Any) -> None:
    with pytest.raises(SiweError):
        SiweMessage.parse(text_change(_message().to_message()))


def test_rfc_helpers() -> None:
    assert is_authority("user:pw@host.example:8080")
    assert is_authority("[v1.fe80::a+en1]")
    assert not is_authority("")
    assert not is_authority("host:port")
    assert is_uri("urn:isbn:0451450523")
    assert is_uri("file:///etc/hosts")
    assert is_uri("did:pkh:eip155:1:0xabc")
    assert not is_uri("//no-scheme.example")
    assert not is_uri("https://exa%zzmple.com")
    parsed = parse_rfc3339("2021-09-30T16:25:24.123456789-02:00")
    assert parsed.microsecond == 123456
    assert parsed.utcoffset() == timedelta(hours=-2)
    with pytest.raises(ValueError):
        parse_rfc3339("2022-02-31T00:00:00Z")
    with pytest.raises(ValueError):
        parse_rfc3339("2022-01-01T00:00:60Z")
