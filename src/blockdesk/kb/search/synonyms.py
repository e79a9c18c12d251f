"""Synonym groups applied as query expansion, in both directions.

Sources, merged in this order:

1. the packaged ``data/synonyms.yaml`` (crypto vocabulary in Chinese and English);
2. an operator file named by ``BLOCKDESK_KB_SYNONYMS_FILE`` (env or Django setting),
   same format, adding groups or replacing the defaults with ``replace: true``;
3. a callable registered with :func:`set_synonym_source` returning groups — the hook
   for synonyms edited in the admin (a DB model owned by the KB app).

Matching: latin entries match whole analysed words; Chinese entries match as
substrings of the query, except one-character ones (充 "deposit", 提 "withdraw"), which
match only when the segmenter cuts them out as a word of their own (so 提 never matches
inside 提示 "hint" or 提交 "submit"). Latin entries that analysis drops (the slang "U" for
USDT) match a bare token only in a query that also has Chinese or where they follow a
number ("100u"): in English "u" is mostly "you".

Some groups name *which* network or token a question is about rather than *what*
happened (``entities`` in the file, ``kind`` below); ranking weighs them less and, when a
query names two different networks ("trc20 to erc20"), reads it as a network mix-up
(``network_mismatch``).

Expansion happens at query time only, so edited synonyms apply without a reindex. The
table is rebuilt when the file changes, after :func:`invalidate_synonyms`, or at most
every ``RELOAD_SECONDS`` (so a DB source is polled, not queried per search).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from blockdesk.kb.search.analysis import PACKAGED_SYNONYMS, analyze, has_cjk, normalise

__all__ = [
    "GroupKinds",
    "SynonymSource",
    "SynonymTable",
    "current_table",
    "invalidate_synonyms",
    "load_groups_file",
    "load_kinds_file",
    "raw_tokens",
    "set_synonym_source",
]

logger = logging.getLogger(__name__)

RELOAD_SECONDS = 30.0
SynonymSource = Callable[[], Iterable[Sequence[str]]]
_RAW_TOKEN_RE = re.compile(r"[a-z0-9]+")
_AMOUNT_UNIT_RE = re.compile(r"^\d+(?:\.\d+)?([a-z]+)$")


@dataclass(frozen=True)
class GroupKinds:
    """Which groups name a network or a token (by any one of their members), and the
    member of the group a query naming two networks is expanded with."""

    networks: tuple[str, ...] = ()
    tokens: tuple[str, ...] = ()
    network_mismatch: str | None = None
    # Words that make two networks a direction ("trc20 *to* erc20", "bsc充*到*erc20")
    # rather than a comparison ("erc20 vs trc20").
    direction_words: tuple[str, ...] = ()
    # A token named with the mismatch group and none of the `_unless` groups ("usdt wrong
    # netw") is funds sent on the wrong network: the group of this member is inferred.
    token_mismatch_infers: str | None = None
    token_mismatch_unless: tuple[str, ...] = ()


def raw_tokens(query: str) -> list[tuple[str, bool]]:
    """Latin tokens of a query as typed (no stemming or stop-words), each with whether it
    followed a number ("100u" → ("u", True))."""
    out = []
    for tok in _RAW_TOKEN_RE.findall(normalise(query)):
        unit = _AMOUNT_UNIT_RE.match(tok)
        out.append((unit.group(1), True) if unit else (tok, False))
    return out


@dataclass(frozen=True)
class _Term:
    group: int
    text: str  # normalised, spaces removed for CJK terms
    cjk: bool
    terms: tuple[str, ...]  # analysed


class SynonymTable:
    def __init__(self, groups: Iterable[Sequence[str]], kinds: GroupKinds | None = None) -> None:
        kinds = kinds or GroupKinds()
        networks = {normalise(t) for t in kinds.networks}
        tokens = {normalise(t) for t in kinds.tokens}
        mismatch = normalise(kinds.network_mismatch) if kinds.network_mismatch else None
        self.groups: list[tuple[str, ...]] = []
        # Per group: "network", "token" or "" (a topic word).
        self.kinds: list[str] = []
        self.mismatch_group: int | None = None
        infers = normalise(kinds.token_mismatch_infers) if kinds.token_mismatch_infers else None
        unless = {normalise(t) for t in kinds.token_mismatch_unless}
        self.token_mismatch_group: int | None = None
        self.token_mismatch_unless: set[int] = set()
        self._direction = tuple(normalise(w) for w in kinds.direction_words)
        self._entries: list[_Term] = []
        # Latin members that analysis drops entirely ("u"): matched on raw tokens.
        self._short: dict[str, list[int]] = {}
        self._group_terms: list[tuple[tuple[str, ...], ...]] = []
        # First analysed term of a latin entry → entries, so a query only checks the
        # entries that can start at one of its terms.
        self._by_first: dict[str, list[_Term]] = {}
        self._cjk: list[_Term] = []
        for raw in groups:
            members = tuple(dict.fromkeys(str(m).strip() for m in raw if str(m).strip()))
            if len(members) < 2:
                continue
            gid = len(self.groups)
            self.groups.append(members)
            normed = {normalise(m) for m in members}
            self.kinds.append(
                "network" if normed & networks else "token" if normed & tokens else ""
            )
            if mismatch is not None and mismatch in normed and self.mismatch_group is None:
                self.mismatch_group = gid
            if infers is not None and infers in normed and self.token_mismatch_group is None:
                self.token_mismatch_group = gid
            if normed & unless:
                self.token_mismatch_unless.add(gid)
            analysed = []
            for member in members:
                cjk = has_cjk(member)
                norm = normalise(member)
                entry = _Term(gid, norm.replace(" ", "") if cjk else norm, cjk, analyze(member))
                if not entry.terms:
                    if not cjk and _RAW_TOKEN_RE.fullmatch(norm):
                        self._short.setdefault(norm, []).append(gid)
                    continue
                analysed.append(entry.terms)
                self._entries.append(entry)
                if cjk:
                    self._cjk.append(entry)
                else:
                    self._by_first.setdefault(entry.terms[0], []).append(entry)
            self._group_terms.append(tuple(analysed))

    def __len__(self) -> int:
        return len(self.groups)

    def matches(self, query: str, query_terms: Sequence[str]) -> dict[int, set[str]]:
        """Matched group → the query terms that the matching entries cover."""
        found: dict[int, set[str]] = {}
        compact = normalise(query).replace(" ", "")
        words = set(query_terms)
        for entry in self._cjk:
            if len(entry.text) == 1:
                if entry.text in words:  # a word of its own, not part of 提示 / 补充
                    found.setdefault(entry.group, set()).update(entry.terms)
            elif entry.text in compact:
                found.setdefault(entry.group, set()).update(entry.terms)
        if self._short:
            cjk_query = has_cjk(query)
            for tok, after_number in raw_tokens(query):
                if cjk_query or after_number:
                    for gid in self._short.get(tok, ()):
                        found.setdefault(gid, set())
        n = len(query_terms)
        for i, term in enumerate(query_terms):
            for entry in self._by_first.get(term, ()):
                k = len(entry.terms)
                if i + k <= n and tuple(query_terms[i : i + k]) == entry.terms:
                    found.setdefault(entry.group, set()).update(entry.terms)
        return found

    def says_direction(self, query: str) -> bool:
        """Whether the query holds a direction word (latin ones as whole words)."""
        text = normalise(query)
        latin = {tok for tok, _ in raw_tokens(query)}
        return any(
            w in latin if w.isalnum() and w.isascii() else w in text for w in self._direction
        )

    def members(self, group: int) -> tuple[tuple[str, ...], ...]:
        """The analysed term tuples of a group's entries."""
        return self._group_terms[group]


# -- sources and the cached table ---------------------------------------------------

_lock = threading.Lock()
_source: SynonymSource | None = None
_table: SynonymTable | None = None
_stamp: tuple[object, ...] = ()
_loaded_at = 0.0


def load_groups_file(path: Path) -> tuple[list[list[str]], bool]:
    """(groups, replace) from a YAML file ``{groups: [[...], ...], replace: bool}``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if isinstance(data, list):  # a bare list of groups is accepted too
        data = {"groups": data}
    groups = [[str(t) for t in g] for g in data.get("groups", []) if isinstance(g, list)]
    return groups, bool(data.get("replace", False))


def load_kinds_file(path: Path) -> GroupKinds:
    """The ``entities`` section of a synonyms file: ``{networks: [...], tokens: [...],
    network_mismatch: term}``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entities = data.get("entities") if isinstance(data, dict) else None
    if not isinstance(entities, dict):
        return GroupKinds()
    mismatch = entities.get("network_mismatch")
    infers = entities.get("token_mismatch_infers")
    return GroupKinds(
        networks=tuple(str(t) for t in entities.get("networks") or ()),
        tokens=tuple(str(t) for t in entities.get("tokens") or ()),
        network_mismatch=str(mismatch) if mismatch else None,
        direction_words=tuple(str(t) for t in entities.get("direction_words") or ()),
        token_mismatch_infers=str(infers) if infers else None,
        token_mismatch_unless=tuple(str(t) for t in entities.get("token_mismatch_unless") or ()),
    )


def _override_path() -> Path | None:
    value = os.environ.get("BLOCKDESK_KB_SYNONYMS_FILE")
    if not value:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        try:
            value = getattr(settings, "BLOCKDESK_KB_SYNONYMS_FILE", None)
        except ImproperlyConfigured:  # used outside Django (the evaluation scripts)
            value = None
    return Path(value) if value else None


def _file_stamp(path: Path | None) -> tuple[object, ...]:
    if path is None:
        return (None,)
    try:
        st = path.stat()
    except OSError:
        return (str(path), None)
    return (str(path), st.st_mtime_ns, st.st_size)


def _build() -> SynonymTable:
    groups, _ = load_groups_file(PACKAGED_SYNONYMS)
    kinds = load_kinds_file(PACKAGED_SYNONYMS)
    path = _override_path()
    if path is not None:
        try:
            extra, replace = load_groups_file(path)
            extra_kinds = load_kinds_file(path)
        except (OSError, yaml.YAMLError) as exc:
            logger.warning("kb search: cannot read synonyms file %s: %s", path, exc)
        else:
            groups = extra if replace else groups + extra
            kinds = GroupKinds(
                networks=(() if replace else kinds.networks) + extra_kinds.networks,
                tokens=(() if replace else kinds.tokens) + extra_kinds.tokens,
                network_mismatch=extra_kinds.network_mismatch
                or (None if replace else kinds.network_mismatch),
                direction_words=(() if replace else kinds.direction_words)
                + extra_kinds.direction_words,
                token_mismatch_infers=extra_kinds.token_mismatch_infers
                or (None if replace else kinds.token_mismatch_infers),
                token_mismatch_unless=(() if replace else kinds.token_mismatch_unless)
                + extra_kinds.token_mismatch_unless,
            )
    if _source is not None:
        try:
            groups += [list(g) for g in _source()]
        except Exception:  # a broken admin table must not break search
            logger.exception("kb search: synonym source failed; using file synonyms")
    return SynonymTable(groups, kinds)


def current_table() -> SynonymTable:
    global _table, _stamp, _loaded_at
    now = time.monotonic()
    stamp = _file_stamp(_override_path())
    table = _table
    if table is not None and stamp == _stamp and now - _loaded_at < RELOAD_SECONDS:
        return table
    with _lock:
        if _table is None or stamp != _stamp or now - _loaded_at >= RELOAD_SECONDS:
            _table = _build()
            _stamp = stamp
            _loaded_at = now
        return _table


def set_synonym_source(source: SynonymSource | None) -> None:
    """Register (or with None remove) a callable returning extra synonym groups, e.g.
    ``lambda: Synonym.objects.values_list("terms", flat=True)`` split into lists."""
    global _source
    with _lock:
        _source = source
    invalidate_synonyms()


def invalidate_synonyms() -> None:
    """Forget the cached table (call after synonyms were edited)."""
    global _table
    with _lock:
        _table = None
