"""Reacting to conversation events (sent after commit, see common/events.py): a new
customer message in a case the assistant handles queues it for the actor; an agent
stepping in makes the assistant step back."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from blockdesk.common.events import domain_event

logger = logging.getLogger(__name__)


def _enqueue(message_id: int) -> None:
    from blockdesk.assistant.tasks import handle_customer_message

    try:
        handle_customer_message.enqueue(message_id)
    except Exception:  # the customer's message is stored; a failed enqueue must not 500
        logger.exception("assistant: could not enqueue message %s", message_id)


@receiver(domain_event, dispatch_uid="assistant.on_domain_event")
def on_domain_event(
    sender: Any, account_id: int, name: str, payload: dict[str, Any], **kwargs: Any
) -> None:
    from blockdesk.assistant import services
    from blockdesk.assistant.models import AssistantConversation, AssistantSettings

    conversation = payload.get("conversation") or {}
    conversation_id = conversation.get("id")
    inbox_id = conversation.get("inbox_id")
    if not conversation_id or not inbox_id:
        return
    if name == "message.created":
        message = payload.get("message") or {}
        sender_type = message.get("sender_type")
        if sender_type == "contact":
            if (
                conversation.get("status") == "pending"
                and AssistantSettings.objects.filter(inbox_id=inbox_id, enabled=True).exists()
            ):
                _enqueue(int(message["id"]))
        elif sender_type == "agent" and not message.get("private"):
            services.do_note_agent_activity(conversation_id=int(conversation_id))
    elif name in ("conversation.status_changed", "conversation.assigned"):
        # The assistant changes status only after stepping back, so a change seen while
        # it is still active was made by an agent (or an API client).
        if name == "conversation.assigned" and not conversation.get("assignee_id"):
            return  # unassigning (the assistant's own routing) is not an agent stepping in
        if AssistantConversation.objects.filter(
            conversation_id=conversation_id, state=AssistantConversation.State.ACTIVE
        ).exists():
            services.do_note_agent_activity(conversation_id=int(conversation_id))
