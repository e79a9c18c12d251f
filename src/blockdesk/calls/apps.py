from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "blockdesk.calls"
    label = "calls"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from blockdesk.calls import checks, signalling, timeline_kinds

        # The call.* frames on both sockets, and the cleanup when a socket goes.
        signalling.register()
        timeline_kinds.register()
        checks.register()
