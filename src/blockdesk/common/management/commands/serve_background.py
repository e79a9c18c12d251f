"""The background child of `serve --workers N`: the task worker, the periodic jobs and the
loops the apps registered (the event dispatcher), in one process beside the uvicorn workers.
The light supervisor (common/supervisor.py) starts it and starts it again if it dies."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand

from blockdesk.common.background import make_task_worker, start_background_threads
from blockdesk.common.supervisor import PARENT_ENV, die_with_parent


class Command(BaseCommand):
    help = "Run the task worker, the periodic jobs and the background loops (serve's child)."

    def handle(self, *args: Any, **options: Any) -> None:
        if parent := os.environ.get(PARENT_ENV):
            # A supervisor killed outright must not leave this process running alone.
            die_with_parent(int(parent))
        worker = make_task_worker()
        # The task worker runs in the main thread: on SIGTERM/SIGINT it finishes (or
        # gives back) its task and returns, which ends the process and the daemon threads.
        worker.configure_signals()
        start_background_threads()
        worker.run()
