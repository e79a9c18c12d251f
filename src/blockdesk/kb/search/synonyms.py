"""Synonym groups applied as query expansion, in both directions.

Sources, merged in this order:

1. the packaged ``data/synonyms.yaml`` (crypto vocabulary in Chinese and English);
2. an operator file named by ``BLOCKDESK_KB_SYNONYMS_FILE`` (env or Django setting),
   same format, adding groups or replacing the defaults with ``replace: true``;
3. a callable registered with :func:`set_synonym_source` returning groups — the hook
   for synonyms edited in the admin (a DB model owned by the KB app).

Expansion happens at query time only, so edited synonyms apply without a reindex. The
table is rebuilt when the file changes, after :func:`invalidate_synonyms`, or at most
every ``RELOAD_SECONDS`` (so a DB source is polled, not queried per search).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from blockdesk.kb.search.analysis import PACKAGED_SYNONYMS, analyze, has_cjk, normalise

__all__ = [
    "SynonymSource",
    "SynonymTable",
    "current_table",
    "invalidate_synonyms",
    "load_groups_file",
    "set_synonym_source",
]

logger = logging.getLogger(__name__)

RELOAD_SECONDS = 30.0
SynonymSource = Callable[[], Iterable[Sequence[str]]]


@dataclass(frozen=True)
class _Term:
    group: int
    text: str  # normalised, spaces removed for CJK terms
    cjk: bool
    terms: tuple[str, ...]  # analysed


class SynonymTable:
    def __init__(self, groups: Iterable[Sequence[str]]) -> None:
        self.groups: list[tuple[str, ...]] = []
        self._entries: list[_Term] = []
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
            analysed = []
            for member in members:
                cjk = has_cjk(member)
                norm = normalise(member)
                entry = _Term(gid, norm.replace(" ", "") if cjk else norm, cjk, analyze(member))
                if not entry.terms:
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
        for entry in self._cjk:
            if entry.text in compact:
                found.setdefault(entry.group, set()).update(entry.terms)
        n = len(query_terms)
        for i, term in enumerate(query_terms):
            for entry in self._by_first.get(term, ()):
                k = len(entry.terms)
                if i + k <= n and tuple(query_terms[i : i + k]) == entry.terms:
                    found.setdefault(entry.group, set()).update(entry.terms)
        return found

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
    path = _override_path()
    if path is not None:
        try:
            extra, replace = load_groups_file(path)
        except (OSError, yaml.YAMLError) as exc:
            logger.warning("kb search: cannot read synonyms file %s: %s", path, exc)
        else:
            groups = extra if replace else groups + extra
    if _source is not None:
        try:
            groups += [list(g) for g in _source()]
        except Exception:  # a broken admin table must not break search
            logger.exception("kb search: synonym source failed; using file synonyms")
    return SynonymTable(groups)


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
