"""Queueing a background task from a service: after the commit (the task never looks for a
row it cannot see yet, nor for one that rolled back), deferred when asked.

Every caller has a periodic sweep that queues again what is due, so a queueing that fails
(a backend down for a moment) or cannot wait (a backend without deferral: the immediate
one) is logged and left to the sweep, never raised into a committed request."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import DatabaseError, transaction
from django_tasks.base import Task

logger = logging.getLogger(__name__)


def enqueue_on_commit(
    task: Task[Any, Any], *args: Any, run_after: dt.datetime | None = None
) -> None:
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # the caller's periodic sweep sends it when due
        task = task.using(run_after=run_after)

    def send() -> None:
        try:
            task.enqueue(*args)
        except DatabaseError:
            # The database backend could not store the task (the immediate backend runs
            # it and records any failure itself). The row is stored; the caller's sweep
            # queues it again later. A task the backend refuses (InvalidTaskError: bad
            # arguments) is a bug and raises.
            logger.exception("could not enqueue %s%r", task.name, args)

    transaction.on_commit(send)
