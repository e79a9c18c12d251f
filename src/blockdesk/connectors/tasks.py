"""Background sends of channel deliveries (default queue, `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from blockdesk.connectors import contract_delivery


@task()
def deliver_outbound(delivery_id: int) -> str:
    return contract_delivery.do_attempt_delivery(delivery_id=delivery_id)
