"""Background sends of reply emails (default queue, `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from blockdesk.notifications import services, subscriptions


@task()
def send_reply_email(conversation_id: int) -> str:
    return services.do_send_reply_email(conversation_id=conversation_id)


@task()
def send_list_confirmation(subscriber_id: int) -> bool:
    return subscriptions.do_send_confirmation(subscriber_id=subscriber_id)


@task()
def send_list_batch(mailing_id: int) -> int:
    return subscriptions.do_send_mailing_batch(mailing_id=mailing_id)
