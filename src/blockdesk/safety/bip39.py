"""Find BIP-39 mnemonics (and partial ones) in free text, in every wordlist that the
`mnemonic` package ships.

How text becomes words:
- Text is cut into tokens: maximal runs of letters (plus combining marks, because
  NFKD-normalised text such as the BIP-39 vectors keeps accents and dakuten as separate
  code points), except that every Han character is a token of its own.
- Tokens are compared after NFKD normalisation and lower-casing, so "ABANDON", NFC and
  NFKD input all match. For Latin and Cyrillic lists an accent-folded form also matches
  ("abaco" for "ábaco"); every list stays unambiguous when folded.
- Two tokens belong to the same phrase when only non-letters lie between them (spaces,
  U+3000, line breaks, punctuation, numbering such as "1." or "2)"), at most
  `MAX_GAP` characters.

What is reported (`find_mnemonics`):
- a run of wordlist words that contains a checksum-valid window of 12/15/18/21/24 words:
  a seed phrase;
- a run of `MIN_PARTIAL_RUN` (8) or more wordlist words with no valid window: a partial
  or mistyped seed, unless it reads like ordinary prose (see `_looks_like_prose`);
- Chinese written without spaces: a block of Han characters, bounded by non-Han text,
  that is exactly 12/15/18/21/24 wordlist characters with a valid checksum. Ordinary
  Chinese sentences are mostly wordlist characters, so unspaced partial runs are not
  reported, and blocks that segment into Chinese words are taken for prose (see
  `_han_block_is_seed`).

Not handled: Japanese written without separators, words abbreviated to their first four
letters, and a seed glued to Chinese text with no delimiter at all.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from mnemonic import Mnemonic

SEED_LENGTHS = (12, 15, 18, 21, 24)
MIN_PARTIAL_RUN = 8
MAX_GAP = 16

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Group 1: one Han character. Group 2: letters and combining marks (no digits, no "_").
_TOKEN_RE = re.compile(rf"([{_HAN}])|((?:[^\W\d_{_HAN}]|[\u0300-\u036f\u3099\u309a])+)")

_FOLDABLE = frozenset(
    {"czech", "english", "french", "italian", "portuguese", "russian", "spanish", "turkish"}
)
_CHINESE = ("chinese_simplified", "chinese_traditional")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Very frequent words that are also in a wordlist. A seed draws words uniformly from
# 2,048, so these are a small share of it; in prose they are most of a wordlist run.
_COMMON: dict[str, frozenset[str]] = {
    "english": _words(
        """about above across again all almost also always among another any around away
        because before behind below between can else enough few into just more much must
        never next now one only other over own please rather same since someone soon such
        sure that then there they this today together tomorrow toward two under until upon
        very what when where will you have like make need want know tell help use way time
        give put find keep come say good right still already thing nothing first able try
        wait check call"""
    ),
    "spanish": _words("este todo hacer sobre bien mucho mismo otro poco mejor mayor"),
    "french": _words("petit grand nouveau question"),
    "italian": _words("ancora fare sempre prima grande nuovo meno tempo"),
    "portuguese": _words("mais muito agora depois mesmo novo melhor menos"),
    "russian": _words("быть когда всегда сейчас после перед другой каждый мало большой новый"),
    "turkish": _words("nasıl neden şimdi büyük yardım lütfen merhaba"),
}

# Everyday-word share above which a run reads as prose: lenient when a window passed
# the checksum, strict for partial runs.
_COMMON_LIMIT_SEED = 0.5
_COMMON_LIMIT_PARTIAL = 0.25
# Share of Han characters covered by dictionary words of 2+ characters (rjieba) from
# which the characters read as Chinese. Unspaced: random seeds are under 0.3 in 99.8%
# of cases, windows of support-chat prose in 0.9% (and those must still be all
# wordlist characters, exactly a seed length, and pass the checksum). Spaced-out
# characters are unusual in prose, so the limits there are looser (prose ~0.5-1.0).
_WORD_SHARE_UNSPACED = 0.3
_WORD_SHARE_SPACED_SEED = 0.6
_WORD_SHARE_SPACED_PARTIAL = 0.5
# Fallback without rjieba: share of characters among the 256 most frequent (the Chinese
# wordlists are ordered by frequency). Prose is dominated by them; a seed picks
# uniformly, so about 1 in 8 fall there.
_MAX_FREQUENT_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class MnemonicMatch:
    """Where a (possibly partial) mnemonic sits in the text; holds no words."""

    start: int
    end: int
    language: str
    word_count: int
    checksum_valid: bool


@dataclass(frozen=True, slots=True)
class _Tables:
    languages: tuple[str, ...]
    # normalised word -> ((language id, index in that wordlist), ...)
    lookup: dict[str, tuple[tuple[int, int], ...]]
    common: tuple[frozenset[int], ...]  # per language: indices of very common words


def _strip_marks(word: str) -> str:
    if word.isascii():  # most words: nothing to strip
        return word
    return "".join(c for c in word if not unicodedata.combining(c))


_built: list[_Tables] = []
_building = threading.Lock()


def _tables() -> _Tables:
    """The lookup, built once per process on first use (~25k entries, 40-60 ms). Under a
    lock: a server's request threads all reach it with the first burst of messages, and
    built by each of them at once (the GIL shared) it had held a cold node's first
    messages for up to half a second (docs/benchmarks/widget.md)."""
    if not _built:
        with _building:
            if not _built:
                _built.append(_build_tables())
    return _built[0]


def _build_tables() -> _Tables:
    languages = tuple(sorted(Mnemonic.list_languages()))
    merged: dict[str, dict[int, int]] = {}
    common: list[frozenset[int]] = []
    for lang_id, language in enumerate(languages):
        words = [unicodedata.normalize("NFKD", w) for w in Mnemonic(language).wordlist]
        for index, word in enumerate(words):
            merged.setdefault(word, {})[lang_id] = index
            if language in _FOLDABLE:
                merged.setdefault(_strip_marks(word), {}).setdefault(lang_id, index)
        position = {word: index for index, word in enumerate(words)}
        common.append(
            frozenset(
                position[unicodedata.normalize("NFKD", w)]
                for w in _COMMON.get(language, ())
                if unicodedata.normalize("NFKD", w) in position
            )
        )
    lookup = {word: tuple(sorted(entry.items())) for word, entry in merged.items()}
    return _Tables(languages=languages, lookup=lookup, common=tuple(common))


def languages() -> tuple[str, ...]:
    """The wordlists the guard checks (whatever the installed `mnemonic` ships)."""
    return _tables().languages


def normalize_word(token: str) -> str:
    if token.isascii():
        return token.lower()
    word = unicodedata.normalize("NFKD", token).lower()
    # "İ" lower-cases to "i" + U+0307; Turkish wordlists spell it plain "i".
    return word.replace("i\u0307", "i")


def _lookup(token: str, tables: _Tables) -> tuple[tuple[int, int], ...]:
    word = normalize_word(token)
    found = tables.lookup.get(word)
    if found is None and not token.isascii():
        found = tables.lookup.get(_strip_marks(word))
    if found is None and "I" in token:
        # Upper-case Turkish "ı" is "I", which lower() turns into "i".
        found = tables.lookup.get(normalize_word(token.replace("I", "ı")))
    return found or ()


def checksum_valid(indices: Sequence[int]) -> bool:
    """BIP-39 checksum over wordlist indices (12/15/18/21/24 words)."""
    count = len(indices)
    if count not in SEED_LENGTHS:
        return False
    bits = 0
    for index in indices:
        bits = (bits << 11) | index
    checksum_bits = count // 3
    entropy = (bits >> checksum_bits).to_bytes(checksum_bits * 4, "big")
    expected = hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits)
    return (bits & ((1 << checksum_bits) - 1)) == expected


def is_valid_mnemonic(phrase: str, language: str | None = None) -> bool:
    """True if `phrase` is a checksum-valid mnemonic (in `language`, or in any list)."""
    tables = _tables()
    tokens = [m.group() for m in _TOKEN_RE.finditer(phrase)]
    candidates = range(len(tables.languages))
    if language is not None:
        candidates = range(tables.languages.index(language), tables.languages.index(language) + 1)
    for lang_id in candidates:
        indices = []
        for token in tokens:
            entry = dict(_lookup(token, tables)).get(lang_id)
            if entry is None:
                break
            indices.append(entry)
        else:
            if checksum_valid(indices):
                return True
    return False


@dataclass(slots=True)
class _Token:
    start: int
    end: int
    han: bool
    entries: tuple[tuple[int, int], ...]
    in_block: bool = False  # Han character with a Han neighbour (unspaced Chinese)


def _tokenize(text: str, tables: _Tables) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN_RE.finditer(text):
        han = match.group(1) is not None
        token = _Token(match.start(), match.end(), han, _lookup(match.group(), tables))
        if han and tokens and tokens[-1].han and tokens[-1].end == token.start:
            tokens[-1].in_block = True
            token.in_block = True
        tokens.append(token)
    return tokens


def _looks_like_prose(
    text: str,
    tables: _Tables,
    lang_id: int,
    run: list[_Token],
    indices: list[int],
    checksum_ok: bool,
) -> bool:
    """Prose rather than a seed: for Chinese, the characters joined up segment into
    words (people do sometimes space out every character); otherwise too many of the
    words are everyday ones."""
    if tables.languages[lang_id] in _CHINESE:
        joined = "".join(text[t.start : t.end] for t in run)
        limit = _WORD_SHARE_SPACED_SEED if checksum_ok else _WORD_SHARE_SPACED_PARTIAL
        return _reads_as_chinese(joined, indices, limit)
    common = tables.common[lang_id]
    limit = _COMMON_LIMIT_SEED if checksum_ok else _COMMON_LIMIT_PARTIAL
    return sum(1 for i in indices if i in common) > limit * len(indices)


def _valid_windows(indices: Sequence[int]) -> list[tuple[int, int]]:
    """Every checksum-valid 12..24-word window (start, end) inside a run."""
    count = len(indices)
    return [
        (start, start + length)
        for start in range(count - min(SEED_LENGTHS) + 1)
        for length in SEED_LENGTHS
        if start + length <= count and checksum_valid(indices[start : start + length])
    ]


def _partial(
    text: str, tables: _Tables, lang_id: int, run: list[_Token], indices: list[int]
) -> list[MnemonicMatch]:
    if len(indices) < MIN_PARTIAL_RUN or _looks_like_prose(
        text, tables, lang_id, run, indices, checksum_ok=False
    ):
        return []
    language = tables.languages[lang_id]
    return [MnemonicMatch(run[0].start, run[-1].end, language, len(indices), False)]


def _run_matches(
    text: str, tables: _Tables, lang_id: int, run: list[_Token], indices: list[int]
) -> list[MnemonicMatch]:
    count = len(indices)
    if count < MIN_PARTIAL_RUN:
        return []
    windows = _valid_windows(indices) if count >= min(SEED_LENGTHS) else []
    if windows:
        # Cover every valid window, not a greedy pick: a chance-valid window (1 in 16
        # for 12 words) overlapping the real seed must not leave part of it visible.
        first = min(start for start, _ in windows)
        last = max(end for _, end in windows)
        # A valid checksum is strong evidence, so only reject text that is mostly
        # everyday words.
        window_run, window_indices = run[first:last], indices[first:last]
        if not _looks_like_prose(text, tables, lang_id, window_run, window_indices, True):
            seed = MnemonicMatch(
                run[first].start, run[last - 1].end, tables.languages[lang_id], last - first, True
            )
            # Words outside the windows ("... please help") stay readable unless they
            # are themselves a long run (a second, mistyped seed).
            before = _partial(text, tables, lang_id, run[:first], indices[:first])
            after = _partial(text, tables, lang_id, run[last:], indices[last:])
            return [*before, seed, *after]
    return _partial(text, tables, lang_id, run, indices)


def _spaced_runs(tokens: list[_Token], text: str, tables: _Tables) -> list[MnemonicMatch]:
    matches: list[MnemonicMatch] = []
    open_runs: dict[int, tuple[list[_Token], list[int]]] = {}
    previous: _Token | None = None
    for token in tokens:
        gap = token.start - previous.end if previous is not None else 0
        linked = 0 < gap <= MAX_GAP
        entries = () if token.in_block else token.entries
        present = dict(entries)
        for lang_id in list(open_runs):
            if not linked or lang_id not in present:
                run, indices = open_runs.pop(lang_id)
                matches += _run_matches(text, tables, lang_id, run, indices)
        for lang_id, index in entries:
            if lang_id in open_runs:
                open_runs[lang_id][0].append(token)
                open_runs[lang_id][1].append(index)
            else:
                open_runs[lang_id] = ([token], [index])
        previous = token
    for lang_id, (run, indices) in open_runs.items():
        matches += _run_matches(text, tables, lang_id, run, indices)
    return matches


def _reads_as_chinese(block: str, indices: list[int], limit: float) -> bool:
    try:
        import rjieba  # a project dependency; imported late so most scans never load it
    except ImportError:  # pragma: no cover - installs without it use a cruder test,
        # and only on unspaced blocks, where prose is the norm.
        if limit > _WORD_SHARE_UNSPACED:
            return False
        return sum(1 for i in indices if i < 256) >= _MAX_FREQUENT_SHARE * len(indices)
    words = rjieba.cut(block, hmm=False)  # dictionary words only, no guessed ones
    # Reduplications ("歇歇") are words too, but a repeated character says nothing.
    covered = sum(len(w) for w in words if len(w) > 1 and len(set(w)) > 1)
    return covered >= limit * len(block)


def _han_block_is_seed(block: str, indices: list[int]) -> bool:
    """An unspaced Han block is a seed if it passes the checksum and does not read as
    Chinese: prose is mostly multi-character words, a seed is random characters."""
    return checksum_valid(indices) and not _reads_as_chinese(block, indices, _WORD_SHARE_UNSPACED)


def _han_blocks(tokens: list[_Token], text: str, tables: _Tables) -> list[MnemonicMatch]:
    matches: list[MnemonicMatch] = []
    chinese = [tables.languages.index(lang) for lang in _CHINESE if lang in tables.languages]
    position = 0
    while position < len(tokens):
        if not tokens[position].in_block:
            position += 1
            continue
        end = position
        while (
            end + 1 < len(tokens)
            and tokens[end + 1].han
            and tokens[end + 1].in_block
            and (tokens[end + 1].start == tokens[end].end)
        ):
            end += 1
        block = tokens[position : end + 1]
        if len(block) in SEED_LENGTHS:
            for lang_id in chinese:
                indices = [dict(t.entries).get(lang_id, -1) for t in block]
                chars = text[block[0].start : block[-1].end]
                if min(indices) >= 0 and _han_block_is_seed(chars, indices):
                    language = tables.languages[lang_id]
                    matches.append(
                        MnemonicMatch(block[0].start, block[-1].end, language, len(block), True)
                    )
                    break
        position = end + 1
    return matches


def find_mnemonics(text: str) -> list[MnemonicMatch]:
    """All seed phrases and partial seed phrases in `text`, in text order.

    Runs in several wordlists can overlap (English and French share 100 words, the two
    Chinese lists 1,275 characters): a match lying inside a better one (checksum-valid
    first, then longer) is dropped; partial overlaps are kept, and `scan_inbound` merges
    their spans so nothing between them survives.
    """
    tables = _tables()
    tokens = _tokenize(text, tables)
    if len(tokens) < MIN_PARTIAL_RUN:
        return []
    candidates = _spaced_runs(tokens, text, tables) + _han_blocks(tokens, text, tables)
    candidates.sort(key=lambda m: (not m.checksum_valid, -(m.end - m.start), m.start))
    chosen: list[MnemonicMatch] = []
    for match in candidates:
        if not any(c.start <= match.start and match.end <= c.end for c in chosen):
            chosen.append(match)
    return sorted(chosen, key=lambda m: m.start)
