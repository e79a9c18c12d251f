"""Background sends (django-tasks, default queue): the work is in mail.py."""

from __future__ import annotations

from django_tasks import task

from blockdesk.education import mail


@task()
def send_welcome_step(send_id: int) -> str:
    return mail.do_send_step(send_id=send_id)


@task()
def send_session_reminder(registration_id: int) -> str:
    return mail.do_send_reminder(registration_id=registration_id)
