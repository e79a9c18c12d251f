from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "blockdesk.quality"
    label = "quality"
    verbose_name = _("Agent quality")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from blockdesk.quality import timeline_kinds

        timeline_kinds.register()
        # The event types (event_types.py) are imported by the events app.
