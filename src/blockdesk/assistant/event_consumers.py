"""The assistant follows the event log (events/consumers.py): a new customer message in a
case it handles queues the message for the actor; an agent stepping in makes it step back.

Transactional: the handler writes only to this database (the task row of the database
task queue, the assistant's state), so its effect and the cursor move commit together,
once per event, and a process that dies after the customer's message committed loses
nothing: the next dispatcher pass queues it. The handling task is idempotent by message
(an AssistantTurn per message) all the same, for a replay. The price is the dispatcher's
gathering window (BLOCKDESK_EVENT_GATHER_MS, 200 ms) before the task is queued, small
beside the task worker's own polling."""

from __future__ import annotations

from blockdesk.assistant import selectors, services
from blockdesk.assistant.models import AssistantConversation
from blockdesk.assistant.tasks import handle_customer_message
from blockdesk.conversations.models import Conversation
from blockdesk.events.consumers import register_consumer
from blockdesk.events.models import Event

CONSUMER = "assistant.actor"
EVENT_NAMES = ("message.created", "conversation.status_changed", "conversation.assigned")


def on_event(event: Event) -> None:
    data = event.payload
    if event.name == "message.created":
        conversation_id = int(data["conversation_id"])
        sender = data["sender"]["kind"]
        if sender == "contact":
            if (
                selectors.enabled_for_inbox(int(data["inbox_id"]))
                and Conversation.objects.filter(
                    pk=conversation_id, status=Conversation.Status.PENDING
                ).exists()
            ):
                handle_customer_message.enqueue(int(data["id"]))
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


# Its cursor starts where the log ended when it was installed (migration 0008): after an
# upgrade the assistant answers what customers write from then on, not months-old messages
# of cases still pending.
register_consumer(CONSUMER, on_event, event_names=EVENT_NAMES, mode="transactional")
