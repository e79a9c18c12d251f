import logging

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "blockdesk.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        # Deliveries are created by the `webhooks.fan_out` event consumer
        # (event_consumers.py, imported by EventsConfig.ready).
        # httpx logs every request URL at INFO; webhook URLs often carry a token in
        # their path or query, and tokens must not reach the logs.
        logging.getLogger("httpx").setLevel(logging.WARNING)
