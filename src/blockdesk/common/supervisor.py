"""The light supervisor of `manage.py serve --workers N` (N > 1): no Django in this process.

`serve` reads the settings, then replaces itself (exec, same pid) with
`python -m blockdesk.common.supervisor …`, so the full Django process it was (~120 MB)
does not stay resident just to watch the workers (issue 17, "Memory"). This process:

- binds the socket and runs uvicorn's multi-process supervisor, which forks the N
  workers, starts a new one when one dies (or stops answering its health ping), and
  turns SIGINT/SIGTERM into a clean stop of every worker (SIGHUP restarts them one by one);
- with `--background`, keeps one background child running, `manage.py serve_background`
  (the task worker, the periodic jobs and the loops the apps register, such as the event
  dispatcher): what the old supervisor ran in its own threads. It is started again if it
  dies, and stopped when the server stops;
- with `--background-in-worker` instead, names a lock file for the workers: the one that
  holds it runs that work in its threads, and another takes over when it dies
  (common/background.host_background_if_elected). One Django process less per node;
- makes its children stop with it: each worker and the background child asks the kernel
  for SIGTERM when the supervisor dies (`die_with_parent`), so a supervisor killed with
  SIGKILL (or by the OOM killer) leaves no orphaned worker serving on the port.

Nothing here may import Django or an app: tests/perf_guards/test_serve_supervisor.py
checks the running supervisor's modules (BLOCKDESK_SUPERVISOR_REPORT, below).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

logger = logging.getLogger("blockdesk.supervisor")

# The environment variable the workers read (common/background.LOCK_ENV: not imported,
# that module imports Django's side of the project).
LOCK_ENV = "BLOCKDESK_BACKGROUND_LOCK"

# When set, the supervisor writes its pid and imported modules to this file every second
# (for the test that proves no Django was loaded here; unset in production). A file, not
# a signal: uvicorn's supervisor takes over every signal handler (SIGUSR1 included).
REPORT_ENV = "BLOCKDESK_SUPERVISOR_REPORT"
# Between restarts of a background child that keeps dying: 1 s, doubling up to 30 s.
_BACKOFF_MAX = 30.0
# The supervisor's pid, for the background child (a new program: it cannot inherit an
# at-fork hook): serve_background calls die_with_parent with it.
PARENT_ENV = "BLOCKDESK_SUPERVISOR_PID"
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent_pid: int) -> bool:
    """SIGTERM to this process when `parent_pid`, its parent, dies (Linux's parent-death
    signal; elsewhere nothing, False). Called first thing in a new child: if the parent
    is already gone (it died before this was asked), the child exits at once. The signal
    is sent when the parent's thread that started this process ends: the supervisor
    starts its children from threads that live as long as it does."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() != parent_pid:
        # Nothing started yet; and a forked worker still has the supervisor's signal
        # handlers, under which a SIGTERM to itself would be lost.
        os._exit(0)
    return True


def background_command() -> list[str]:
    return [sys.executable, "-m", "django", "serve_background"]


class BackgroundChild:
    """One child process, started again whenever it exits until `stop()`."""

    def __init__(self, command: list[str]) -> None:
        self.command = command
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True, name="background")

    def start(self) -> None:
        self._spawn()
        self._thread.start()

    def _spawn(self) -> None:
        env = {**os.environ, PARENT_ENV: str(os.getpid())}
        self.process = subprocess.Popen(self.command, env=env)  # noqa: S603 - a fixed command
        logger.info("background process [%s] started", self.process.pid)

    def _watch(self) -> None:
        backoff = 1.0
        while not self._stop.wait(0.5):
            process = self.process
            if process is None or process.poll() is None:
                continue
            if self._stop.is_set():
                return
            logger.error(
                "background process [%s] exited with %s; starting it again in %.0f s",
                process.pid,
                process.returncode,
                backoff,
            )
            started = time.monotonic()
            if self._stop.wait(backoff):
                return
            self._spawn()
            self.restarts += 1
            # A child that ran a while was not crash-looping: the next wait is short again.
            backoff = 1.0 if time.monotonic() - started > 60 else min(backoff * 2, _BACKOFF_MAX)

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _write_report(path: str) -> None:
    report = {"pid": os.getpid(), "modules": sorted(sys.modules)}
    staged = Path(path).with_suffix(".tmp")
    staged.write_text(json.dumps(report))
    staged.replace(path)  # the reader never sees half a file


def _start_reporting() -> None:
    path = os.environ.get(REPORT_ENV)
    if not path:
        return

    def loop() -> None:
        while True:
            _write_report(path)
            time.sleep(1)

    threading.Thread(target=loop, daemon=True, name="report").start()


def _fork_workers() -> None:
    """uvicorn starts its workers with multiprocessing's "spawn" method, which also starts
    multiprocessing's resource tracker: one more Python process (~12 MB) that nothing here
    uses. This process holds no Django, no connection and no lock a worker could need, so
    a forked worker starts as clean as a spawned one (and sooner). uvicorn reads the
    context from this module attribute when it starts each worker (pinned <1; a test
    checks the tree has no tracker)."""
    import multiprocessing

    import uvicorn._subprocess

    uvicorn._subprocess.spawn = multiprocessing.get_context("fork")  # type: ignore[assignment]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="blockdesk.common.supervisor")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--access-log", action="store_true")
    parser.add_argument("--proxy-headers", action="store_true")
    parser.add_argument("--forwarded-allow-ips", default="127.0.0.1")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--background", action="store_true")
    where.add_argument("--background-in-worker", action="store_true")
    parser.add_argument("--ws-compression", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    _start_reporting()
    # uvicorn's supervisor imports no application code: the app is a string that each
    # worker imports for itself.
    import uvicorn

    _fork_workers()
    # Every worker uvicorn forks from here (and forks again when one dies) stops with us.
    supervisor_pid = os.getpid()
    os.register_at_fork(after_in_child=lambda: die_with_parent(supervisor_pid))

    background = BackgroundChild(background_command()) if args.background else None
    if background is not None:
        background.start()
    lock_dir = None
    if args.background_in_worker:
        # The spawned workers inherit the environment; the directory is this server's own.
        lock_dir = tempfile.TemporaryDirectory(prefix="blockdesk-background-")
        os.environ[LOCK_ENV] = str(Path(lock_dir.name) / "background.lock")
    try:
        uvicorn.run(
            "blockdesk.asgi:application",
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level="info",
            access_log=args.access_log,
            lifespan="off",
            proxy_headers=args.proxy_headers,
            forwarded_allow_ips=args.forwarded_allow_ips,
            ws_max_size=1 << 20,
            ws_per_message_deflate=args.ws_compression,
        )
    finally:
        if background is not None:
            background.stop()
        if lock_dir is not None:
            lock_dir.cleanup()


if __name__ == "__main__":
    main()
