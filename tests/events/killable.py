"""A worker for test_worker_kill: registers a consumer that SIGKILLs its own process the
first time it meets event n=1 (after writing its effect), then runs `events run`."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from blockdesk.events import consumers
from blockdesk.events.models import Event
from tests.events import support


def main(*, mode: str, marker: str, once: bool) -> None:
    settings.EVENT_LEASE_SECONDS = 1.0
    support.register_types()

    def handle(event: Event) -> None:
        support.project_idempotent(event)  # idempotent by event id, as documented
        if event.payload["n"] == 1 and not Path(marker).exists():
            Path(marker).write_text("killed")
            os.kill(os.getpid(), signal.SIGKILL)

    consumers.register_consumer("kill.test", handle, mode=mode)  # type: ignore[arg-type]
    if once:
        call_command("events", "run", "--once")
    else:
        call_command("events", "run")
