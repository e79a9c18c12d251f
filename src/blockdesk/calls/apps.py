from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "blockdesk.calls"
    label = "calls"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from blockdesk.calls import checks, recordings, signalling, timeline_kinds
        from blockdesk.calls.models import CallRecording

        # The call.* frames on both sockets, and the cleanup when a socket goes.
        signalling.register()
        timeline_kinds.register()
        checks.register()
        # A recording's file is deleted with its row (purge, conversation, erasure).
        post_delete.connect(
            recordings.delete_file_with_row, sender=CallRecording, dispatch_uid="call-recording"
        )
