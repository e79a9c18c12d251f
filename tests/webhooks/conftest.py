"""A real HTTP receiver on 127.0.0.1 that checks signatures the way docs/webhooks.md
tells integrators to, and a way to run the real database task worker."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from blockdesk.webhooks.models import WebhookDelivery
from blockdesk.webhooks.signing import verify
from tests.support.live_server import free_port


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    valid_signature: bool
    status: int = 0

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers `fail_with` (e.g. 500) `failures` times, then 200 — or 401 when the
    signature does not verify with `secret`."""

    port: int
    secret: str = ""
    failures: int = 0
    fail_with: int = 500
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/blockdesk?src=test"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                valid = verify(
                    secret=receiver.secret,
                    timestamp=self.headers.get("X-Blockdesk-Timestamp", ""),
                    body=body,
                    signature=self.headers.get("X-Blockdesk-Signature", ""),
                )
                if receiver.failures > 0:
                    receiver.failures -= 1
                    status = receiver.fail_with
                else:
                    status = 200 if valid else 401
                receiver.received.append(Received(dict(self.headers.items()), body, valid, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(port=free_port())
    r.start()
    yield r
    r.stop()


@pytest.fixture
def down_receiver() -> Iterator[Receiver]:
    """A receiver whose port is closed until the test calls start()."""
    r = Receiver(port=free_port())
    yield r
    r.stop()


@pytest.fixture(autouse=True)
def _webhook_settings(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 3
    settings.WEBHOOK_MAX_ATTEMPTS = 4


def fan_out(*, timeout: float = 90.0) -> int:
    """What `manage.py events run` does for webhooks: the fan-out consumer reads the
    event log and creates the deliveries (and their tasks). Waits until it has read every
    committed event: on PostgreSQL a transaction elsewhere in the cluster (another test
    run) can hold new events back for a moment (docs/events.md, "Ordering")."""
    from blockdesk.events import log
    from blockdesk.events.consumers import dispatch_once
    from blockdesk.events.models import ConsumerCursor, Event

    name = "webhooks.fan_out"
    total = 0
    deadline = time.monotonic() + timeout
    while True:
        got = dispatch_once(name)
        total += got
        if got:
            continue
        position = ConsumerCursor.objects.get(name=name).position
        unread = log.after(Event.objects.all(), position).exists()
        if not unread or time.monotonic() > deadline:
            return total
        time.sleep(0.05)


def run_worker() -> None:
    """The event dispatcher for webhooks, then the real task worker as `manage.py
    db_worker --batch` runs it, over every queue."""
    fan_out()
    call_command(
        "db_worker", batch=True, queue_name="*", startup_delay=False, reload=False, verbosity=0
    )


def fast_forward() -> None:
    """Let the backoff elapse: retries already due for the worker and the claim."""
    now = timezone.now()
    WebhookDelivery.objects.filter(status="retrying").update(next_attempt_at=now)
    DBTaskResult.objects.filter(status="READY").update(run_after=now)
