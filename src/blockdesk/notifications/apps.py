from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "blockdesk.notifications"
    label = "notifications"
    verbose_name = _("Customer notifications")

    def ready(self) -> None:
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.connectors.email.hooks import ANTI_PHISHING_CODE
        from blockdesk.notifications.services import do_send_due_reply_emails
        from blockdesk.trust.selectors import anti_phishing_code_for

        # The email channel's replies print the customer's code too (trust is above it).
        if anti_phishing_code_for not in ANTI_PHISHING_CODE:
            ANTI_PHISHING_CODE.append(anti_phishing_code_for)

        # The sweep behind the reply-email consumer: a schedule whose task was lost.
        register_periodic_job(do_send_due_reply_emails)
        from blockdesk.notifications.subscriptions import do_resume_mailings

        register_periodic_job(do_resume_mailings)

        # Leads hear about surge mode (the staffing app's events, read by name).
        from blockdesk.events.consumers import register_consumer
        from blockdesk.notifications import surge_alerts

        register_consumer(
            surge_alerts.CONSUMER,
            surge_alerts.handle_surge_event,
            event_names=[surge_alerts.STARTED, surge_alerts.ENDED],
        )
        # Team leads hear about low satisfaction ratings (the surveys app's event).
        from blockdesk.notifications import lead_alerts

        register_consumer(
            lead_alerts.CONSUMER,
            lead_alerts.handle_lead_event,
            event_names=[lead_alerts.LOW_RATING],
        )
