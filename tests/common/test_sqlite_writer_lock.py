"""The SQLite backend's writer lock (common/sqlite_backend): a process's transactions take
turns on a lock instead of SQLite's sleeping busy handler, and always give it back."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError

from blockdesk.common.sqlite_backend.base import DatabaseWrapper


@pytest.fixture(autouse=True)
def _own_files(django_db_blocker: Any) -> Any:
    # These connections are to the test's own files, not the test database.
    with django_db_blocker.unblock():
        yield


def _db(path: Path, timeout: float = 5) -> Any:
    settings = {
        "ENGINE": "blockdesk.common.sqlite_backend",
        "NAME": str(path),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": timeout},
        "TIME_ZONE": None,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False,
        "TEST": {},
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
    }
    db = DatabaseWrapper(settings, alias=f"t{id(settings)}")
    return db


def _begin(db: Any) -> None:
    db.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def _end(db: Any, how: str) -> None:
    getattr(db, how)()
    db.set_autocommit(True)


@pytest.mark.parametrize("how", ["commit", "rollback", "close"])
def test_the_next_writer_goes_as_soon_as_the_first_ends(tmp_path: Path, how: str) -> None:
    first = _db(tmp_path / "w.sqlite3")
    first.ensure_connection()
    first.cursor().execute("CREATE TABLE t (n INTEGER)")
    _begin(first)
    first.cursor().execute("INSERT INTO t VALUES (1)")
    began = threading.Event()

    def write() -> None:
        second = _db(tmp_path / "w.sqlite3")  # a connection belongs to its thread
        _begin(second)
        began.set()
        second.cursor().execute("INSERT INTO t VALUES (2)")
        _end(second, "commit")
        second.close()

    thread = threading.Thread(target=write)
    thread.start()
    assert not began.wait(0.3)  # queued behind the open transaction
    t0 = time.monotonic()
    if how == "close":
        first.close()
    else:
        _end(first, how)
    assert began.wait(2)
    assert time.monotonic() - t0 < 0.1  # woken, not a busy-handler nap
    thread.join()
    check = _db(tmp_path / "w.sqlite3")
    rows = [r[0] for r in check.cursor().execute("SELECT n FROM t ORDER BY n").fetchall()]
    assert rows == ([1, 2] if how == "commit" else [2])
    check.close()
    first.close()


def test_a_writer_that_waits_past_the_timeout_gets_database_is_locked(tmp_path: Path) -> None:
    first = _db(tmp_path / "x.sqlite3")
    first.ensure_connection()
    _begin(first)
    errors: list[Exception] = []

    def write() -> None:
        second = _db(tmp_path / "x.sqlite3", timeout=0.2)
        try:
            _begin(second)
        except OperationalError as exc:
            errors.append(exc)
        second.close()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(5)
    assert errors and "locked" in str(errors[0])
    _end(first, "rollback")
    # The lock is free again: a new transaction starts at once.
    third = _db(tmp_path / "x.sqlite3", timeout=0.2)
    _begin(third)
    _end(third, "commit")
    first.close()
    third.close()


HOLDER = """
import sys, time
sys.path[:0] = {paths!r}
from tests.common.test_sqlite_writer_lock import _begin, _db
db = _db({path!r})
db.ensure_connection()
_begin(db)
db.cursor().execute("INSERT INTO t VALUES (2)")
print("holding", flush=True)
sys.stdin.readline()  # until the test says so (or dies: SIGKILL)
db.commit()
print(time.monotonic(), flush=True)
"""


def _holder(path: Path) -> Any:
    root = Path(__file__).resolve().parents[2]
    code = HOLDER.format(paths=[str(root), str(root / "src")], path=str(path))
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "blockdesk.settings", **os.environ},
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "holding"
    return child


@pytest.mark.skipif(sys.platform == "win32", reason="flock: POSIX only")
@pytest.mark.parametrize("ending", ["commit", "killed"])
def test_another_process_writer_is_waited_for_on_the_file_lock(tmp_path: Path, ending: str) -> None:
    from blockdesk.common.sqlite_backend import base

    path = tmp_path / "p.sqlite3"
    setup = _db(path)
    setup.ensure_connection()
    setup.cursor().execute("CREATE TABLE t (n INTEGER)")
    setup.close()
    child = _holder(path)
    try:
        # The other process holds the file lock: this one cannot take it.
        fd = base._lock_file(str(path))
        assert fd is not None
        assert base._take_file_lock(fd, time.monotonic() + 0.05) is False
        began: list[float] = []
        rows: set[int] = set()

        def write() -> None:
            waiter = _db(path, timeout=10)
            _begin(waiter)
            began.append(time.monotonic())
            waiter.cursor().execute("INSERT INTO t VALUES (3)")
            _end(waiter, "commit")
            rows.update(n for (n,) in waiter.cursor().execute("SELECT n FROM t").fetchall())
            waiter.close()

        thread = threading.Thread(target=write)
        thread.start()
        time.sleep(0.3)
        assert not began  # still waiting for the other process
        if ending == "commit":
            assert child.stdin is not None and child.stdout is not None
            child.stdin.write("go\n")
            child.stdin.flush()
            released = float(child.stdout.readline())
        else:
            child.kill()  # the kernel drops a dead process's file lock
            released = time.monotonic()
        thread.join(10)
        assert began, "the waiting writer never started"
        # Woken within a few retries of the file lock, not SQLite's 100 ms naps.
        assert began[0] - released < 0.5
        assert rows == ({2, 3} if ending == "commit" else {3})
    finally:
        child.kill()
        child.wait(5)
