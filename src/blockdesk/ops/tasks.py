"""Tasks whose worker died mid-run are run again, once.

django-tasks' database backend (`django_tasks_db`) claims a task by committing
`status=RUNNING` (with `started_at` and the worker's id appended to `worker_ids`) and
runs it outside any transaction. A worker killed with `kill -9` (or a node lost) leaves
the row RUNNING for ever: the backend has no lease or heartbeat, so nothing would run
it again. This periodic job puts a task RUNNING for longer than
`BLOCKDESK_TASK_STALE_SECONDS` back to READY, once; a task whose second run also
stalls is marked FAILED (a task that kills its worker must not loop).

The UPDATE is conditional on the row still being RUNNING since the same `started_at`,
so two nodes running the job at once requeue it only once. The price: a task that
legitimately runs longer than the limit runs twice, so keep the limit well above the
longest task (webhook and email sends time out in seconds; a KB reindex takes a minute)
and keep tasks idempotent (they are: deliveries are keyed by event id).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# Claims a task may have had (the first run and one rerun) before it is given up.
MAX_CLAIMS = 2


def requeue_stale_tasks(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """(requeued, failed) tasks whose worker is presumed dead."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.OPS_TASK_STALE_SECONDS)
    stale = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
    requeued = failed = 0
    for pk, started_at, worker_ids in stale.values_list("pk", "started_at", "worker_ids"):
        same_run = DBTaskResult.objects.filter(
            pk=pk, status=TaskResultStatus.RUNNING, started_at=started_at
        )
        if len(worker_ids or []) >= MAX_CLAIMS:
            changed = same_run.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path="blockdesk.ops.tasks.WorkerLost",
                traceback="The worker running this task stopped twice before it finished.",
            )
            failed += changed
            if changed:
                logger.error("task %s failed: its worker was lost twice", pk)
            continue
        changed = same_run.update(status=TaskResultStatus.READY, started_at=None)
        requeued += changed
        if changed:
            logger.warning("task %s requeued: its worker stopped mid-run", pk)
    return requeued, failed


def periodic_requeue() -> None:
    requeue_stale_tasks()


@task()
def drill_task(marker: str, seconds: float) -> int:
    """For bench/fault_task_worker_kill.py: appends a line to `marker` per run and, on
    its first run only, sleeps (the drill kills the worker then). Returns the run count."""
    path = Path(marker)
    with path.open("a") as fh:
        fh.write(f"run at {time.time()}\n")
    runs = len(path.read_text().splitlines())
    if runs == 1:
        time.sleep(seconds)
    return runs
