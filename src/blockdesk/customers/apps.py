from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "blockdesk.customers"
    label = "customers"
    verbose_name = _("Customer accounts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.customers import event_types, services

        del event_types  # imported for its registrations
        register_periodic_job(services.do_purge_expired)
