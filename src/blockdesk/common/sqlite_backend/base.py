"""Django's SQLite backend, with the process's writers queued on a lock.

SQLite has one writer at a time. A second `BEGIN IMMEDIATE` waits in SQLite's busy
handler, which sleeps in growing steps (up to 100 ms) and retries instead of being woken
when the writer commits: with a pool of request threads writing at 50 msg/s, those naps
were the 0.3-1 s delivery outliers (issue 17, docs/benchmarks/widget.md). Here the
threads of one process take a lock before `BEGIN IMMEDIATE` and wake the moment the
previous transaction ends.

Across processes (`serve --workers N`, its background child, a management command) the
thread holding that lock also takes an advisory file lock (`flock`) on `<database>-writer
.lock`: a waiting process retries it every 0.25-2 ms instead of SQLite's naps of up to
100 ms, which had held two embedded workers at 100 msg/s to seconds per POST
(docs/benchmarks/widget.md). The kernel drops the file lock of a process that dies.
Without `fcntl` (not POSIX) or a writable directory, processes fall back to SQLite's own
wait.

Only transactions take the locks (reads in autocommit mode never wait under WAL), they are
given back on commit, rollback and close, and a thread that cannot get them within the
database timeout gets the same "database is locked" error SQLite would have raised.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None  # type: ignore[assignment]

_locks: dict[str, threading.Lock] = {}
_files: dict[str, int | None] = {}
_locks_guard = threading.Lock()
# How long a waiting process sleeps between tries of the file lock, at most.
_FILE_RETRY_MAX_S = 0.002


def _writer_lock(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


def _lock_file(name: str) -> int | None:
    """This process's descriptor of the database's writer lock file (one per process: a
    `flock` belongs to the open file, so the process's threads share it and take turns on
    the thread lock first), or None without fcntl or a writable directory."""
    with _locks_guard:
        if name not in _files:
            fd = None
            if fcntl is not None:
                try:
                    fd = os.open(f"{name}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
                except OSError:
                    fd = None
            _files[name] = fd
        return _files[name]


def _take_file_lock(fd: int, deadline: float) -> bool:
    pause = 0.00025
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, _FILE_RETRY_MAX_S)


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_writer = False
    _holds_file: int | None = None

    def _writer(self) -> threading.Lock:
        return _writer_lock(str(self.settings_dict["NAME"]))

    def _start_transaction_under_autocommit(self) -> None:
        if self.is_in_memory_db():
            # A test database: shared-cache SQLite refuses a second writer at once
            # (SQLITE_LOCKED, no busy handler), which the tests rely on; no queue here.
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
            return
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        deadline = time.monotonic() + timeout
        if not self._writer().acquire(timeout=timeout):
            raise OperationalError("database is locked")
        self._holds_writer = True
        try:
            fd = _lock_file(str(self.settings_dict["NAME"]))
            if fd is not None:
                if not _take_file_lock(fd, deadline):
                    raise OperationalError("database is locked")
                self._holds_file = fd
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_writer()
            raise

    def _release_writer(self) -> None:
        if self._holds_writer:
            self._holds_writer = False
            if self._holds_file is not None:
                fd, self._holds_file = self._holds_file, None
                fcntl.flock(fd, fcntl.LOCK_UN)
            self._writer().release()

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            if self.connection is None or not self.connection.in_transaction:
                self._release_writer()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self._release_writer()
