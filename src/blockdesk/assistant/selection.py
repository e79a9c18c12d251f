"""One ranking of the articles for a customer message, from the intent model and the
hybrid knowledge-base search together: what the assistant answers from, and what it
offers while a person takes over ("Articles offered" in the agent's note).

Each article's score is a noisy-OR of the two sources, so either can carry an article and
agreement raises it: ``1 - (1 - p) * (1 - s)``, where ``p`` is the model's probability of
the intent and ``s`` the search evidence, ``SEARCH_WEIGHT * clip((cos - SEMANTIC_FLOOR) /
(1 - SEMANTIC_FLOOR))`` from the hit's sentence-embedding cosine. The cosine, unlike the
hybrid score (whose lexical half is relative to the query's best hit), means the same for
every query, so a threshold on it can tell "no article matches" apart. Without an
embedder (lexical-only search) the search adds nothing and the model decides alone.

Constants measured on the starter evaluation set (kb/content/eval/assistant_questions.csv,
docs/assistant.md): unrelated messages ("what's the weather in Paris", "订机票") stay below
0.3, a wrong-network deposit case scores above 0.9."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

from blockdesk.assistant import confusables, cues
from blockdesk.assistant.disambiguation import disambiguate
from blockdesk.assistant.engine import SearchOpinion, Understanding
from blockdesk.assistant.nlu.datasets import OOS_LABEL

if TYPE_CHECKING:
    from blockdesk.assistant.nlu.model import IntentScore

# A cosine below this is no evidence (kb search's own floor for a "match" is 0.35).
SEMANTIC_FLOOR = 0.4
# Search alone tops out here: a strong text match is a good offer, not a certainty.
SEARCH_WEIGHT = 0.8
# Default of settings.ASSISTANT_OFFER_THRESHOLD.
OFFER_THRESHOLD = 0.5


def offer_threshold() -> float:
    """The score an article needs to be offered ("Articles offered: none" below it)."""
    return float(getattr(settings, "ASSISTANT_OFFER_THRESHOLD", OFFER_THRESHOLD))


@dataclass(frozen=True)
class Candidate:
    key: str
    score: float
    model: float  # the intent model's probability (0: not among its top intents)
    semantic: float  # the search hit's cosine (0: not among the hits)

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "score": round(self.score, 4),
            "model": round(self.model, 4),
            "semantic": round(self.semantic, 4),
        }


def search_evidence(semantic: float) -> float:
    spread = (semantic - SEMANTIC_FLOOR) / (1.0 - SEMANTIC_FLOOR)
    return SEARCH_WEIGHT * min(1.0, max(0.0, spread))


def rank(
    alternatives: Iterable[IntentScore],
    search: Iterable[SearchOpinion],
    *,
    direction: str | None = None,
) -> list[Candidate]:
    """Articles best first. With an explicit ``direction`` (cues.direction), articles about
    money moving the other way are left out: "提币…没到" is never a deposit answer."""
    model = {a.intent: a.probability for a in alternatives if a.intent != OOS_LABEL}
    semantic: dict[str, float] = {}
    for hit in search:
        semantic[hit.key] = max(semantic.get(hit.key, 0.0), hit.semantic)
    out = []
    for key in dict.fromkeys([*model, *semantic]):
        if direction and confusables.DIRECTION.get(key, direction) != direction:
            continue
        p, cos = model.get(key, 0.0), semantic.get(key, 0.0)
        score = 1.0 - (1.0 - p) * (1.0 - search_evidence(cos))
        out.append(Candidate(key, score, p, cos))
    out.sort(key=lambda c: (-c.score, c.key))
    return out


def best_offer(
    ranking: Sequence[Candidate], *, exclude: Iterable[str] = (), threshold: float | None = None
) -> Candidate | None:
    """The top article scoring at least the threshold, skipping ``exclude``."""
    limit = offer_threshold() if threshold is None else threshold
    skip = set(exclude)
    return next((c for c in ranking if c.key not in skip and c.score >= limit), None)


# Search may overrule the model's pick only by this much (measured, docs/assistant.md).
OVERRULE_GAP = 0.15
# A low-confidence message is still answered when both sources point at one article this
# strongly (the model's probability > 0 and a cosine of at least this).
RESCUE_SEMANTIC = 0.55


@dataclass(frozen=True)
class Choice:
    """What the assistant does with a message: the engine's decision, the confusable rule
    and the ranking combined."""

    action: str  # "answer" | "clarify" | "handoff"
    key: str  # the article answered (or the top intent)
    confidence: float
    ranking: tuple[Candidate, ...]
    options: tuple[str, ...] = ()  # for "clarify"
    pair: bool = False  # a confusable pair asked about by name
    direction: str | None = None
    reason: str = ""  # why "handoff"; how an answer was chosen ("ranking", "direction", …)


def choose(u: Understanding, text: str, *, answer_threshold: float) -> Choice:
    direction = cues.direction(text)
    ranking = tuple(rank(u.alternatives, u.search, direction=direction))
    verdict = disambiguate(u, text)
    if verdict is not None and verdict.action == "clarify":
        return Choice(
            "clarify", u.intent, u.confidence, ranking, options=verdict.options, pair=True
        )
    if verdict is not None:
        return Choice(
            "answer",
            verdict.intent,
            verdict.confidence,
            ranking,
            direction=verdict.direction,
            reason="direction",
        )
    scores = {c.key: c for c in ranking}
    top = ranking[0] if ranking else None
    if u.action == "answer":
        mine = scores.get(u.intent)
        if (
            top is not None
            and top.key != u.intent
            and top.score >= answer_threshold
            and top.score - (mine.score if mine else 0.0) >= OVERRULE_GAP
        ):
            return Choice("answer", top.key, top.score, ranking, reason="ranking")
        return Choice("answer", u.intent, u.confidence, ranking)
    if u.action == "clarify":
        return Choice("clarify", u.intent, u.confidence, ranking, options=tuple(u.options))
    if (
        u.reason == "low_confidence"
        and top is not None
        and top.model > 0
        and top.semantic >= RESCUE_SEMANTIC
        and top.score >= answer_threshold
    ):
        return Choice("answer", top.key, top.score, ranking, reason="ranking")
    return Choice("handoff", u.intent, u.confidence, ranking, reason=u.reason or "low_confidence")
