"""The background work of a node: the task worker, the periodic jobs and the loops the apps
register (the event dispatcher is one), and where `manage.py serve` runs them:

- one process (`serve`): in threads beside the server;
- `serve --workers N`: in one child process (`serve_background`), or, on SQLite by default
  (BLOCKDESK_BACKGROUND_IN_WORKER), in the threads of whichever web worker holds the
  node's background lock (`host_background_if_elected`), which saves a whole Django
  process (issue 17, "Memory").

Apps register their loops from AppConfig.ready(), so this module, which lives in
`common`, imports no app."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from blockdesk.common.periodic import run_periodic_forever

logger = logging.getLogger(__name__)

Loop = Callable[[], object]

# Set by the supervisor for its web workers when they host the background work: the lock
# file (in a directory of the supervisor's own) one of them holds at a time.
LOCK_ENV = "BLOCKDESK_BACKGROUND_LOCK"

_loops: dict[str, Loop] = {}
_held: list[int] = []  # the lock's descriptor, open for the life of the process


def register_background_loop(name: str, loop: Loop) -> None:
    """`loop` runs until the process ends (a daemon thread named `name`)."""
    _loops[name] = loop


def background_loops() -> list[tuple[str, Loop]]:
    return sorted(_loops.items())


def start_background_threads() -> None:
    """The periodic jobs and the registered loops, each in a daemon thread."""
    threading.Thread(target=run_periodic_forever, daemon=True, name="periodic").start()
    for name, loop in background_loops():
        threading.Thread(target=loop, daemon=True, name=name).start()


def make_task_worker() -> Any:
    """django_tasks_db's worker over every queue (an Any: the package has no types)."""
    from django.utils.crypto import get_random_string
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["*"],
        interval=0.5,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="embedded-" + get_random_string(24),
        excluded_queue_names=[],
    )


def run_task_worker() -> None:
    make_task_worker().run()


def host_background_if_elected() -> None:
    """In a web worker whose supervisor named a background lock (LOCK_ENV): a thread waits
    for the lock, and the worker that gets it runs the task worker, the periodic jobs and
    the loops in its threads. The kernel releases the lock when that worker dies, so
    another worker (or the one the supervisor starts instead) takes over; a task cut off
    with it is put back by the periodic stale-task job (ops.tasks.requeue_stale_tasks) and
    runs again. No lock named: nothing to do."""
    path = os.environ.get(LOCK_ENV)
    if path:
        threading.Thread(
            target=_wait_and_host, args=(path,), daemon=True, name="background-lock"
        ).start()


def _wait_and_host(path: str) -> None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)  # blocks while another worker of this node holds it
    _held.append(fd)
    logger.info("worker [%s] runs the background work (task worker, periodic jobs)", os.getpid())
    start_background_threads()
    run_task_worker()
