from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    """Its own app (tables `email_channel_*`) so the channel is one package: adding it
    touched no conversation service and no console code."""

    name = "blockdesk.connectors.email"
    label = "email_channel"
    verbose_name = "Email channel"

    def ready(self) -> None:
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.connectors.console import register_message_extra
        from blockdesk.connectors.email.console import email_extra

        register_message_extra(email_extra)
        # The polling fallback for mailboxes no `email imap` (IDLE) worker watches.
        register_periodic_job(poll_due_mailboxes)


def poll_due_mailboxes() -> None:
    """The periodic job. imapclient (~2 MB) is imported when a poll runs, not by every web
    worker at start-up (docs/benchmarks.md, "Memory")."""
    from blockdesk.connectors.email.imap import poll_due_mailboxes as poll

    poll()
