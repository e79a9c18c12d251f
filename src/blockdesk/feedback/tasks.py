"""Background sends (django-tasks, default queue)."""

from __future__ import annotations

from django_tasks import task

from blockdesk.feedback import notify


@task()
def notify_voters(change_id: int) -> int:
    return notify.do_notify_voters(change_id=change_id)
