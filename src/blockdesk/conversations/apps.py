from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "blockdesk.conversations"
    label = "conversations"

    def ready(self) -> None:
        # Transaction watches started from a conversation report back into it.
        from blockdesk.conversations import chain_hooks  # noqa: F401
