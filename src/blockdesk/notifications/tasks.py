"""Background sends of reply emails (default queue, `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from blockdesk.notifications import services


@task()
def send_reply_email(conversation_id: int) -> str:
    return services.do_send_reply_email(conversation_id=conversation_id)
