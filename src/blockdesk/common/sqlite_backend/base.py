"""Django's SQLite backend, with the process's writers queued on a lock.

SQLite has one writer at a time. A second `BEGIN IMMEDIATE` waits in SQLite's busy
handler, which sleeps in growing steps (up to 100 ms) and retries instead of being woken
when the writer commits: with a pool of request threads writing at 50 msg/s, those naps
were the 0.3-1 s delivery outliers (issue 17, docs/benchmarks/widget.md). Here the
threads of one process take a lock before `BEGIN IMMEDIATE` and wake the moment the
previous transaction ends; SQLite's own lock and timeout still order this process
against other processes (a task worker, a management command).

Only transactions take the lock (reads in autocommit mode never wait under WAL), it is
given back on commit, rollback and close, and a thread that cannot get it within the
database timeout gets the same "database is locked" error SQLite would have raised.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _writer_lock(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_writer = False

    def _writer(self) -> threading.Lock:
        return _writer_lock(str(self.settings_dict["NAME"]))

    def _start_transaction_under_autocommit(self) -> None:
        if self.is_in_memory_db():
            # A test database: shared-cache SQLite refuses a second writer at once
            # (SQLITE_LOCKED, no busy handler), which the tests rely on; no queue here.
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
            return
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        if not self._writer().acquire(timeout=timeout):
            raise OperationalError("database is locked")
        self._holds_writer = True
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_writer()
            raise

    def _release_writer(self) -> None:
        if self._holds_writer:
            self._holds_writer = False
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
