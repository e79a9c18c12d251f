"""The rule for confusable intents (confusables.py), applied to the engine's understanding
of a message before the assistant acts on it:

1. a direction word ("提币", "withdraw" / "充值", "deposit") that contradicts the top intent
   picks the consistent intent of a confusable pair among the model's candidates;
2. when the top two intents are a confusable pair closer than the margin
   (settings.ASSISTANT_CONFUSABLE_MARGIN), the assistant asks one question naming both,
   unless a direction word already tells them apart.

Pure functions of the understanding and the text, so the rule is tested without a model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

from blockdesk.assistant import confusables, cues
from blockdesk.assistant.engine import Understanding

if TYPE_CHECKING:
    from blockdesk.assistant.nlu.model import IntentScore

# Default of settings.ASSISTANT_CONFUSABLE_MARGIN: wider than the engine's margin for any
# two intents (0.2), because answering the wrong one of these costs customers money.
CONFUSABLE_MARGIN = 0.3


def confusable_margin() -> float:
    return float(getattr(settings, "ASSISTANT_CONFUSABLE_MARGIN", CONFUSABLE_MARGIN))


@dataclass(frozen=True)
class Verdict:
    action: str  # "answer" | "clarify"
    intent: str  # the intent to answer (for "clarify": the model's top one)
    confidence: float
    options: tuple[str, ...] = ()  # the pair asked about
    direction: str | None = None  # the direction word's verdict, if it decided
    family: str = ""  # the confusable pair's family


def _consistent(ranked: Sequence[IntentScore], top: str, direction: str) -> IntentScore | None:
    for alt in ranked[1:]:
        if confusables.DIRECTION.get(alt.intent) == direction and confusables.pair_of(
            top, alt.intent
        ):
            return alt
    return None


def _partner(top: str, direction: str) -> str | None:
    """The intent paired with ``top`` that moves money the other way, even when the model
    did not rank it (a deposit article is never the answer to "提币…")."""
    for pair in confusables.PAIRS:
        if top in pair.keys:
            other = pair.second if pair.first == top else pair.first
            if confusables.DIRECTION.get(other) == direction:
                return other
    return None


def disambiguate(
    understanding: Understanding, text: str, *, margin: float | None = None
) -> Verdict | None:
    """What the confusable rule changes in the engine's decision; None: nothing."""
    u = understanding
    ranked = list(u.alternatives)
    if u.action not in ("answer", "clarify") or len(ranked) < 2:
        return None
    margin = confusable_margin() if margin is None else margin
    direction = cues.direction(text)
    first, second = ranked[0], ranked[1]
    top_direction = confusables.DIRECTION.get(first.intent)
    if direction and top_direction and top_direction != direction:
        alt = _consistent(ranked, first.intent, direction)
        partner = alt.intent if alt is not None else _partner(first.intent, direction)
        if partner is not None:
            pair = confusables.pair_of(first.intent, partner)
            # The model found the topic, the customer's word the direction: their mass.
            confidence = min(1.0, first.probability + (alt.probability if alt else 0.0))
            return Verdict(
                "answer",
                partner,
                confidence,
                direction=direction,
                family=pair.family if pair else "",
            )
    pair = confusables.pair_of(first.intent, second.intent)
    if pair is None or first.probability - second.probability >= margin:
        return None
    second_direction = confusables.DIRECTION.get(second.intent)
    if direction and top_direction == direction and second_direction not in (None, direction):
        confidence = min(1.0, first.probability + second.probability)
        return Verdict("answer", first.intent, confidence, direction=direction, family=pair.family)
    return Verdict(
        "clarify",
        first.intent,
        first.probability,
        options=(first.intent, second.intent),
        family=pair.family,
    )


def resolve_reply(
    text: str, options: Sequence[str], understanding: Understanding
) -> tuple[str, float] | None:
    """The option the customer's reply to a clarifying question picks, with a confidence:
    by its direction word (1.0: the customer's own word answered the question), else by
    the model's reading of it when that is one of the options (its probability)."""
    direction = cues.direction(text)
    if direction:
        matching = [k for k in options if confusables.DIRECTION.get(k) == direction]
        if len(matching) == 1:
            return matching[0], 1.0
    ranked = [a for a in understanding.alternatives if a.intent in options]
    if ranked and ranked[0].intent == understanding.intent and understanding.action != "handoff":
        return ranked[0].intent, ranked[0].probability
    return None
