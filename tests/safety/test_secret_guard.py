"""The public result of `scan_inbound`: redaction, no copies of secrets, warnings."""

from __future__ import annotations

import dataclasses
import pickle
import time
from pathlib import Path

import pytest
from mnemonic import Mnemonic

from blockdesk.safety import MARKERS, SecretKind, marker_label, scan_inbound, warning
from blockdesk.safety.messages import ZH_HANS
from blockdesk.safety.outbound_guard import RequestKind, explanation

from ._support import ensure_django

KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
SEED = "legal winner thank year wave sausage worth useful legal winner thank yellow"
WIF = "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ"
XPRV = Mnemonic.to_hd_master_key(bytes(64))


def test_several_secrets_in_one_message() -> None:
    text = f"seed: {SEED}\nkey: {KEY}\nwif {WIF}\nxprv {XPRV}\ntx 0x{'ab' * 32}"
    result = scan_inbound(text)
    assert [f.kind for f in result.findings] == [
        SecretKind.SEED_PHRASE,
        SecretKind.PRIVATE_KEY,
        SecretKind.WIF_PRIVATE_KEY,
        SecretKind.EXTENDED_PRIVATE_KEY,
    ]
    assert result.redacted_text == (
        "seed: [REDACTED SEED PHRASE]\nkey: [REDACTED PRIVATE KEY]\nwif [REDACTED PRIVATE KEY]"
        f"\nxprv [REDACTED EXTENDED PRIVATE KEY]\ntx 0x{'ab' * 32}"
    )
    assert len(result.transaction_hashes) == 1
    for finding in result.findings:
        assert text[finding.start : finding.end] in (SEED, KEY, WIF, XPRV)


def test_result_never_holds_a_secret() -> None:
    text = f"seed {SEED} key {KEY} wif {WIF} xprv {XPRV}"
    result = scan_inbound(text)
    dumped = repr(result) + str(result) + repr(pickle.dumps(result))
    for finding in result.findings:
        dumped += repr(finding) + repr(dataclasses.asdict(finding))
    for secret in (KEY, WIF, XPRV, "sausage", "yellow"):
        assert secret not in dumped


def test_clean_message_is_returned_unchanged() -> None:
    text = "Hi! My withdrawal of 0.3 BTC to bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh is stuck."
    result = scan_inbound(text)
    assert not result.has_secrets
    assert result.findings == ()
    assert result.redacted_text == text
    assert result.kinds == frozenset()


def test_overlapping_findings_are_merged_into_one_marker() -> None:
    # A seed inside a JSON blob that is also a keystore: one marker, keystore wins.
    blob = (
        '{"crypto": {"ciphertext": "' + KEY + '", "kdf": "scrypt", "mac": "' + KEY + '"}, '
        '"note": "' + SEED + '"}'
    )
    result = scan_inbound(f"file: {blob} end")
    assert result.kinds == {SecretKind.KEYSTORE}
    assert result.redacted_text == "file: [REDACTED KEYSTORE FILE] end"


def test_markers_are_stable_ascii() -> None:
    assert MARKERS[SecretKind.SEED_PHRASE] == "[REDACTED SEED PHRASE]"
    assert MARKERS[SecretKind.PRIVATE_KEY] == "[REDACTED PRIVATE KEY]"
    assert all(marker.isascii() and marker.startswith("[REDACTED ") for marker in MARKERS.values())


def test_scan_is_fast_on_typical_messages() -> None:
    text = "Hi, I sent 0.5 ETH to the wrong address yesterday, can you please help me?"
    scan_inbound(text)
    timings = []
    for _ in range(50):
        start = time.perf_counter()
        scan_inbound(text)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.001  # well under 1 ms; measured ~20 µs


# ---- translations ----------------------------------------------------------------------


def test_warning_in_english_and_simplified_chinese() -> None:
    ensure_django()
    english = warning("en")
    assert "Never share it with anyone" in english
    assert "never ask" in english
    assert "move your funds to a new wallet" in english
    chinese = warning("zh-hans")
    assert "切勿向任何人透露" in chinese
    assert "永远不会向您索要" in chinese
    assert "立即将资金转移到新钱包" in chinese
    assert scan_inbound(KEY).warning("zh-hans") == chinese


def test_marker_labels_and_outbound_explanation_are_translated() -> None:
    ensure_django()
    assert marker_label(SecretKind.SEED_PHRASE, "en") == "Recovery phrase removed"
    assert marker_label(SecretKind.PARTIAL_SEED_PHRASE, "zh-hans") == "助记词已隐藏"
    assert "private key" in explanation(RequestKind.PRIVATE_KEY, "en")
    assert "私钥" in explanation(RequestKind.PRIVATE_KEY, "zh-hans")


def test_translation_candidates_file_matches_the_code() -> None:
    path = Path(__file__).resolve().parents[2] / "src/blockdesk/safety/translations_zh.txt"
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            msgid, _, msgstr = line.partition(" => ")
            pairs[msgid] = msgstr
    assert pairs == ZH_HANS


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_placeholder_survives_translation(language: str) -> None:
    ensure_django()
    text = explanation(RequestKind.OTP, language)
    assert "%(" not in text
