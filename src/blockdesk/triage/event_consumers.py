"""Triage follows the event log: every event that can change a case's score or match a
rule rescores the case (docs/triage.md). Transactional: the score row, the rule firings,
the priority/team/tag changes (through the conversations services, whose own events are
emitted in this transaction) and the cursor move commit together, once per event.

A batch rescores each conversation once, after its last event: the score is a function
of the case as it is now, not of the event."""

from __future__ import annotations

from collections.abc import Sequence

from blockdesk.events.consumers import register_consumer
from blockdesk.events.models import Event
from blockdesk.triage.services import do_triage

CONSUMER = "triage.scores"
# Not priority/team/tags changed: triage makes those itself, and rules fire once a case.
EVENT_NAMES = (
    "conversation.created",
    "conversation.status_changed",
    "conversation.assigned",
    "message.created",
    "assistant.answered",
    "assistant.handed_off",
)


def conversation_of(event: Event) -> int | None:
    if event.subject_type == "conversation" and event.subject_id:
        return int(event.subject_id)
    raw = (event.payload or {}).get("conversation_id")
    return int(raw) if isinstance(raw, int) else None


def on_event(event: Event) -> None:
    conversation_id = conversation_of(event)
    if conversation_id is not None:
        do_triage(conversation_id=conversation_id)


def on_events(events: Sequence[Event]) -> None:
    seen: list[int] = []
    for event in events:
        conversation_id = conversation_of(event)
        if conversation_id is not None and conversation_id not in seen:
            seen.append(conversation_id)
    for conversation_id in seen:
        do_triage(conversation_id=conversation_id)


register_consumer(
    CONSUMER,
    on_event,
    batch_handler=on_events,
    event_names=list(EVENT_NAMES),
    mode="transactional",
)
