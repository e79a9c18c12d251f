"""Background work on the `webhooks` queue (run by `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from blockdesk.webhooks import services


@task(queue_name="webhooks")
def deliver_webhook(delivery_id: int) -> str:
    return services.do_attempt_delivery(delivery_id=delivery_id)
