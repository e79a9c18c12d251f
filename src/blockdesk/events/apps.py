from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "blockdesk.events"
    label = "events"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from blockdesk.common.background import register_background_loop
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.events import checks  # noqa: F401  (registers the system check)
        from blockdesk.events.runner import run_forever
        from blockdesk.events.services import do_purge_events

        # Each app declares its event types in event_types.py and its consumers in
        # event_consumers.py; importing them registers them.
        autodiscover_modules("event_types")
        autodiscover_modules("event_consumers")
        register_periodic_job(do_purge_events)
        # The embedded mode's dispatcher: a thread of `manage.py serve`.
        register_background_loop("events", run_forever)
