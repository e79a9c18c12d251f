from django.apps import AppConfig


class TelegramChannelConfig(AppConfig):
    """Its own app (tables `telegram_channel_*`): adding the channel touched no
    conversation service and no console code."""

    name = "blockdesk.connectors.telegram"
    label = "telegram_channel"
    verbose_name = "Telegram channel"

    def ready(self) -> None:
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.connectors.console import register_message_extra
        from blockdesk.connectors.telegram.console import telegram_extra

        register_message_extra(telegram_extra)
        # Long polling for bots without a public URL when no `telegram poll` worker runs.
        register_periodic_job(poll_telegram_bots)


def poll_telegram_bots() -> None:
    """The periodic job. python-telegram-bot (~14 MB) is imported when a poll runs, not by
    every web worker at start-up (docs/benchmarks.md, "Memory")."""
    from blockdesk.connectors.telegram.polling import poll_due_bots

    poll_due_bots()
