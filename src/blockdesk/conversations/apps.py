from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "blockdesk.conversations"
    label = "conversations"

    def ready(self) -> None:
        # Transaction watches started from a conversation report back into it.
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.conversations import (
            chain_hooks,  # noqa: F401
            timeline_kinds,
        )
        from blockdesk.conversations.services import do_reopen_due_snoozed

        timeline_kinds.register()
        register_periodic_job(do_reopen_due_snoozed)
