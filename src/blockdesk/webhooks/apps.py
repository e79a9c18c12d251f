import logging

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "blockdesk.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.webhooks.services import do_requeue_due_deliveries

        register_periodic_job(do_requeue_due_deliveries)
        # Deliveries are created by the `webhooks.fan_out` event consumer
        # (event_consumers.py, imported by EventsConfig.ready).
        # httpx logs every request URL at INFO; webhook URLs often carry a token in
        # their path or query, and tokens must not reach the logs.
        logging.getLogger("httpx").setLevel(logging.WARNING)
