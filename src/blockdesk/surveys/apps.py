from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "blockdesk.surveys"
    label = "surveys"
    verbose_name = _("Satisfaction surveys")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.surveys import event_types, followup, nps, services, timeline_kinds

        del event_types  # imported for its registration

        timeline_kinds.register()
        # The event consumer (event_consumers.py) is imported by the events app.
        register_periodic_job(services.do_send_due_offers)
        register_periodic_job(followup.do_send_due_followups)
        register_periodic_job(nps.do_run_nps)
