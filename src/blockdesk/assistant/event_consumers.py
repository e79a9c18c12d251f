"""Reacting to conversation events right after they commit (events.listeners): a new
customer message in a case the assistant handles queues it for the actor; an agent
stepping in makes the assistant step back."""

from __future__ import annotations

import logging

from blockdesk.events.listeners import register_listener
from blockdesk.events.models import Event

logger = logging.getLogger(__name__)

EVENT_NAMES = ("message.created", "conversation.status_changed", "conversation.assigned")


def _enqueue(message_id: int) -> None:
    from blockdesk.assistant.tasks import handle_customer_message

    try:
        handle_customer_message.enqueue(message_id)
    except Exception:  # the customer's message is stored; a failed enqueue must not 500
        logger.exception("assistant: could not enqueue message %s", message_id)


def on_event(event: Event) -> None:
    from blockdesk.assistant import services
    from blockdesk.assistant.models import AssistantConversation, AssistantSettings
    from blockdesk.conversations.models import Conversation

    data = event.payload
    if event.name == "message.created":
        conversation_id = int(data["conversation_id"])
        sender = data["sender"]["kind"]
        if sender == "contact":
            if (
                AssistantSettings.objects.filter(inbox_id=data["inbox_id"], enabled=True).exists()
                and Conversation.objects.filter(
                    pk=conversation_id, status=Conversation.Status.PENDING
                ).exists()
            ):
                _enqueue(int(data["id"]))
        elif sender == "agent" and not data["private"]:
            services.do_note_agent_activity(conversation_id=conversation_id)
        return
    # status_changed, assigned. The assistant changes status only after stepping back,
    # so a change seen while it is still active was made by an agent (or an API client).
    if event.name == "conversation.assigned" and not data["new_assignee_id"]:
        return  # unassigning (the assistant's own routing) is not an agent stepping in
    conversation_id = int(data["conversation"]["id"])
    if AssistantConversation.objects.filter(
        conversation_id=conversation_id, state=AssistantConversation.State.ACTIVE
    ).exists():
        services.do_note_agent_activity(conversation_id=conversation_id)


register_listener("assistant", on_event, event_names=EVENT_NAMES)
