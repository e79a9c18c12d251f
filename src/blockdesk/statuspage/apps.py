from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatuspageConfig(AppConfig):
    name = "blockdesk.statuspage"
    label = "statuspage"
    verbose_name = _("Status page")

    def ready(self) -> None:
        from blockdesk.common.notices import register_notice_provider
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.notifications.subscriptions import register_list
        from blockdesk.statuspage import assistant_notice, event_consumers, event_types, services
        from blockdesk.statuspage.watcher import check_chain_components

        del event_types, event_consumers  # imported for their registrations
        register_list(services.LIST_NAME, _("Status updates"))
        register_periodic_job(check_chain_components)
        register_notice_provider(assistant_notice.incident_notice)
