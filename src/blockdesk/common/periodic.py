"""Periodic jobs (snooze wake-ups, retries, timeouts, clean-ups). Each job is idempotent, so running
it on several nodes at once is harmless."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import close_old_connections

logger = logging.getLogger(__name__)


_registered: list[Callable[[], object]] = []


def register_periodic_job(job: Callable[[], object]) -> Callable[[], object]:
    """Apps add their own jobs from AppConfig.ready() (idempotent, like the rest)."""
    if job not in _registered:
        _registered.append(job)
    return job


def jobs() -> list[Callable[[], object]]:
    """Every periodic job, each idempotent, as the apps registered them from ready()."""
    return list(_registered)


def run_periodic_once() -> None:
    for job in jobs():
        try:
            job()
        except Exception:
            # One failing job must not stop the others or the loop; it is logged loudly.
            logger.exception("periodic job %s failed", getattr(job, "__name__", job))
        finally:
            close_old_connections()


def run_periodic_forever(interval: float = 30.0) -> None:
    while True:
        run_periodic_once()
        time.sleep(interval)
