import logging

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "blockdesk.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        from blockdesk.common.events import domain_event
        from blockdesk.webhooks.services import on_domain_event

        domain_event.connect(on_domain_event, dispatch_uid="blockdesk.webhooks.fan_out")
        # httpx logs every request URL at INFO; webhook URLs often carry a token in
        # their path or query, and tokens must not reach the logs.
        logging.getLogger("httpx").setLevel(logging.WARNING)
