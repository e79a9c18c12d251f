from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "blockdesk.feedback"
    label = "feedback"
    verbose_name = _("Suggestions and roadmap")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # event_types.py is imported by the events app at start-up.
        pass
