from django.apps import AppConfig


class StaffingConfig(AppConfig):
    name = "blockdesk.staffing"
    label = "staffing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.staffing import (
            event_types,  # noqa: F401  (registers surge events)
            surge,
        )

        register_periodic_job(surge.do_check_surges)
