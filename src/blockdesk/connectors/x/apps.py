from django.apps import AppConfig


class XChannelConfig(AppConfig):
    """Its own app (tables `x_channel_*`), behind the channel contract."""

    name = "blockdesk.connectors.x"
    label = "x_channel"
    verbose_name = "X channel"

    def ready(self) -> None:
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.connectors.console import register_message_extra
        from blockdesk.connectors.x.console import x_extra
        from blockdesk.connectors.x.inbound import poll_due_channels
        from blockdesk.connectors.x.inbound_media import retry_due_media

        # Mentions and DMs are polled; nothing runs for an inbox without credentials.
        register_periodic_job(poll_due_channels)
        # A customer's media X's host did not give at first (inbound_media.py).
        register_periodic_job(retry_due_media)
        # Under an X message in the console: media not fetched (yet), with the reason.
        register_message_extra(x_extra)
