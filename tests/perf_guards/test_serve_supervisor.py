"""`manage.py serve --workers 2` as a real process tree: the supervisor is light (no Django in
it) and forks its workers (no multiprocessing resource tracker beside them), a worker killed
with SIGKILL is replaced and the server keeps answering, the background work (tasks,
periodic jobs, event dispatcher) survives its process being killed: as a child of its own,
started again, or in the worker holding the node's background lock, taken over by another
worker; SIGTERM stops them all, and so does the supervisor's death. Runs on the
configured database (SQLite file, or PostgreSQL + Redis in that pass), with the background
work in each of its two places."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from tests.support.live_server import (
    MANAGE,
    REPO,
    free_port,
    migrate,
    redis_available,
    server_env,
    temp_database,
)

pytestmark = pytest.mark.slow

T = TypeVar("T")
# Start-up imports Django in three processes at once; the shared machine may be loaded.
START_TIMEOUT = 240.0


def _children(pid: int) -> dict[int, str]:
    """pid → command line of the live processes whose parent is `pid`."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        # The command name (field 2) may hold spaces: the fields after its ")" are fixed.
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[1]) == pid:
            found[int(entry.name)] = cmdline
    return found


def _workers(pid: int) -> set[int]:
    # Forked from the supervisor: the same command line.
    return {p for p, cmd in _children(pid).items() if "blockdesk.common.supervisor" in cmd}


def _lock_holder(workers: set[int]) -> int | None:
    """The pid holding the background lock, from the kernel's table of locks (the file
    found among the workers' open files: each opens it to wait for it)."""
    inodes = set()
    for pid in workers:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                if os.readlink(fd).endswith("/background.lock"):
                    inodes.add(str(fd.stat().st_ino))
        except OSError:
            continue
    for line in Path("/proc/locks").read_text().splitlines():
        # e.g. "3: FLOCK  ADVISORY  WRITE 4242 fd:01:1835041 0 EOF" ("3: -> FLOCK …" waits)
        fields = line.split()
        if fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[1] in inodes:
            return int(fields[4])
    return None


def _background(pid: int) -> set[int]:
    return {p for p, cmd in _children(pid).items() if "serve_background" in cmd}


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _wait(what: str, probe: Callable[[], T | None], timeout: float, log: Path) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"{what} not within {timeout}s:\n{log.read_text()[-4000:]}")


def _ready(base: str) -> bool:
    try:
        return httpx.get(base + "/readyz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


# Each placement where it is the default: the background in its own process with
# PostgreSQL, inside a web worker with SQLite (each of these tests starts three Django
# processes, ~20 s a run on a loaded machine).
@pytest.fixture(
    params=[
        pytest.param("process", marks=pytest.mark.postgres_pass),
        pytest.param("worker", marks=pytest.mark.embedded_only),
    ]
)
def served(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], str, Path, Path, str]]:
    redis_url = os.environ.get("REDIS_URL")
    with temp_database(base_url=os.environ.get("DATABASE_URL"), directory=tmp_path) as db_url:
        report = tmp_path / "supervisor.json"
        env = server_env(
            database_url=db_url,
            data_dir=tmp_path / "data",
            redis_url=redis_url if redis_url and redis_available(redis_url) else None,
            extra={
                "BLOCKDESK_EMBEDDED_WORKER": "true",
                "BLOCKDESK_SUPERVISOR_REPORT": str(report),
                "BLOCKDESK_LOG_LEVEL": "INFO",
                "BLOCKDESK_BACKGROUND_IN_WORKER": str(request.param == "worker").lower(),
            },
        )
        migrate(env)
        port = free_port()
        log = tmp_path / "serve.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, str(MANAGE), "serve", "--workers", "2", "--port", str(port)],
                env={**env, "BLOCKDESK_PUBLIC_URL": f"http://127.0.0.1:{port}"},
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            yield process, f"http://127.0.0.1:{port}", report, log, request.param
        finally:
            # Its children first: once the supervisor is gone they belong to init, and
            # workers of a killed supervisor keep running (a failed run left two behind).
            children = list(_children(process.pid))
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
            for child in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)


def test_light_supervisor_restarts_what_dies_and_stops_everything(served) -> None:
    process, base, report, log, background_in = served
    _wait("readiness", lambda: _ready(base), START_TIMEOUT, log)

    # The supervisor is the process we started (exec, same pid) and has no Django in it.
    modules = _wait("the supervisor's report", lambda: _read_modules(report, process.pid), 30, log)
    assert "uvicorn" in modules
    assert not [m for m in modules if m == "django" or m.startswith("django.")]
    assert not [
        m
        for m in modules
        if m.startswith("blockdesk.")
        and m != "blockdesk.common"
        and m != "blockdesk.common.supervisor"
    ]
    assert _rss_mb(process.pid) < 60

    workers = _wait(
        "two workers", lambda: (w := _workers(process.pid)) and len(w) == 2 and w, 60, log
    )
    assert not [c for c in _children(process.pid).values() if "resource_tracker" in c]

    if background_in == "process":
        # The background child is started again when it dies.
        assert _lock_holder(workers) is None
        (old_background,) = _wait("the background child", lambda: _background(process.pid), 60, log)
        os.kill(old_background, signal.SIGKILL)
        _wait(
            "a new background child",
            lambda: (b := _background(process.pid)) and old_background not in b,
            60,
            log,
        )
    else:
        # One worker holds the node's background lock; killed, another takes the work over.
        assert not _background(process.pid)
        holder = _wait("a worker hosting the background", lambda: _lock_holder(workers), 60, log)
        assert holder in workers
        os.kill(holder, signal.SIGKILL)
        _wait(
            "another worker hosting the background",
            lambda: (h := _lock_holder(_workers(process.pid))) and h != holder and h,
            START_TIMEOUT,
            log,
        )
        workers = _wait(
            "two workers again",
            lambda: (w := _workers(process.pid)) and len(w) == 2 and holder not in w and w,
            60,
            log,
        )

    # A worker killed outright is replaced ...
    first, second = sorted(workers)
    os.kill(first, signal.SIGKILL)
    replaced = _wait(
        "a new worker",
        lambda: (w := _workers(process.pid)) and len(w) == 2 and first not in w and w,
        60,
        log,
    )
    (new,) = replaced - {second}
    _wait(
        "the new worker's start",
        lambda: f"Started server process [{new}]" in log.read_text(),
        START_TIMEOUT,
        log,
    )
    # ... and serves: with the other original worker killed too, the new one answers alone
    # until that one's replacement has imported Django (many seconds).
    os.kill(second, signal.SIGKILL)
    for _ in range(5):
        assert httpx.get(base + "/healthz", timeout=10).status_code == 200

    # SIGTERM to the supervisor stops the server and every child.
    children = set(_children(process.pid))
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    _wait("every child gone", lambda: not [p for p in children if _is_live(p)], 30, log)


def test_a_supervisor_killed_outright_takes_its_children_with_it(served) -> None:
    """SIGKILL (or the OOM killer) gives the supervisor no chance to stop its children:
    each asked the kernel for SIGTERM when it dies (supervisor.die_with_parent), so none
    is left serving on its own."""
    process, base, _report, log, background_in = served
    _wait("readiness", lambda: _ready(base), START_TIMEOUT, log)
    _wait("two workers", lambda: len(_workers(process.pid)) == 2, 60, log)
    if background_in == "process":
        _wait("the background child", lambda: _background(process.pid), 60, log)
    children = set(_children(process.pid))
    try:
        process.kill()
        process.wait(timeout=10)
        _wait("every child gone", lambda: not [p for p in children if _is_live(p)], 60, log)
    finally:
        for child in children:  # reparented: the fixture no longer finds them
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)


def _is_live(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _read_modules(report: Path, pid: int) -> list[str] | None:
    try:
        data = json.loads(report.read_text())
    except (OSError, ValueError):
        return None
    return list(data["modules"]) if data["pid"] == pid else None
