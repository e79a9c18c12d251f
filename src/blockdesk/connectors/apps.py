from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    """Channel kinds (web widget today; email, Telegram, Discord next): one model and
    package per kind behind one contract (contract.py). Named so it cannot be mistaken for
    Django Channels; until December 2026 this app was `channels_` (migration 0001 adopts it)."""

    name = "blockdesk.connectors"
    label = "connectors"
    verbose_name = "Connectors"

    def ready(self) -> None:
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.connectors.console import register_message_extra
        from blockdesk.connectors.contract_delivery import do_send_due_deliveries
        from blockdesk.connectors.views import delivery_extra

        # The sweep behind the deliveries consumer: a delivery whose task was lost.
        register_periodic_job(do_send_due_deliveries)
        # The delivery status (and retry button) under outbound messages in the console.
        register_message_extra(delivery_extra)
