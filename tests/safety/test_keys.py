"""Private keys that are not mnemonics: WIF, extended keys, raw hex, keystore JSON."""

from __future__ import annotations

import json
import logging

import pytest
from eth_account import Account
from mnemonic import Mnemonic

from blockdesk.safety import SecretKind, scan_inbound
from blockdesk.safety.key_formats import is_wif_private_key

from ._support import load_json, load_json_or_empty

KEY_IO = load_json_or_empty("addresses/bitcoin_core_key_io/key_io_valid.json") or []
WIF_CASES = [
    pytest.param(entry[0], id=f"{entry[2]['chain']}-{entry[0][:6]}")
    for entry in KEY_IO
    if entry[2].get("isPrivkey")
]
ADDRESS_CASES = [entry[0] for entry in KEY_IO if not entry[2].get("isPrivkey")]
VECTORS = load_json_or_empty("bip39/vectors.json") or {}
XPRV_CASES = [
    pytest.param(entry[3], bytes.fromhex(entry[2]), id=f"{language}-{index}")
    for language, entries in VECTORS.items()
    for index, entry in enumerate(entries)
]

# Well-known test key (never use for funds).
KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
OTHER = "a3f5c1d2e4b6978800112233445566778899aabbccddeeff0011223344556677"


def test_key_io_data_present() -> None:
    data = load_json("addresses/bitcoin_core_key_io/key_io_valid.json")
    assert sum(1 for entry in data if entry[2].get("isPrivkey")) >= 16


@pytest.mark.parametrize("wif", WIF_CASES)
def test_wif_keys_from_bitcoin_core_are_caught(wif: str) -> None:
    result = scan_inbound(f"Here is the key from my paper wallet: {wif}\nthanks")
    assert result.kinds == {SecretKind.WIF_PRIVATE_KEY}
    assert wif not in result.redacted_text
    assert (
        result.redacted_text
        == "Here is the key from my paper wallet: [REDACTED PRIVATE KEY]\nthanks"
    )


def test_addresses_are_not_keys() -> None:
    assert ADDRESS_CASES
    for address in ADDRESS_CASES:
        assert not scan_inbound(f"please send to {address}").findings, address


def test_wif_with_one_character_changed_is_not_a_key() -> None:
    wif = "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ"
    assert is_wif_private_key(wif)
    broken = wif[:-1] + ("K" if wif[-1] != "K" else "L")
    assert not is_wif_private_key(broken)
    assert not scan_inbound(f"ref {broken}").findings


@pytest.mark.parametrize(("xprv", "seed"), XPRV_CASES)
def test_xprv_from_vectors_and_tprv_are_caught(xprv: str, seed: bytes) -> None:
    result = scan_inbound(f"exported: {xprv}.")
    assert result.kinds == {SecretKind.EXTENDED_PRIVATE_KEY}
    assert result.findings[0].checksum_valid is True
    assert result.redacted_text == "exported: [REDACTED EXTENDED PRIVATE KEY]."
    tprv = Mnemonic.to_hd_master_key(seed, testnet=True)
    assert tprv.startswith("tprv")
    assert scan_inbound(f"testnet {tprv}").kinds == {SecretKind.EXTENDED_PRIVATE_KEY}


def test_mistyped_xprv_is_still_redacted() -> None:
    xprv = Mnemonic.to_hd_master_key(bytes(64))
    broken = xprv[:50] + ("A" if xprv[50] != "A" else "B") + xprv[51:]
    result = scan_inbound(broken)
    assert result.kinds == {SecretKind.EXTENDED_PRIVATE_KEY}
    assert result.findings[0].checksum_valid is False


def test_wif_check_rejects_text_that_is_not_base58check() -> None:
    assert not is_wif_private_key("0OIl")  # outside the alphabet
    assert not is_wif_private_key("1")  # too short for a checksum
    assert not is_wif_private_key("1" * 200)  # over the decode cap


# ---- raw hex: key or transaction hash -------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"my private key is {KEY} can you check",
        f"My Private Key: 0x{KEY}",
        f"私钥：{KEY}",
        f"这是我的私钥 0x{KEY}",
        f"pk={KEY}",
        f"secret: 0x{KEY}",
        f"I tried to import 0x{KEY} into MetaMask",
        f"{KEY}",  # bare, no 0x, no context: key (MetaMask exports this form)
        f"0x{KEY}",  # 0x, no context, no chain says it is a transaction: possibly a key
        f"{KEY} <- that's my private key",
    ],
)
def test_hex_with_key_context_is_a_key(text: str) -> None:
    result = scan_inbound(text)
    assert result.kinds == {SecretKind.PRIVATE_KEY}
    assert KEY not in result.redacted_text
    assert "[REDACTED PRIVATE KEY]" in result.redacted_text


@pytest.mark.parametrize(
    "text",
    [
        f"tx: 0x{KEY}",
        f"txid {KEY}",
        f"transaction hash {KEY} still pending",
        f"https://etherscan.io/tx/0x{KEY}",
        f"https://mempool.space/tx/{KEY}",
        f"交易哈希：0x{KEY}",
        f"我的转账 {KEY} 还没到",
        f"0x{KEY} is the hash of my withdrawal",
    ],
)
def test_hex_with_transaction_context_is_a_hash(text: str) -> None:
    result = scan_inbound(text)
    assert not result.findings
    assert result.redacted_text == text
    start = text.index(KEY)
    if text[start - 2 : start] == "0x":
        start -= 2
    assert result.transaction_hashes == ((start, text.index(KEY) + 64),)


def test_nearest_cue_decides_between_two_values() -> None:
    text = f"my private key is 0x{KEY}, and the tx hash was 0x{OTHER}"
    result = scan_inbound(text)
    assert result.kinds == {SecretKind.PRIVATE_KEY}
    assert KEY not in result.redacted_text
    assert OTHER in result.redacted_text
    assert len(result.transaction_hashes) == 1


def test_lookup_hook_decides_ambiguous_values_only() -> None:
    calls: list[str] = []

    def known(value: str) -> bool:
        calls.append(value)
        return value.endswith(KEY)

    # A value the chain knows is a transaction hash, kept; one it does not know is
    # redacted as a possible key, with or without "0x".
    assert not scan_inbound(f"see {KEY}", is_known_transaction=known).findings
    assert not scan_inbound(f"see 0x{KEY}", is_known_transaction=known).findings
    assert scan_inbound(f"see {OTHER}", is_known_transaction=known).kinds == {
        SecretKind.PRIVATE_KEY
    }
    assert scan_inbound(f"0x{OTHER}", is_known_transaction=known).kinds == {SecretKind.PRIVATE_KEY}
    assert scan_inbound(f"private key {OTHER}", is_known_transaction=known).has_secrets
    assert scan_inbound(f"tx {OTHER}", is_known_transaction=known).findings == ()
    # Values with context never reach the hook: a key must not be sent for lookup.
    assert calls == [KEY, f"0x{KEY}", OTHER, f"0x{OTHER}"]


def test_failing_hook_falls_back_without_logging_the_value(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(value: str) -> bool:
        raise RuntimeError(f"node down while looking up {value}")

    with caplog.at_level(logging.DEBUG):
        ambiguous = scan_inbound(f"0x{KEY}", is_known_transaction=broken)
        bare = scan_inbound(KEY, is_known_transaction=broken)
    # No answer is no proof of a transaction: both are redacted as possible keys.
    assert ambiguous.kinds == {SecretKind.PRIVATE_KEY}
    assert bare.kinds == {SecretKind.PRIVATE_KEY}
    assert KEY not in caplog.text
    assert "hook failed" in caplog.text


def test_longer_hex_is_not_a_key() -> None:
    assert not scan_inbound(f"signature 0x{KEY}{OTHER}").findings
    assert not scan_inbound(f"{KEY}ab").findings


# ---- keystore JSON ----------------------------------------------------------------------


def keystore(key: str = KEY) -> dict[str, object]:
    return dict(Account.encrypt(bytes.fromhex(key), "hunter2", kdf="pbkdf2", iterations=2))


def test_keystore_json_is_redacted() -> None:
    blob = json.dumps(keystore())
    result = scan_inbound(f"Here is my UTC--2024 file:\n{blob}\nCan you decrypt it?")
    assert result.kinds == {SecretKind.KEYSTORE}
    assert result.redacted_text == (
        "Here is my UTC--2024 file:\n[REDACTED KEYSTORE FILE]\nCan you decrypt it?"
    )
    assert not result.transaction_hashes  # its "mac" is 64 hex, but inside the keystore


def test_keystore_with_capital_crypto_pretty_printed() -> None:
    data = keystore(OTHER)
    data["Crypto"] = data.pop("crypto")
    blob = json.dumps(data, indent=2)
    result = scan_inbound(f"MyEtherWallet gave me {blob} ok")
    assert result.kinds == {SecretKind.KEYSTORE}
    assert result.redacted_text == "MyEtherWallet gave me [REDACTED KEYSTORE FILE] ok"


def test_truncated_keystore_is_redacted_to_the_end() -> None:
    blob = json.dumps(keystore(), indent=2)
    cut = blob[: blob.index('"ciphertext"') + 60]
    result = scan_inbound(f"part of my keystore: {cut}")
    assert result.kinds == {SecretKind.KEYSTORE}
    assert result.redacted_text == "part of my keystore: [REDACTED KEYSTORE FILE]"


def test_only_keystore_like_json_is_redacted() -> None:
    assert not scan_inbound('What does "ciphertext" mean in my wallet file?').findings
    assert not scan_inbound('{"ciphertext": "not really", "note": "just a word"}').findings
    assert not scan_inbound('{"kdf": "scrypt", "cipher": "aes"}').findings
    # Broken JSON that still has keystore fields is redacted conservatively.
    broken = '{“crypto”: {"ciphertext": "9f3a", "kdf": "scrypt", "mac": "77'
    assert scan_inbound(f"mine: {broken}").redacted_text == "mine: [REDACTED KEYSTORE FILE]"
