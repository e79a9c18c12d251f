"""Serve Blockdesk over ASGI (uvicorn), with a background task worker and the periodic
jobs in the same process tree unless they run elsewhere (BLOCKDESK_EMBEDDED_WORKER=false)."""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from blockdesk.common.periodic import run_periodic_forever


class Command(BaseCommand):
    help = "Serve the app (HTTP + WebSocket) with an embedded task worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument("--no-worker", action="store_true", help="Do not start a task worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        worker: subprocess.Popen[bytes] | None = None
        if settings.RUN_EMBEDDED_WORKER and not options["no_worker"]:
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
            threading.Thread(target=run_periodic_forever, daemon=True, name="periodic").start()
        try:
            uvicorn.run(
                "blockdesk.asgi:application",
                host=options["host"],
                port=options["port"],
                workers=options["workers"],
                log_level="info",
                lifespan="off",
                ws_max_size=1 << 20,
            )
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
