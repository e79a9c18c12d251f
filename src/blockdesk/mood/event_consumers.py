"""Mood of each customer message, from `message.created` (docs/mood.md). Transactional: the
row and the cursor move commit together; a replay finds the row by its message."""

from __future__ import annotations

from collections.abc import Sequence

from blockdesk.events.consumers import register_consumer
from blockdesk.events.models import Event
from blockdesk.mood.services import do_forget_moods, do_record_message_mood, do_record_message_moods


def on_event(event: Event) -> None:
    do_record_message_mood(event=event)


def on_events(events: Sequence[Event]) -> None:
    do_record_message_moods(events=events)


register_consumer(
    "mood.messages",
    on_event,
    batch_handler=on_events,
    event_names=["message.created"],
    mode="transactional",
    reset=do_forget_moods,
)
