from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "blockdesk.assistant"
    label = "assistant"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from blockdesk.assistant import selectors
        from blockdesk.assistant.models import AssistantSettings
        from blockdesk.assistant.services import do_resolve_timed_out
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.conversations import selectors as conv_selectors
        from blockdesk.conversations import services as conversations

        register_periodic_job(do_resolve_timed_out)

        # Cases in an inbox with the assistant on start `pending` and stay so while it
        # handles them (see conversations.services.BOT_HANDLES_*); the answer is kept on an
        # Inbox instance a few seconds, forgotten when any inbox's settings change here.
        post_save.connect(
            selectors.forget_enabled_memos, sender=AssistantSettings, dispatch_uid="assistant-memo"
        )
        post_delete.connect(
            selectors.forget_enabled_memos,
            sender=AssistantSettings,
            dispatch_uid="assistant-memo-del",
        )
        if selectors.enabled_for_inbox not in conversations.BOT_HANDLES_INBOX:
            conversations.BOT_HANDLES_INBOX.append(selectors.enabled_for_inbox)
        if selectors.handles_conversation not in conversations.BOT_HANDLES_CONVERSATION:
            conversations.BOT_HANDLES_CONVERSATION.append(selectors.handles_conversation)
        # The console's Assistant view: what the assistant is still handling.
        if selectors.handled_q not in conv_selectors.BOT_HANDLED_Q:
            conv_selectors.BOT_HANDLED_Q.append(selectors.handled_q)
