"""Reads of the mood app. Callers pass conversations or messages they already reached
through a scoped selector (`visible_conversations`…): nothing here widens access."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Max

from blockdesk.common import plain_sql
from blockdesk.common.group_memo import per_group, prime
from blockdesk.mood.models import MessageMood

# How far back the conversation's mood looks (its recent customer messages).
RECENT_MESSAGES = 5
ANGRY = 0.5  # anger strength from which the assistant apologises and hands off sooner


def moods_for_messages(*, message_ids: Iterable[int]) -> dict[int, MessageMood]:
    return {m.message_id: m for m in MessageMood.objects.filter(message_id__in=list(message_ids))}


@per_group  # see prefetch_message_moods
def mood_for_message(*, message_id: int) -> MessageMood | None:
    """One message's stored mood (one row a message): the assistant's tone asks for every
    customer message it handles, so a statement built once (issue 17)."""
    return plain_sql.fetch_one(MessageMood, where={"message": message_id})


def prefetch_message_moods(*, message_ids: Sequence[int]) -> None:
    """Inside a group scope (common/group_memo.py; a flood's assistant task): the moods of
    these messages in one statement, which `mood_for_message` then answers from. A mood
    stored later in the group is not seen (the caller scores the message itself, as for a
    message the mood consumer has not reached yet). One message: nothing to share."""
    if len(message_ids) < 2:
        return
    found = moods_for_messages(message_ids=message_ids)
    for message_id in message_ids:
        prime(mood_for_message, found.get(message_id), message_id=message_id)


def latest_moods(*, conversation_ids: Iterable[int]) -> dict[int, MessageMood]:
    """The mood of each conversation's latest scored customer message (for list badges)."""
    ids = list(conversation_ids)
    last = (
        MessageMood.objects.filter(conversation_id__in=ids)
        .values("conversation_id")
        .annotate(last=Max("message_id"))
        .values_list("last", flat=True)
    )
    return {m.conversation_id: m for m in MessageMood.objects.filter(message_id__in=list(last))}


@dataclass(frozen=True)
class ConversationMood:
    """What triage and the assistant need: the latest mood and the strongest recent
    emotions (a customer who was furious two messages ago still is)."""

    label: str
    score: float
    emotions: dict[str, float]
    messages: int

    @property
    def distressed(self) -> bool:
        return self.score <= -0.5 or max(self.emotions.values(), default=0.0) >= ANGRY

    @property
    def angry(self) -> bool:
        return self.emotions.get("anger", 0.0) >= ANGRY

    @property
    def apologise(self) -> bool:
        """The assistant opens with an apology (docs/mood.md, "Tone")."""
        return self.angry or (self.label == "negative" and self.score <= -0.5)

    @property
    def hand_off_sooner(self) -> bool:
        """The assistant hands an angry customer to a person instead of trying again."""
        return self.angry


def conversation_mood(*, conversation_id: int) -> ConversationMood | None:
    recent = list(
        MessageMood.objects.filter(conversation_id=conversation_id).order_by("-message_id")[
            :RECENT_MESSAGES
        ]
    )
    if not recent:
        return None
    strongest: dict[str, float] = {}
    for row in recent:
        for name, value in row.emotions.items():
            strongest[name] = max(strongest.get(name, 0.0), float(value))
    return ConversationMood(
        label=recent[0].label,
        score=min(recent[0].score, *(r.score for r in recent[:2])),
        emotions=strongest,
        messages=len(recent),
    )
