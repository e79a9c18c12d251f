"""A task whose worker died mid-run goes back to the queue once (ops/tasks.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from blockdesk.kb.search.tasks import reindex_kb
from blockdesk.ops.tasks import requeue_stale_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    settings.OPS_TASK_STALE_SECONDS = 600


def _claim(row: DBTaskResult, worker: str) -> None:
    # What db_worker does before it runs the task (then our worker "dies": no result).
    row.claim(worker)


def test_a_task_left_running_by_a_dead_worker_runs_again_once(db_tasks):
    result = reindex_kb.enqueue(account_id=1)
    row = DBTaskResult.objects.get(pk=result.id)
    _claim(row, "worker-a")
    now = timezone.now()

    # Not yet stale: a long task is left alone.
    assert requeue_stale_tasks(now=now + dt.timedelta(seconds=599)) == (0, 0)
    assert DBTaskResult.objects.get(pk=row.pk).status == TaskResultStatus.RUNNING

    later = now + dt.timedelta(seconds=601)
    assert requeue_stale_tasks(now=later) == (1, 0)
    again = DBTaskResult.objects.get(pk=row.pk)
    assert again.status == TaskResultStatus.READY and again.started_at is None
    assert DBTaskResult.objects.ready().filter(pk=row.pk).exists()
    # A second sweep (another node) does nothing more: one rerun, not two.
    assert requeue_stale_tasks(now=later) == (0, 0)

    # Its second worker dies too: given up, not looped.
    _claim(again, "worker-b")
    assert requeue_stale_tasks(now=timezone.now() + dt.timedelta(seconds=601)) == (0, 1)
    final = DBTaskResult.objects.get(pk=row.pk)
    assert final.status == TaskResultStatus.FAILED
    assert final.exception_class_path == "blockdesk.ops.tasks.WorkerLost"


def test_finished_tasks_are_never_touched(db_tasks):
    result = reindex_kb.enqueue(account_id=1)
    row = DBTaskResult.objects.get(pk=result.id)
    _claim(row, "worker-a")
    row.set_successful(3)
    assert requeue_stale_tasks(now=timezone.now() + dt.timedelta(days=1)) == (0, 0)
    assert DBTaskResult.objects.get(pk=row.pk).status == TaskResultStatus.SUCCESSFUL
