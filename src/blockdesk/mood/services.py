"""Writes of the mood app: one MessageMood per customer message (from the event log)."""

from __future__ import annotations

from collections.abc import Sequence

from blockdesk.conversations.models import Message
from blockdesk.events.models import Event
from blockdesk.mood.analyzer import analyse
from blockdesk.mood.models import MessageMood


def check_scores_event(*, event: Event) -> bool:
    """Only what a customer wrote in public carries their mood (not agents, the assistant,
    notes or system lines)."""
    payload = event.payload
    return (
        event.name == "message.created"
        and payload.get("sender", {}).get("kind") == "contact"
        and not payload.get("private", False)
        and bool(str(payload.get("content", "")).strip())
    )


def do_record_message_mood(*, event: Event) -> MessageMood | None:
    """Scores the message's text as the event carries it (secrets already redacted).
    Idempotent by message: a replayed event finds its row. A message erased since has
    nothing to attach to and is skipped."""
    if not check_scores_event(event=event):
        return None
    payload = event.payload
    message_id = int(payload["id"])
    existing = MessageMood.objects.filter(message_id=message_id).first()
    if existing is not None:
        return existing
    message = (
        Message.objects.filter(pk=message_id).only("pk", "conversation_id", "created_at").first()
    )
    if message is None:
        return None
    row = _mood_row(event, message)
    row.save(force_insert=True)
    return row


def do_record_message_moods(*, events: Sequence[Event]) -> list[MessageMood]:
    """`do_record_message_mood` for a batch of events, in three statements whatever its
    size (the consumer's batch handler): the same rows, the same skips."""
    wanted: dict[int, Event] = {}
    for event in events:
        if check_scores_event(event=event):
            wanted.setdefault(int(event.payload["id"]), event)
    if not wanted:
        return []
    messages = Message.objects.filter(pk__in=list(wanted)).only(
        "pk", "conversation_id", "created_at"
    )
    scored = set(
        MessageMood.objects.filter(message_id__in=list(wanted)).values_list("message_id", flat=True)
    )
    rows = []
    for message in messages:
        if message.pk in scored:
            continue
        event = wanted[message.pk]
        rows.append(_mood_row(event, message))
    return MessageMood.objects.bulk_create(rows)


def _mood_row(event: Event, message: Message) -> MessageMood:
    found = analyse(str(event.payload["content"]))
    row = MessageMood(
        account_id=event.account_id,
        conversation_id=message.conversation_id,
        message_id=message.pk,
        label=found.mood,
        score=found.score,
        emotions=found.emotions,
        language=found.language,
        created_at=message.created_at,
    )
    # Field checks only: the foreign keys come from rows just read and the database
    # enforces the constraints; validating those in Python costs a query each, which was
    # most of this consumer's CPU per customer message (docs/benchmarks/widget.md).
    row.full_clean(
        exclude=["account", "conversation", "message"],
        validate_unique=False,
        validate_constraints=False,
    )
    return row


def do_forget_moods(from_event_id: int | None) -> None:
    """`events replay --consumer mood.messages`: moods are recomputed from the log, so a
    full replay starts clean (a partial one keeps rows, and the unique key skips them)."""
    if from_event_id is None:
        MessageMood.objects.all().delete()
