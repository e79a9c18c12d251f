from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "blockdesk.triage"
    label = "triage"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from blockdesk.assistant import tone
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.triage import event_consumers, event_types, timeline_kinds
        from blockdesk.triage.services import do_rescore_waiting
        from blockdesk.triage.tone import mood_tone

        del event_consumers, event_types  # imported for their registrations
        timeline_kinds.register()
        # Waiting time grows without events: open cases are rescored now and then.
        register_periodic_job(do_rescore_waiting)
        # The assistant's tone reads the mood through this hook (docs/triage.md, "Tone").
        if mood_tone not in tone.TONE_HINTS:
            tone.TONE_HINTS.append(mood_tone)
