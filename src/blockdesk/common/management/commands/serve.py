"""Serve Blockdesk over ASGI (uvicorn), with a background task worker and the periodic
jobs in the same process tree unless they run elsewhere (BLOCKDESK_EMBEDDED_WORKER=false).

With `--workers N` (N > 1) this Django process reads the settings and then becomes the
light supervisor (common/supervisor.py, exec: same pid, no Django left in memory); the
task worker, the periodic jobs and the background loops run in one child process,
`serve_background`, which the supervisor restarts if it dies (docs/deploy.md)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, NoReturn

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from blockdesk.common.background import run_task_worker, start_background_threads
from blockdesk.common.rlimits import raise_open_files_limit


class Command(BaseCommand):
    help = "Serve the app (HTTP + WebSocket) with an embedded task worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument("--no-worker", action="store_true", help="Do not start a task worker.")
        parser.add_argument(
            "--no-access-log",
            action="store_true",
            help="No log line per HTTP request (default: BLOCKDESK_ACCESS_LOG, true).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # One descriptor per socket: a soft limit of 1,024 would cap the node there.
        raise_open_files_limit()
        worker: subprocess.Popen[bytes] | None = None
        embedded = settings.RUN_EMBEDDED_WORKER and not options["no_worker"]
        access_log = settings.ACCESS_LOG and not options["no_access_log"]
        if options["workers"] > 1:
            if not settings.REDIS_URL:
                # Without Redis each worker's channel layer is its own memory.
                self.stderr.write(
                    "Warning: --workers without REDIS_URL: a live update reaches only the"
                    " sockets of the worker that sent it (clients catch up when they"
                    " reconnect). Set REDIS_URL, or run one worker (docs/deploy.md)."
                )
            exec_supervisor(supervisor_argv(options, background=embedded, access_log=access_log))
        if embedded and not settings.REDIS_URL:
            # The in-memory channel layer lives in this process: a worker in another process
            # could not reach the sockets, so it runs here, in a thread.
            threading.Thread(target=run_task_worker, daemon=True, name="tasks").start()
            start_background_threads()
        elif embedded:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "django",
                    "db_worker",
                    "--queue-name",
                    "*",
                    "--interval",
                    "0.5",
                ],
            )
            start_background_threads()
        try:
            uvicorn.run(
                "blockdesk.asgi:application",
                host=options["host"],
                port=options["port"],
                workers=options["workers"],
                log_level="info",
                access_log=access_log,
                lifespan="off",
                # uvicorn would otherwise believe X-Forwarded-For/-Proto from any loopback
                # peer; only BLOCKDESK_TRUST_X_FORWARDED_FOR turns that on (common/ratelimit).
                proxy_headers=settings.TRUST_X_FORWARDED_FOR,
                forwarded_allow_ips=settings.FORWARDED_ALLOW_IPS,
                ws_max_size=1 << 20,
                ws_per_message_deflate=settings.WS_COMPRESSION,
            )
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)


def supervisor_argv(options: dict[str, Any], *, background: bool, access_log: bool) -> list[str]:
    """The light supervisor's command line: what it needs of the settings, read here."""
    argv = [
        sys.executable,
        "-m",
        "blockdesk.common.supervisor",
        "--host",
        str(options["host"]),
        "--port",
        str(options["port"]),
        "--workers",
        str(options["workers"]),
        "--forwarded-allow-ips",
        str(settings.FORWARDED_ALLOW_IPS),
    ]
    if access_log:
        argv.append("--access-log")
    # uvicorn would otherwise believe X-Forwarded-For/-Proto from any loopback peer; only
    # BLOCKDESK_TRUST_X_FORWARDED_FOR turns that on (common/ratelimit).
    if settings.TRUST_X_FORWARDED_FOR:
        argv.append("--proxy-headers")
    if background:
        argv.append("--background-in-worker" if settings.BACKGROUND_IN_WORKER else "--background")
    if settings.WS_COMPRESSION:
        argv.append("--ws-compression")
    return argv


def exec_supervisor(argv: list[str]) -> NoReturn:
    """Replaces this process (same pid, so signals sent to `serve` reach the supervisor and
    the metrics directory named after it stays valid). The environment carries the
    settings module and `src` on PYTHONPATH, for the workers and the background child."""
    src = str(Path(__file__).resolve().parents[4])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, env)  # noqa: S606 - our own interpreter and fixed arguments
