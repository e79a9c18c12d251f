from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "blockdesk.workspace"
    label = "workspace"

    def ready(self) -> None:
        from blockdesk.conversations.models import ConversationEvent
        from blockdesk.conversations.timeline import register_timeline_kind
        from blockdesk.workspace import panels

        # Written by conversations.chain_hooks; its line is the console's transaction panel
        # presentation, so the console registers it.
        kind = ConversationEvent.Kind.DIAGNOSIS
        register_timeline_kind(kind, kind.label, describe=panels.describe_diagnosis)
