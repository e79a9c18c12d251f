from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "blockdesk.forum"
    label = "forum"
    verbose_name = _("Community forum")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from blockdesk.forum import event_types

        del event_types  # imported for its registrations
        from blockdesk.forum.knowledge import help_center_hits
        from blockdesk.kb.sources import register_search_source

        # Answered questions join the help center's search (kb cannot import the forum).
        register_search_source(help_center_hits)
        # The notification consumer (event_consumers.py) is imported by the events app.
