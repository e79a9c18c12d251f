"""Admins' triage rules: conditions on the facts of a case -> actions. The shape of both
is these pydantic models (stored as JSON on TriageRule); `matches` is pure.

Every condition given must hold (AND); a list condition holds when any of its values
does (OR). An empty rule (no condition) matches nothing: a rule that fires on every case
is a mistake more often than a wish."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from blockdesk.triage.facts import Facts

MOODS = ("angry", "distressed", "negative", "neutral", "positive")
PRIORITIES = ("urgent", "high", "normal", "low")

_Words = list[str]


def _clean(values: list[str], *, lower: bool = True) -> list[str]:
    out: list[str] = []
    for v in values:
        v = v.strip()
        v = v.lower() if lower else v
        if v and v not in out:
            out.append(v)
    return out


class Conditions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    intent: _Words = Field(default_factory=list, max_length=50)
    amount_gte: Decimal | None = Field(default=None, ge=0, max_digits=30, decimal_places=8)
    chain: _Words = Field(default_factory=list, max_length=50)
    mood: list[Literal["angry", "distressed", "negative", "neutral", "positive"]] = Field(
        default_factory=list
    )
    tier: _Words = Field(default_factory=list, max_length=50)
    channel: _Words = Field(default_factory=list, max_length=20)
    inbox: list[int] = Field(default_factory=list, max_length=100)
    keyword: _Words = Field(default_factory=list, max_length=50)
    security: bool = False  # any security signal (a secret exposed, a sensitive topic)

    @field_validator("intent", "chain", "tier", "channel", "keyword")
    @classmethod
    def _strip(cls, values: list[str]) -> list[str]:
        if any(len(v) > 100 for v in values):
            raise ValueError("at most 100 characters a value")
        return _clean(values)

    def is_empty(self) -> bool:
        return self == Conditions()


class Actions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    priority: Literal["urgent", "high", "normal", "low"] | None = None
    team_id: int | None = Field(default=None, gt=0, le=2**63 - 1)  # a database id
    tags: _Words = Field(default_factory=list, max_length=20)

    @field_validator("tags")
    @classmethod
    def _tags(cls, values: list[str]) -> list[str]:
        return _clean(values)

    def is_empty(self) -> bool:
        return self == Actions()


def _mood_holds(wanted: list[str], facts: Facts) -> bool:
    for m in wanted:
        if m == "angry" and facts.angry:
            return True
        if m == "distressed" and (facts.distressed or facts.angry):
            return True
        if m == facts.mood:
            return True
    return False


def matches(conditions: Conditions, facts: Facts) -> bool:
    c = conditions
    if c.is_empty():
        return False
    checks = (
        not c.intent or facts.intent.lower() in c.intent,
        c.amount_gte is None or facts.at_stake >= c.amount_gte,
        not c.chain or bool(set(c.chain) & {x.lower() for x in facts.chains}),
        not c.mood or _mood_holds(list(c.mood), facts),
        not c.tier or facts.tier in c.tier,
        not c.channel or facts.channel.lower() in c.channel,
        not c.inbox or facts.inbox_id in c.inbox,
        not c.keyword or any(k in facts.customer_text.casefold() for k in c.keyword),
        not c.security or bool(facts.security),
    )
    return all(checks)
