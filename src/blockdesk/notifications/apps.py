from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "blockdesk.notifications"
    label = "notifications"
    verbose_name = _("Customer notifications")

    def ready(self) -> None:
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.notifications.services import do_send_due_reply_emails

        # The sweep behind the reply-email consumer: a schedule whose task was lost.
        register_periodic_job(do_send_due_reply_emails)
