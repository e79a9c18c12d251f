"""The assistant follows the event log (events/consumers.py): a new customer message in a
case it handles queues the message for the actor; an agent stepping in makes it step back.

Transactional: the handler writes only to this database (the task row of the database
task queue, the assistant's state), so its effect and the cursor move commit together,
once per event, and a process that dies after the customer's message committed loses
nothing: the next dispatcher pass queues it. The handling task is idempotent by message
(an AssistantTurn per message) all the same, for a replay. The price is the dispatcher's
gathering window (BLOCKDESK_EVENT_GATHER_MS, 200 ms) before the task is queued, small
beside the task worker's own polling.

The customer messages of extractive inboxes in what the dispatcher hands over (a flood:
it gathers 200 ms of commits) go in tasks of up to MESSAGES_PER_TASK: the task queue's
own cost (a row written, claimed, finished) was a sixth of an answer's CPU when paid per
message (issue 17). An inbox with generated answers keeps a task per message, so one
slow model call holds up no one else's answer."""

from __future__ import annotations

from collections.abc import Sequence

from blockdesk.assistant import services
from blockdesk.assistant.models import AssistantConversation, AssistantSettings
from blockdesk.assistant.tasks import handle_customer_message, handle_customer_messages
from blockdesk.conversations.models import Conversation
from blockdesk.events.consumers import register_consumer
from blockdesk.events.models import ActorKind, Event

CONSUMER = "assistant.actor"
EVENT_NAMES = ("message.created", "conversation.status_changed", "conversation.assigned")
MESSAGES_PER_TASK = 10


def _from_customer(event: Event) -> bool:
    return event.name == "message.created" and event.payload["sender"]["kind"] == "contact"


def on_events(events: Sequence[Event]) -> None:
    """A batch: every event as `on_event` takes it, but the customers' messages queued
    together (two reads for the whole batch, tasks of up to MESSAGES_PER_TASK)."""
    for event in events:
        if not _from_customer(event):
            on_event(event)
    _queue_for_the_actor([e for e in events if _from_customer(e)])


def _queue_for_the_actor(messages: Sequence[Event]) -> None:
    """The customers' messages (message.created events) in cases the assistant handles
    (its inbox has it on, the case is pending) queued for the actor: in groups for
    extractive inboxes, one task each for an inbox with generated answers."""
    if not messages:
        return
    inboxes = dict(
        AssistantSettings.objects.filter(
            inbox_id__in={int(e.payload["inbox_id"]) for e in messages}, enabled=True
        ).values_list("inbox_id", "generative_enabled")
    )
    pending = set(
        Conversation.objects.filter(
            pk__in={int(e.payload["conversation_id"]) for e in messages},
            status=Conversation.Status.PENDING,
        ).values_list("pk", flat=True)
    )
    grouped: list[int] = []
    for event in messages:
        data = event.payload
        inbox_id = int(data["inbox_id"])
        if inbox_id not in inboxes or int(data["conversation_id"]) not in pending:
            continue
        if inboxes[inbox_id]:  # generated answers: a task of its own
            handle_customer_message.enqueue(int(data["id"]))
        else:
            grouped.append(int(data["id"]))
    for start in range(0, len(grouped), MESSAGES_PER_TASK):
        handle_customer_messages.enqueue(grouped[start : start + MESSAGES_PER_TASK])


def on_event(event: Event) -> None:
    data = event.payload
    if event.name == "message.created":
        conversation_id = int(data["conversation_id"])
        sender = data["sender"]["kind"]
        if sender == "contact":
            _queue_for_the_actor([event])
        elif sender == "agent" and not data["private"]:
            services.do_note_agent_activity(conversation_id=conversation_id)
        return
    # status_changed, assigned. The assistant changes status only after stepping back,
    # so a change seen while it is still active was made by an agent (or an API client).
    if event.actor_kind == ActorKind.ASSISTANT:
        return  # its own hand-off or resolution: nothing to step back from (no read)
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
register_consumer(
    CONSUMER,
    on_event,
    event_names=EVENT_NAMES,
    mode="transactional",
    batch_handler=on_events,
)
