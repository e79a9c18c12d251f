from django.apps import AppConfig


class XChannelConfig(AppConfig):
    """Its own app (tables `x_channel_*`), behind the channel contract."""

    name = "blockdesk.connectors.x"
    label = "x_channel"
    verbose_name = "X channel"

    def ready(self) -> None:
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.connectors.x.inbound import poll_due_channels

        # Mentions and DMs are polled; nothing runs for an inbox without credentials.
        register_periodic_job(poll_due_channels)
