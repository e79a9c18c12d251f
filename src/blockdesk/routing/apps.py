from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "blockdesk.routing"
    label = "routing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.common.socket_handlers import (
            register_disconnect_hook,
            register_socket_handler,
        )
        from blockdesk.routing import event_consumers, event_types, presence, timeline_kinds
        from blockdesk.routing.services import do_drain_queues, do_reassign_silent

        del event_consumers, event_types  # imported for their registrations
        timeline_kinds.register()
        # Presence by activity: the console sends a heartbeat frame on the agent socket
        # (static/routing/presence.js); a closed socket is a disconnect (docs/routing.md).
        register_socket_handler("agent", presence.HEARTBEAT, presence.on_heartbeat)
        register_disconnect_hook("agent", presence.on_disconnect)
        register_periodic_job(presence.do_expire_sockets)
        register_periodic_job(do_reassign_silent)
        # A safety net: slots that freed without an event (a capacity raised by hand, an
        # agent whose stale socket expired) are filled on the next pass.
        register_periodic_job(do_drain_queues)
