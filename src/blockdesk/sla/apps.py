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
        register_periodic_job(do_fire_due_timers)
