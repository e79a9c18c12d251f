"""Detectors for private keys that are not mnemonics: raw hex keys, WIF keys, extended
private keys (xprv & co.) and Ethereum keystore files. Each returns spans only."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from blockdesk.common.base58 import Base58Error, b58check_decode

logger = logging.getLogger(__name__)

_B58 = "1-9A-HJ-NP-Za-km-z"

_HEX_RE = re.compile(r"(?<![0-9A-Za-z_])(0[xX])?[0-9a-fA-F]{64}(?![0-9A-Za-z_])")
_WIF_RE = re.compile(rf"(?<![{_B58}])[5KL9c][{_B58}]{{50,51}}(?![{_B58}])")
# 82 bytes in Base58 is 111-112 characters; a few more or less still gets looked at.
_XPRV_RE = re.compile(rf"(?<![{_B58}])[xyztuvXYZUV]prv[{_B58}]{{100,112}}(?![{_B58}])")

# Words that say a 64-hex string is a private key, or that it is a transaction (or
# block) hash. The nearest cue wins; see `classify_hex`.
_KEY_CUE_RE = re.compile(
    r"private[\s_-]*key|priv[\s_-]*key|privkey|\bpk\b|\bsecret|\bimport|\bexport"
    r"|(?<!public )(?<!pub )\bkey\b|私钥|私鑰|密钥|密鑰|秘钥|秘鑰|导入|導入|导出|導出",
    re.IGNORECASE,
)
_TX_CUE_RE = re.compile(
    r"\btx(?:id|n|s|hash|_hash)?\b|transaction|\bhash\b|hash:|/tx/|/txs?/|/block/"
    r"|交易|哈希|转账|轉賬|转帐|區塊|区块|explorer|etherscan|bscscan|polygonscan|arbiscan"
    r"|snowtrace|blockchair|mempool|solscan|tronscan|\bblock\b|deposit|withdraw|充值|提现|提幣|提币"
    r"|public[\s_-]*key|pubkey|公钥|公鑰",
    re.IGNORECASE,
)
_CUE_BEFORE = 80
_CUE_AFTER = 40
# Phrasing is usually "<cue> <value>"; a cue after the value must be clearly closer.
_AFTER_PENALTY = 10

_XPRV_VERSIONS = frozenset(
    {
        0x0488ADE4,  # xprv
        0x049D7878,  # yprv
        0x04B2430C,  # zprv
        0x0295B005,  # Yprv
        0x02AA7A99,  # Zprv
        0x04358394,  # tprv
        0x044A4E28,  # uprv
        0x045F18BC,  # vprv
        0x024285B5,  # Uprv
        0x02575048,  # Vprv
    }
)


class HexVerdict(StrEnum):
    PRIVATE_KEY = "private_key"
    TRANSACTION_HASH = "transaction_hash"


@dataclass(frozen=True, slots=True)
class HexCandidate:
    start: int
    end: int
    verdict: HexVerdict
    reason: str  # "key context", "transaction context", "lookup", "default"


def _nearest_cue(pattern: re.Pattern[str], text: str, start: int, end: int, lo: int) -> int:
    """Distance from the value to the nearest cue; a large number if there is none."""
    best = 1 << 30
    before = text[max(lo, start - _CUE_BEFORE) : start]
    for match in pattern.finditer(before):
        best = min(best, len(before) - match.end())
    after = text[end : end + _CUE_AFTER]
    for match in pattern.finditer(after):
        best = min(best, match.start() + _AFTER_PENALTY)
        break
    return best


def classify_hex(
    text: str,
    start: int,
    end: int,
    prefixed: bool,
    is_known_transaction: Callable[[str], bool] | None,
    lo: int = 0,
) -> tuple[HexVerdict, str]:
    """Decide whether the 64-hex value at text[start:end] is a private key.

    Rule, in order:
    1. Cues within 80 characters before or 40 after (not reaching back past the previous
       hex value, `lo`): key words ("private key", "私钥", "pk", "secret", "import", ...)
       or transaction words ("tx", "txid", "hash", "交易", "哈希", "/tx/", explorer names,
       ...). The nearest wins, a cue before the value counting as closer; a tie is a key.
    2. No cue and a lookup hook: a known transaction is a hash. The hook is never called
       for a value that key words mark as a key, so a key is not sent to a node.
    3. No cue and not found on any chain we could ask (or none to ask, or the lookup
       failed): a key, with or without "0x". Guessing "transaction hash" for a 0x value
       stored keys verbatim; a real hash the customer meant is kept once a chain knows
       it, and the customer is asked for it again otherwise. `prefixed` no longer
       decides; it stays in the signature for callers and the reason.
    """
    key_distance = _nearest_cue(_KEY_CUE_RE, text, start, end, lo)
    tx_distance = _nearest_cue(_TX_CUE_RE, text, start, end, lo)
    if key_distance <= tx_distance and key_distance < 1 << 30:
        return HexVerdict.PRIVATE_KEY, "key context"
    if tx_distance < 1 << 30:
        return HexVerdict.TRANSACTION_HASH, "transaction context"
    if is_known_transaction is not None:
        try:
            known = is_known_transaction(text[start:end])
        except Exception:
            # The value may be a key: log the failure, never the value.
            logger.warning("is_known_transaction hook failed; using the default rule")
        else:
            if known:
                return HexVerdict.TRANSACTION_HASH, "lookup"
    return HexVerdict.PRIVATE_KEY, "default (0x)" if prefixed else "default"


def find_hex_candidates(
    text: str, is_known_transaction: Callable[[str], bool] | None = None
) -> list[HexCandidate]:
    candidates: list[HexCandidate] = []
    previous_end = 0
    for match in _HEX_RE.finditer(text):
        verdict, reason = classify_hex(
            text,
            match.start(),
            match.end(),
            match.group(1) is not None,
            is_known_transaction,
            lo=previous_end,
        )
        candidates.append(HexCandidate(match.start(), match.end(), verdict, reason))
        previous_end = match.end()
    return candidates


def _b58check_payload(candidate: str) -> bytes | None:
    try:
        return b58check_decode(candidate)
    except Base58Error:
        return None


def is_wif_private_key(candidate: str) -> bool:
    """Base58Check, version 0x80 (mainnet) or 0xef (testnet/signet/regtest), 32-byte
    key optionally followed by the 0x01 compression flag."""
    payload = _b58check_payload(candidate)
    if payload is None or payload[0] not in (0x80, 0xEF):
        return False
    return len(payload) == 33 or (len(payload) == 34 and payload[33] == 0x01)


def find_wif_keys(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WIF_RE.finditer(text) if is_wif_private_key(m.group())]


def extended_key_checksum_valid(candidate: str) -> bool:
    payload = _b58check_payload(candidate)
    return (
        payload is not None
        and len(payload) == 78
        and int.from_bytes(payload[:4], "big") in _XPRV_VERSIONS
        and payload[45] == 0  # private key data is 0x00 || 32-byte key
    )


def find_extended_keys(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, checksum_valid). An "xprv…" of this length is reported even with a
    bad checksum: nothing else looks like it, and a mistyped one still leaks most of
    the key."""
    return [
        (m.start(), m.end(), extended_key_checksum_valid(m.group()))
        for m in _XPRV_RE.finditer(text)
    ]


def _is_keystore(value: object) -> bool:
    if not isinstance(value, dict):
        return False
    crypto = value.get("crypto", value.get("Crypto"))
    return (
        isinstance(crypto, dict)
        and "ciphertext" in crypto
        and ("kdf" in crypto or "cipher" in crypto or "mac" in crypto)
    )


_CIPHERTEXT_RE = re.compile(r'"ciphertext"', re.IGNORECASE)
_KEYSTORE_FIELD_RE = re.compile(r'"(?:crypto|kdf|kdfparams|cipherparams|mac)"', re.IGNORECASE)
_MAX_PARSE_ATTEMPTS = 6


def find_keystores(text: str) -> list[tuple[int, int]]:
    """Spans of Ethereum V3 keystore objects.

    Valid JSON is matched exactly. A keystore that does not parse (cut off, quotes
    mangled by a chat client) but still looks like one (a "{" before "ciphertext" and
    another keystore field) is redacted from the outermost open "{" to its matching "}"
    or, failing that, to the end of the text.
    """
    if "ciphertext" not in text.lower():
        return []
    decoder = json.JSONDecoder()
    spans: list[tuple[int, int]] = []
    covered_to = 0
    for hit in _CIPHERTEXT_RE.finditer(text):
        if hit.start() < covered_to:
            continue
        span = _parsed_keystore(decoder, text, hit.start())
        if span is None and "{" in text[: hit.start()] and _KEYSTORE_FIELD_RE.search(text):
            span = _fallback_span(text, hit.start())
        if span is not None:
            spans.append(span)
            covered_to = span[1]
    return spans


def _parsed_keystore(decoder: json.JSONDecoder, text: str, position: int) -> tuple[int, int] | None:
    brace = text.rfind("{", 0, position)
    # A keystore opens at most a couple of levels above "ciphertext"; the cap keeps
    # brace-heavy text from costing a JSON parse per brace.
    for _ in range(_MAX_PARSE_ATTEMPTS):
        if brace == -1:
            break
        try:
            value, end = decoder.raw_decode(text, brace)
        except ValueError:
            value, end = None, brace
        if end > position and _is_keystore(value):
            return brace, end
        brace = text.rfind("{", 0, brace)
    return None


def _fallback_span(text: str, position: int) -> tuple[int, int]:
    # Outermost "{" left open before "ciphertext" (the keystore object itself), then
    # forward to its matching "}". Braces inside strings are rare enough to ignore here.
    depth, start = 0, position
    for index in range(position - 1, -1, -1):
        if text[index] == "}":
            depth += 1
        elif text[index] == "{":
            if depth == 0:
                start = index
            else:
                depth -= 1
    depth, end = 0, len(text)
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth <= 0:
                end = index + 1
                break
    return start, end
