"""How the assistant's tone adapts to the customer: a registry of hint providers that
apps below or beside it fill from their ready() (triage registers the mood app's reading,
triage/tone.py), so the assistant stays unaware of how a mood is judged.

The actor asks `hint_for(conversation, message)` once per customer message it handles:
- `apologise`: its reply opens with an apology (phrase "apology");
- `hand_off`: it hands the case to a person at once (reason "mood") instead of trying
  another automated answer.
Any provider may ask for either; a provider that fails is ignored (logged): tone is a
nicety, never a reason not to answer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from blockdesk.conversations.models import Conversation, Message

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ToneHint:
    apologise: bool = False
    hand_off: bool = False


TONE_HINTS: list[Callable[[Conversation, Message], ToneHint | None]] = []


def hint_for(conversation: Conversation, message: Message) -> ToneHint:
    apologise = hand_off = False
    for provider in TONE_HINTS:
        try:
            hint = provider(conversation, message)
        except Exception:
            # Broad on purpose: providers are other apps' code filled in from their
            # ready(); a failing hint must not cost the customer the assistant's answer.
            # Logged with its traceback.
            logger.exception("assistant: tone provider %r failed", provider)
            continue
        if hint is not None:
            apologise = apologise or hint.apologise
            hand_off = hand_off or hint.hand_off
    return ToneHint(apologise=apologise, hand_off=hand_off)
