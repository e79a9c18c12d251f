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
        from blockdesk.connectors.email.imap import poll_due_mailboxes

        register_message_extra(email_extra)
        # The polling fallback for mailboxes no `email imap` (IDLE) worker watches.
        register_periodic_job(poll_due_mailboxes)
