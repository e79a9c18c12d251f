"""Real-time fan-out. Events go out only after the transaction commits, so a client
never hears about a row it cannot read yet (and never about one that rolled back)."""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def inbox_group(inbox_id: int) -> str:
    return f"inbox.{inbox_id}"


def contact_group(contact_id: int) -> str:
    return f"contact.{contact_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


class _Publisher:
    """Pushes from request threads, sent in order by one task on the server's event loop.

    A push used to block its thread in `async_to_sync` until the layer had it, once per
    group, five times for a customer's first message (a round trip to the loop each,
    measured in docs/benchmarks/widget.md, issue 17). Now the thread queues it and goes
    on; one task per burst sends the queue in order, so a client still hears a case's
    changes in the order they committed. Without a bound loop that is running (a
    management command, a task worker, the test client) a push is sent at once, as
    before.

    While a request thread runs a request (`holding`), its pushes are queued in commit
    order as ever but do not wake the loop; the server wakes it once the view has
    returned (`release`), so a request's pushes (four or five for a message) leave in one
    burst: one wake-up, and on Redis one command (a script)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[tuple[list[str], dict[str, Any]]] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._draining = False
        self._held = threading.local()
        # start_own_loop's loop, and the process that started it.
        self._own_loop: asyncio.AbstractEventLoop | None = None
        self._own_loop_pid = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._loop is not loop:
            with self._lock:
                previous, self._loop = self._loop, loop
                self._draining = False
                mine = previous is self._own_loop and self._own_loop_pid == os.getpid()
                if not mine:
                    self._queue.clear()  # a finished loop's leftovers: never to be sent
                elif self._queue:
                    # From this process's own loop to a server's: what it had not sent yet
                    # goes out from the new one (its drain stops at the next burst).
                    self._draining = True
                    loop.call_soon_threadsafe(self._start, loop)

    def submit(self, groups: list[str], message: dict[str, Any]) -> bool:
        """Queues the push; False when there is no running loop to send it from."""
        loop = self._loop
        if loop is None or loop.is_closed() or not loop.is_running() or self._orphaned():
            return False
        with self._lock:
            self._queue.append((groups, message))
            if self._draining or getattr(self._held, "on", False):
                return True
            self._draining = True
        try:
            loop.call_soon_threadsafe(self._start, loop)
        except RuntimeError:  # the loop closed in between
            with self._lock:
                self._draining = False
            return False
        return True

    @contextmanager
    def holding(self) -> Iterator[None]:
        """In a request thread, around the request: see the class."""
        self._held.on = True
        try:
            yield
        finally:
            self._held.on = False

    def release(self) -> None:
        """On the server's loop, after a request's thread work: sends what it queued."""
        loop = self._loop
        if loop is None or not loop.is_running():
            return
        with self._lock:
            if self._draining or not self._queue:
                return
            self._draining = True
        self._start(loop)

    def start_own_loop(self) -> bool:
        """A process without a server loop (a task worker, a management command): an
        event loop on a thread of its own, bound like a server's, so that its pushes go
        through the queue and one script call on one lasting Redis connection. Each
        `async_to_sync` push made a loop, and so a Redis connection, of its own: 3.2 ms
        of CPU for one message's pushes (issue 17). False when a server's running loop
        is bound. Started once per process (a forked child starts its own: the parent's
        thread did not come along)."""
        with self._lock:
            if self._loop is not None and self._loop.is_running() and not self._orphaned():
                return False
            own = self._own_loop
            started = threading.Event()
            if own is None or self._own_loop_pid != os.getpid():
                own = asyncio.new_event_loop()
                own.call_soon(started.set)  # the first thing the loop does
                threading.Thread(
                    target=own.run_forever, name="realtime-publisher", daemon=True
                ).start()
                self._own_loop, self._own_loop_pid = own, os.getpid()
                atexit.register(self.flush, 2.0)
            else:
                started.set()
        if not started.wait(5):
            return False  # the thread never ran: push the old way
        self.bind(own)
        return True

    def _orphaned(self) -> bool:
        # The bound loop is a parent process's own loop: its thread did not survive fork.
        return self._loop is self._own_loop and self._own_loop_pid != os.getpid()

    def flush(self, timeout: float) -> None:
        """Waits (up to `timeout` s) until the queued pushes are sent: at the exit of a
        process whose loop thread would otherwise die with them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._queue and not self._draining:
                    return
            time.sleep(0.01)

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        _tasks.add(task := loop.create_task(self._drain(loop)))
        task.add_done_callback(_tasks.discard)

    async def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        layer = get_channel_layer()
        send_many = getattr(layer, "group_send_many", None)  # the Redis layer's burst
        while True:
            with self._lock:
                if self._loop is not loop:
                    return  # bound to another loop since: `_draining` is that loop's
                if not self._queue:
                    self._draining = False
                    return
                burst = [(group, message) for groups, message in self._queue for group in groups]
                self._queue.clear()
            if send_many is not None:
                try:
                    await send_many(burst)
                except Exception:
                    logger.exception("realtime push of %s events failed", len(burst))
                continue
            for group, message in burst:
                try:
                    await layer.group_send(group, message)
                except Exception:
                    logger.exception("realtime push to %s failed", group)


_publisher = _Publisher()
# Strong references to the drain tasks (the loop keeps only weak ones).
_tasks: set[asyncio.Task[None]] = set()


def holding_pushes() -> AbstractContextManager[None]:
    """Around a request's work in its thread (common/asgi_http.py)."""
    return _publisher.holding()


def release_pushes() -> None:
    """On the loop, once the request's thread work is done, even if it failed."""
    _publisher.release()


def publishing_from_loop(app: Any) -> Any:
    """ASGI wrapper: pushes made during this server's requests are sent from its loop."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        _publisher.bind(asyncio.get_running_loop())
        await app(scope, receive, send)

    return wrapped


def _send(groups: list[str], event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "broadcast", "event": event}
    if _publisher.submit(groups, message):
        return
    # Redis (scale-out) only: the embedded in-memory layer's queues belong to the
    # server's loop, and there a push without one is sent at once, as before.
    redis = hasattr(layer, "group_send_many")
    if redis and _publisher.start_own_loop() and _publisher.submit(groups, message):
        return
    for group in groups:
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception:
            # The write has committed; a failed push is recovered by the clients'
            # catch-up fetch, so log it and go on rather than fail the request.
            logger.exception("realtime push to %s failed", group)


def publish_on_commit(groups: list[str], event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _send(groups, event))
