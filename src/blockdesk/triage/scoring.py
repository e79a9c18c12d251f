"""The priority score: points for each reason, summed per part and capped at 100. Pure
functions of `Facts` (facts.py) and the clock: the same facts give the same score, and
every point comes with the reason that earned it (docs/triage.md lists them all)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from blockdesk.triage.facts import Facts

URGENCY = "urgency"
COMPLEXITY = "complexity"
# How much complexity adds to the priority score: a hard case is not by itself urgent.
COMPLEXITY_WEIGHT = 0.25


@dataclass(frozen=True)
class Reason:
    code: str
    points: int
    part: str  # URGENCY | COMPLEXITY
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "points": self.points, "part": self.part, "params": self.params}


@dataclass(frozen=True)
class Score:
    score: int
    urgency: int
    complexity: int
    reasons: tuple[Reason, ...]


# Intent -> (urgency, complexity) points, by the words of the intent key (the account's
# article keys: "withdrawal-wrong-address", "seed-phrase-exposed" …). First match wins;
# TriageSettings can't edit these yet (docs/triage.md, "What is missing").
INTENT_POINTS: tuple[tuple[tuple[str, ...], int, int], ...] = (
    (("seed-phrase", "private-key", "compromised", "stolen", "hacked", "scam"), 35, 30),
    (("phishing", "frozen", "locked", "two-factor-reset", "2fa-reset"), 20, 20),
    (("wrong-address", "wrong-network", "missing-memo", "memo", "reverted"), 15, 30),
    (("withdrawal", "deposit", "stuck", "pending", "not-arrived"), 10, 15),
    (("kyc", "verification", "account"), 5, 10),
)

# Amount at stake (reference currency) -> urgency points, largest threshold first.
AMOUNT_POINTS: tuple[tuple[Decimal, int], ...] = (
    (Decimal(100_000), 30),
    (Decimal(10_000), 20),
    (Decimal(1_000), 10),
    (Decimal(100), 5),
)
# Minutes waiting for a reply -> urgency points.
WAITING_POINTS: tuple[tuple[int, int], ...] = ((240, 20), (60, 15), (30, 10), (15, 5))
SECRET_POINTS = 40  # a seed phrase or key pasted: the wallet must be treated as exposed
SENSITIVE_POINTS = 30  # hacked account, stolen funds, someone posing as us
ANGRY_POINTS = 15
DISTRESSED_POINTS = 10
VIP_POINTS = 15
# Complexity.
EXTRA_CHAIN_POINTS = 10  # each chain beyond the first
TX_POINTS = 5  # each transaction, up to MAX_TX_POINTS
MAX_TX_POINTS = 20
DIAGNOSIS_POINTS = {"failed": 20, "dropped": 20, "not_found": 15, "wrong_network": 25}
NEEDS_AGENT_POINTS = 15
EXCHANGE_POINTS: tuple[tuple[int, int], ...] = ((10, 20), (6, 10), (4, 5))
HANDOFF_POINTS = {"low_confidence": 10, "not_helpful": 10, "none_of_these": 10}

SECRET_KINDS = frozenset(
    {
        "seed_phrase",
        "partial_seed_phrase",
        "private_key",
        "wif_private_key",
        "extended_private_key",
        "keystore",
        "secret",
    }
)


def _step(value: int | Decimal, table: tuple[tuple[Any, int], ...]) -> int:
    for threshold, points in table:
        if value >= threshold:
            return points
    return 0


def intent_points(intent: str) -> tuple[int, int]:
    key = intent.lower()
    for words, urgency, complexity in INTENT_POINTS:
        if any(w in key for w in words):
            return urgency, complexity
    return 0, 0


def compute(facts: Facts, *, now: dt.datetime, vip_tiers: frozenset[str] = frozenset()) -> Score:
    reasons: list[Reason] = []

    def add(code: str, points: int, part: str, **params: Any) -> None:
        if points > 0:
            reasons.append(Reason(code, points, part, params))

    # --- urgency
    secrets = [k for k in facts.security if k in SECRET_KINDS]
    if secrets:
        add("secret_exposed", SECRET_POINTS, URGENCY, kind=secrets[0])
    sensitive = [k for k in facts.security if k not in SECRET_KINDS]
    if sensitive:
        add("sensitive", SENSITIVE_POINTS, URGENCY, topic=sensitive[0])
    largest = facts.largest_amount
    if largest is not None and largest.reference is not None:
        add(
            "funds_at_stake",
            _step(largest.reference, AMOUNT_POINTS),
            URGENCY,
            amount=str(largest.value),
            symbol=largest.symbol,
            value=str(largest.reference),
        )
    i_urgency, i_complexity = intent_points(facts.intent) if facts.intent else (0, 0)
    add("intent", i_urgency, URGENCY, intent=facts.intent)
    if facts.angry:
        add("angry", ANGRY_POINTS, URGENCY)
    elif facts.distressed:
        add("distressed", DISTRESSED_POINTS, URGENCY)
    if facts.waiting_since is not None:
        minutes = max(0, int((now - facts.waiting_since).total_seconds() // 60))
        add("waiting", _step(minutes, WAITING_POINTS), URGENCY, minutes=minutes)
    if facts.tier and facts.tier in vip_tiers:
        add("vip", VIP_POINTS, URGENCY, tier=facts.tier)

    # --- complexity
    add("intent_complex", i_complexity, COMPLEXITY, intent=facts.intent)
    if len(facts.chains) > 1:
        add(
            "chains",
            EXTRA_CHAIN_POINTS * (len(facts.chains) - 1),
            COMPLEXITY,
            count=len(facts.chains),
        )
    if facts.tx_hashes:
        add(
            "transactions",
            min(MAX_TX_POINTS, TX_POINTS * len(facts.tx_hashes)),
            COMPLEXITY,
            count=len(facts.tx_hashes),
        )
    if facts.diagnosis in DIAGNOSIS_POINTS:
        add("diagnosis", DIAGNOSIS_POINTS[facts.diagnosis], COMPLEXITY, status=facts.diagnosis)
    elif facts.diagnosis_needs_agent:
        add("diagnosis", NEEDS_AGENT_POINTS, COMPLEXITY, status=facts.diagnosis)
    add("exchanges", _step(facts.exchanges, EXCHANGE_POINTS), COMPLEXITY, count=facts.exchanges)
    add(
        "assistant_failed",
        HANDOFF_POINTS.get(facts.handoff_reason, 0),
        COMPLEXITY,
        reason=facts.handoff_reason,
    )

    urgency = min(100, sum(r.points for r in reasons if r.part == URGENCY))
    complexity = min(100, sum(r.points for r in reasons if r.part == COMPLEXITY))
    score = min(100, urgency + round(complexity * COMPLEXITY_WEIGHT))
    ordered = tuple(sorted(reasons, key=lambda r: (r.part != URGENCY, -r.points)))
    return Score(score=score, urgency=urgency, complexity=complexity, reasons=ordered)


def priority_for(score: int, *, urgent_at: int, high_at: int) -> int | None:
    """The priority a score asks for (Conversation.Priority values: 0 urgent, 1 high), or
    None: triage never lowers a case below normal by itself, rules may."""
    if score >= urgent_at:
        return 0
    if score >= high_at:
        return 1
    return None
