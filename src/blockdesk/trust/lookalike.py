"""Is this name (a domain label, a handle) made to look like one of ours?

In the spirit of Unicode TR39 "confusable detection": both names are reduced to a
*skeleton* (letters from other alphabets and digits that look Latin become that Latin
letter) and then compared exactly, without separators, by containment and by
Damerau-Levenshtein distance. Pure functions; the table covers the common cases
scammers use, not all of confusables.txt."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Technique(StrEnum):
    HOMOGLYPH = "homoglyph"  # look-alike letters/digits: exаmple (Cyrillic а), examp1e
    SWAP = "swap"  # two neighbours swapped: exmaple
    INSERTION = "insertion"  # one character added: exxample
    DELETION = "deletion"  # one character missing: exmple
    REPLACEMENT = "replacement"  # one character changed: exanple
    TYPO = "typo"  # two of the above
    HYPHEN = "hyphen"  # separators added or removed: exampleexchange, example_exchange
    ADDED_WORD = "added_word"  # our name plus a word: example-exchange-support
    TLD = "tld"  # our name under another ending: example-exchange.co
    SUBDOMAIN = "subdomain"  # our name left of someone else's domain: ours.com.evil.io
    USERINFO = "userinfo"  # our name before an "@" in a link: https://ours.com@evil.io/
    OTHER_PLATFORM = "other_platform"  # our handle, but not on this platform
    BRAND_IN_ADDRESS = "brand_in_address"  # our name as the user part of another mailbox
    ADDRESS_POISONING = "address_poisoning"  # same start and end, different middle


# Letters of other scripts (and Latin variants) that render like a Latin letter.
# Keys are lower case: the skeleton is taken after case folding (capital I is handled
# first, because once folded it is an "i" while it looks like an "l").
# fmt: off
CONFUSABLES: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j",
    "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y",
    "х": "x", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ɩ": "l", "ь": "b",
    "п": "n", "г": "r", "ү": "y", "ө": "o", "ҽ": "e", "ց": "g", "ո": "n", "ս": "u",
    "օ": "o", "զ": "q",  # the last five are Armenian
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "γ": "y", "μ": "u", "ϲ": "c",
    "ϳ": "j", "ς": "c",
    # Latin look-alikes and IPA letters
    "ı": "i", "ȷ": "j", "ɡ": "g", "ɑ": "a", "ɛ": "e", "ɪ": "i", "ʀ": "r", "ʏ": "y",
    "ɴ": "n", "ʟ": "l", "ᴄ": "c", "ᴏ": "o", "ᴠ": "v", "ᴡ": "w", "ᴢ": "z", "ł": "l",
    "ƚ": "l", "ɫ": "l", "đ": "d", "ð": "d", "ħ": "h", "ø": "o", "ß": "b", "þ": "p",
    "ℓ": "l", "ǀ": "l", "ɒ": "a",
    # Digits and symbols that pass for letters
    "0": "o", "1": "l", "|": "l", "!": "l", "$": "s", "@": "a",
}
# fmt: on
# Pairs that read as one letter at a glance; applied after the per-letter table.
_MULTI = (("rn", "m"), ("vv", "w"))
_SEPARATORS_RE = re.compile(r"[-_.\s]+")

# Words scammers add to a brand ("example-support", "login-example"). With one of
# these, a single distinctive word of our name is enough to raise a warning.
# fmt: off
BAIT_WORDS = frozenset(
    {
        "support", "help", "helpdesk", "service", "services", "care", "team", "desk",
        "login", "signin", "auth", "verify", "verification", "secure", "security", "safe",
        "account", "accounts", "wallet", "wallets", "claim", "airdrop", "bonus", "reward",
        "rewards", "gift", "promo", "official", "admin", "mod", "mods", "recovery", "recover",
        "restore", "refund", "unlock", "kyc", "update", "app", "web", "online", "connect",
        "sync", "validate", "dapp", "bot", "live", "chat", "contact", "info", "notice",
        "alert", "center", "centre", "portal", "giveaway", "event", "staking", "migrate",
        "migration", "cn", "zh", "global", "pro", "vip", "real",
    }
)
# Words too common to identify a brand on their own.
GENERIC_WORDS = frozenset(
    {
        "exchange", "crypto", "coin", "coins", "token", "tokens", "swap", "finance", "fi",
        "bank", "pay", "trade", "trading", "market", "markets", "chain", "defi", "labs",
        "network", "protocol", "capital", "digital", "global", "wallet", "bit", "btc",
        "eth", "nft", "dao", "money", "cash", "the", "official", "group", "io", "hq",
    }
) | BAIT_WORDS
# fmt: on


@dataclass(frozen=True)
class Finding:
    technique: Technique
    distance: int = 0


def skeleton(text: str) -> str:
    """Case- and script-insensitive form in which look-alikes become equal."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("I", "l")  # a capital I is drawn like a lower-case l
    text = text.casefold()
    # Accents and dots above go: "é" → "e", "ì" → "i".
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    text = "".join(CONFUSABLES.get(c, c) for c in text)
    for pair, single in _MULTI:
        text = text.replace(pair, single)
    return text


def compact(text: str) -> str:
    return _SEPARATORS_RE.sub("", text)


def words(text: str) -> list[str]:
    return [w for w in _SEPARATORS_RE.split(text) if w]


def damerau_levenshtein(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment distance, giving up (returning limit + 1) past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def allowed_distance(length: int) -> int:
    """Short names get no slack: "okx" vs "oks" are just different names."""
    if length < 5:
        return 0
    if length < 9:
        return 1
    return 2


def _one_edit(query: str, official: str) -> Technique:
    if len(query) == len(official) + 1:
        return Technique.INSERTION
    if len(query) + 1 == len(official):
        return Technique.DELETION
    diffs = [i for i, (x, y) in enumerate(zip(query, official, strict=True)) if x != y]
    if len(diffs) == 2 and diffs[1] == diffs[0] + 1 and query[diffs[0]] == official[diffs[1]]:
        return Technique.SWAP
    return Technique.REPLACEMENT


def _at_word_boundary(haystack: str, needle: str) -> bool:
    """`needle` (compact) starts or ends the compact `haystack`, or is made of its words."""
    flat = compact(haystack)
    if flat.startswith(needle) or flat.endswith(needle):
        return True
    parts = words(haystack)
    for start in range(len(parts)):
        joined = ""
        for part in parts[start:]:
            joined += part
            if joined == needle:
                return True
            if len(joined) >= len(needle):
                break
    return False


def compare_names(query: str, official: str) -> Finding | None:
    """How `query` imitates `official`, or None. Equal names are not a finding."""
    if query.casefold() == official.casefold():
        return None
    sq, so = skeleton(query), skeleton(official)
    cq, co = compact(sq), compact(so)
    if sq == so or (cq == co and compact(query.casefold()) != compact(official.casefold())):
        return Finding(Technique.HOMOGLYPH)
    if cq == co:
        return Finding(Technique.HYPHEN)
    if len(co) >= 4 and co in cq and _at_word_boundary(sq, co):
        return Finding(Technique.ADDED_WORD)
    query_words = set(words(sq))
    distinctive = {w for w in words(so) if len(w) >= 4 and w not in GENERIC_WORDS}
    if distinctive & query_words and query_words & BAIT_WORDS:
        return Finding(Technique.ADDED_WORD)
    limit = allowed_distance(len(co))
    if limit:
        distance = damerau_levenshtein(cq, co, limit)
        if distance <= limit:
            technique = _one_edit(cq, co) if distance == 1 else Technique.TYPO
            if any(c not in official.casefold() for c in query.casefold() if c.isalpha()) and (
                not query.isascii()
            ):
                technique = Technique.HOMOGLYPH  # another alphabet, plus a typo
            return Finding(technique, distance)
    return None


def contains_name(text: str, official: str) -> bool:
    """Whether our name (or a look-alike of it) is one of the words in `text` — used on
    the part of a host left of someone else's domain."""
    so = compact(skeleton(official))
    if len(so) < 4:
        return False
    st = skeleton(text)
    if so in compact(st) and _at_word_boundary(st, so):
        return True
    return any(compare_names(w, official) is not None for w in words(text) if len(w) >= 4)


def address_poisoning(query: str, official: str, *, min_match: int = 4) -> bool:
    """A different address sharing the first and last characters wallets display.

    Poisoners mine vanity addresses matching the 4-6 characters at each end, then send
    dust so theirs shows up in the victim's history. Constant prefixes ("0x", "T",
    "bc1q") say nothing, so the comparison starts after them."""
    if query == official:
        return False
    q, o = _address_body(query), _address_body(official)
    if not q or not o or len(q) < 2 * min_match or len(o) < 2 * min_match:
        return False
    head = 0
    while head < min(len(q), len(o)) and q[head] == o[head]:
        head += 1
    tail = 0
    while tail < min(len(q), len(o)) - head and q[-1 - tail] == o[-1 - tail]:
        tail += 1
    return head >= min_match and tail >= min_match


def _address_body(text: str) -> str:
    lowered = text.lower()
    for prefix in ("0x", "bcrt1", "bc1", "tb1"):
        if lowered.startswith(prefix):
            body = lowered[len(prefix) :]
            # bech32: the witness version letter is constant for a type, as is TRON's "T".
            return body[1:] if prefix != "0x" else body
    if text.startswith("T"):
        return text[1:]
    return text
