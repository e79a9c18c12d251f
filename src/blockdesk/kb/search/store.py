"""Where indexes live on disk and how each process keeps a fresh copy in memory.

One file per scope under ``DATA_DIR/kb_index/``: ``default.npz`` (all published
articles) or ``account-<id>.npz``. Writers rename a complete file into place; every
search ``stat``s the file (about a microsecond) and reloads when its identity
(inode, mtime, size) changed, so a rebuild by the task worker reaches every web
process on its next query without any messaging.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from blockdesk.kb.search import shared
from blockdesk.kb.search.index import Index

__all__ = [
    "cached_index",
    "forget",
    "index_dir",
    "index_path",
    "known_scopes",
    "scope_lock",
]

logger = logging.getLogger(__name__)
_FILE_RE = re.compile(r"^(default|account-(\d+))\.npz$")


def index_dir() -> Path:
    return Path(settings.DATA_DIR) / "kb_index"


def index_path(account_id: int | None) -> Path:
    name = "default" if account_id is None else f"account-{int(account_id)}"
    return index_dir() / f"{name}.npz"


def known_scopes() -> list[int | None]:
    """Scopes that have an index on disk (``None`` = default)."""
    scopes: list[int | None] = []
    directory = index_dir()
    if directory.is_dir():
        for path in sorted(directory.iterdir()):
            match = _FILE_RE.match(path.name)
            if match:
                scopes.append(int(match.group(2)) if match.group(2) else None)
    return scopes


@contextlib.contextmanager
def scope_lock(account_id: int | None) -> Iterator[None]:
    """Inter-process lock so two workers never rebuild the same scope at once (the
    second then starts from the first one's result instead of racing it)."""
    path = index_path(account_id).with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


@dataclass
class _Entry:
    index: Index
    stamp: tuple[int, int, int]


_cache: dict[Path, _Entry] = {}
_lock = threading.Lock()


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def cached_index(account_id: int | None) -> Index | None:
    """The scope's index, loaded once per process and reloaded after a rewrite;
    ``None`` when no index has been written yet."""
    path = index_path(account_id)
    if shared.enabled():
        # Another node may have rebuilt it (throttled: a small read per poll interval).
        shared.sync(account_id, path)
    stamp = _stamp(path)
    if stamp is None:
        return None
    entry = _cache.get(path)
    if entry is not None and entry.stamp == stamp:
        return entry.index
    with _lock:
        entry = _cache.get(path)
        stamp = _stamp(path)
        if stamp is None:
            return None
        if entry is None or entry.stamp != stamp:
            try:
                index = Index.load(path)
            except (OSError, ValueError, KeyError) as exc:
                logger.warning("kb search: cannot load index %s: %s", path, exc)
                return entry.index if entry is not None else None
            entry = _Entry(index, stamp)
            _cache[path] = entry
        return entry.index


def remember(account_id: int | None, index: Index) -> None:
    """Cache an index this process has just written (saves reading it back)."""
    path = index_path(account_id)
    stamp = _stamp(path)
    if stamp is not None:
        with _lock:
            _cache[path] = _Entry(index, stamp)


def forget() -> None:
    with _lock:
        _cache.clear()
    shared.forget_checks()
