from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EducationConfig(AppConfig):
    name = "blockdesk.education"
    label = "education"
    verbose_name = _("Onboarding and education")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.education import community, sessions, welcome

        # event_types.py and event_consumers.py are imported by the events app.
        register_periodic_job(welcome.do_queue_due_steps)
        register_periodic_job(sessions.do_send_due_reminders)
        community.register()  # the forum badge and the vote budget by trust level
