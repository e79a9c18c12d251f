from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnouncementsConfig(AppConfig):
    name = "blockdesk.announcements"
    label = "announcements"
    verbose_name = _("Announcements")

    def ready(self) -> None:
        from blockdesk.announcements import assistant_notice, event_types, services
        from blockdesk.common.notices import register_notice_provider
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.notifications.subscriptions import register_list

        del event_types  # imported for its registrations
        register_list(services.LIST_NAME, _("Announcements and updates"))
        register_periodic_job(services.do_publish_due_posts)
        register_notice_provider(assistant_notice.what_changed)
        from blockdesk.announcements import event_consumers

        del event_consumers
