"""Triage's tone hint for the assistant (assistant/tone.py): the mood of the customer's
latest message, from the mood app. The mood consumer may not have scored that message yet
when the assistant handles it (consumers run in any order), so a missing score is made
here from the text (a few milliseconds, nothing stored)."""

from __future__ import annotations

from blockdesk.assistant.tone import ToneHint
from blockdesk.conversations.models import Conversation, Message
from blockdesk.mood import selectors as mood_selectors
from blockdesk.mood.analyzer import analyse
from blockdesk.mood.selectors import ANGRY, ConversationMood


def mood_tone(conversation: Conversation, message: Message) -> ToneHint | None:
    if message.sender_type != Message.SenderType.CONTACT or not message.content.strip():
        return None
    stored = mood_selectors.mood_for_message(message_id=message.pk)
    if stored is not None:
        label, score, emotions = stored.label, stored.score, dict(stored.emotions)
    else:
        found = analyse(message.content)
        label, score, emotions = found.mood, found.score, dict(found.emotions)
    # The latest message decides: a customer who calmed down gets no apology.
    latest = ConversationMood(label=label, score=score, emotions=emotions, messages=1)
    distressed = latest.distressed and (latest.angry or emotions.get("fear", 0.0) >= ANGRY)
    return ToneHint(apologise=latest.apologise or distressed, hand_off=latest.hand_off_sooner)
