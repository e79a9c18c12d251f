from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "blockdesk.sla"
    label = "sla"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.sla import timeline_kinds
        from blockdesk.sla.timers import do_fire_due_timers

        timeline_kinds.register()
        # The account's time zone (reports, staffing) is its business hours' (accounts/zones).
        from blockdesk.accounts.zones import register_zone_provider
        from blockdesk.sla.schedules import account_zone_name

        register_zone_provider(account_zone_name)
        register_periodic_job(do_fire_due_timers)
