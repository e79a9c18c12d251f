"""Inbound secret guard: find wallet secrets in a customer message and redact them.

Call `scan_inbound` on every inbound message, on every channel, before the text is
stored, indexed, logged or shown; keep only `GuardResult.redacted_text`. Results hold
positions and kinds, never a copy of a secret, so they are safe to log and to repr.

Detected: BIP-39 seed phrases in every wordlist of the `mnemonic` package (checksum-
valid, and partial runs of 8+ words; see `bip39`), raw 64-hex private keys (told apart
from transaction hashes by context; see `key_formats.classify_hex`), WIF keys,
extended private keys (xprv, yprv, zprv, tprv, uprv, vprv and the multisig variants)
and Ethereum keystore JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from blockdesk.safety import key_formats, messages
from blockdesk.safety.bip39 import find_mnemonics
from blockdesk.safety.key_formats import HexVerdict


class SecretKind(StrEnum):
    SEED_PHRASE = "seed_phrase"
    PARTIAL_SEED_PHRASE = "partial_seed_phrase"  # 8+ wordlist words, checksum not valid
    PRIVATE_KEY = "private_key"  # raw 64 hex
    WIF_PRIVATE_KEY = "wif_private_key"
    EXTENDED_PRIVATE_KEY = "extended_private_key"
    KEYSTORE = "keystore"


# Stored in the message in place of the secret. Plain, stable ASCII so the text means
# the same in every language and can be recognised later; `marker_label` gives a
# translated label for display.
MARKERS: dict[SecretKind, str] = {
    SecretKind.SEED_PHRASE: "[REDACTED SEED PHRASE]",
    SecretKind.PARTIAL_SEED_PHRASE: "[REDACTED SEED PHRASE]",
    SecretKind.PRIVATE_KEY: "[REDACTED PRIVATE KEY]",
    SecretKind.WIF_PRIVATE_KEY: "[REDACTED PRIVATE KEY]",
    SecretKind.EXTENDED_PRIVATE_KEY: "[REDACTED EXTENDED PRIVATE KEY]",
    SecretKind.KEYSTORE: "[REDACTED KEYSTORE FILE]",
}

_LABELS: dict[SecretKind, str] = {
    SecretKind.SEED_PHRASE: messages.LABEL_SEED_PHRASE,
    SecretKind.PARTIAL_SEED_PHRASE: messages.LABEL_SEED_PHRASE,
    SecretKind.PRIVATE_KEY: messages.LABEL_PRIVATE_KEY,
    SecretKind.WIF_PRIVATE_KEY: messages.LABEL_PRIVATE_KEY,
    SecretKind.EXTENDED_PRIVATE_KEY: messages.LABEL_EXTENDED_PRIVATE_KEY,
    SecretKind.KEYSTORE: messages.LABEL_KEYSTORE,
}

# When spans overlap (a keystore's "mac" is 64 hex; a seed may sit inside JSON), the
# merged span takes the kind that comes first here.
_PRIORITY = (
    SecretKind.KEYSTORE,
    SecretKind.EXTENDED_PRIVATE_KEY,
    SecretKind.WIF_PRIVATE_KEY,
    SecretKind.PRIVATE_KEY,
    SecretKind.SEED_PHRASE,
    SecretKind.PARTIAL_SEED_PHRASE,
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One secret: what it is and where (offsets into the scanned text). No content."""

    kind: SecretKind
    start: int
    end: int
    language: str | None = None  # wordlist, for seed phrases
    word_count: int | None = None  # for seed phrases
    checksum_valid: bool | None = None  # seeds and extended keys; WIF/keystore: None

    @property
    def marker(self) -> str:
        return MARKERS[self.kind]


@dataclass(frozen=True, slots=True)
class GuardResult:
    findings: tuple[Finding, ...]
    redacted_text: str
    # 64-hex values judged to be transaction hashes, left in the text: (start, end) in
    # the scanned text, for the chain app to look up or link.
    transaction_hashes: tuple[tuple[int, int], ...] = ()

    @property
    def has_secrets(self) -> bool:
        return bool(self.findings)

    @property
    def kinds(self) -> frozenset[SecretKind]:
        return frozenset(f.kind for f in self.findings)

    def warning(self, language: str | None = None) -> str:
        return warning(language)


def scan_inbound(
    text: str, *, is_known_transaction: Callable[[str], bool] | None = None
) -> GuardResult:
    """Find and redact wallet secrets in an inbound message.

    `is_known_transaction(hex_value)` may answer whether a 64-hex value with no context
    is a transaction on chain; it is only called for such values, never for one that
    key words mark as a key. A 64-hex value (with or without "0x") that neither nearby
    words nor the hook explain as a transaction is redacted as a private key (rule in
    full: `key_formats.classify_hex`).
    """
    raw: list[Finding] = []
    for start, end in key_formats.find_keystores(text):
        raw.append(Finding(SecretKind.KEYSTORE, start, end))
    if "prv" in text:
        for start, end, valid in key_formats.find_extended_keys(text):
            raw.append(Finding(SecretKind.EXTENDED_PRIVATE_KEY, start, end, checksum_valid=valid))
    for start, end in key_formats.find_wif_keys(text):
        raw.append(Finding(SecretKind.WIF_PRIVATE_KEY, start, end))
    tx_spans: list[tuple[int, int]] = []
    for candidate in key_formats.find_hex_candidates(text, is_known_transaction):
        if candidate.verdict is HexVerdict.PRIVATE_KEY:
            raw.append(Finding(SecretKind.PRIVATE_KEY, candidate.start, candidate.end))
        else:
            tx_spans.append((candidate.start, candidate.end))
    for match in find_mnemonics(text):
        kind = SecretKind.SEED_PHRASE if match.checksum_valid else SecretKind.PARTIAL_SEED_PHRASE
        raw.append(
            Finding(
                kind,
                match.start,
                match.end,
                language=match.language,
                word_count=match.word_count,
                checksum_valid=match.checksum_valid,
            )
        )
    findings = _merge(raw)
    tx_hashes = tuple(
        span for span in tx_spans if all(span[1] <= f.start or span[0] >= f.end for f in findings)
    )
    return GuardResult(tuple(findings), _redact(text, findings), tx_hashes)


def _merge(raw: list[Finding]) -> list[Finding]:
    """Union overlapping spans so no character of any secret survives redaction."""
    merged: list[Finding] = []
    for finding in sorted(raw, key=lambda f: (f.start, -f.end)):
        if merged and finding.start < merged[-1].end:
            current = merged[-1]
            lead = min(current, finding, key=lambda f: _PRIORITY.index(f.kind))
            merged[-1] = Finding(
                lead.kind,
                current.start,
                max(current.end, finding.end),
                lead.language,
                lead.word_count,
                lead.checksum_valid,
            )
        else:
            merged.append(finding)
    return merged


def _redact(text: str, findings: list[Finding]) -> str:
    parts: list[str] = []
    position = 0
    for finding in findings:
        parts.append(text[position : finding.start])
        parts.append(finding.marker)
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)


def warning(language: str | None = None) -> str:
    """The warning to show a customer whose message contained a secret ("en",
    "zh-hans", ...; default: the active language). Needs configured Django settings."""
    return messages.translate(messages.SECRET_WARNING, language)


def marker_label(kind: SecretKind, language: str | None = None) -> str:
    """Translated label for showing a redaction marker in the UI."""
    return messages.translate(_LABELS[kind], language)
