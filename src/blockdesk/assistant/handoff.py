"""Handing a conversation to a person: what the customer is told (business-hours
aware) and the internal note that briefs the agent."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from blockdesk.assistant.models import AssistantSettings
from blockdesk.assistant.phrases import localized, phrase

REASONS: dict[str, Any] = {
    "asked_for_person": gettext_lazy("the customer asked for a person"),
    "not_helpful": gettext_lazy("the customer said the answer did not help"),
    "none_of_these": gettext_lazy("none of the offered topics fitted"),
    "low_confidence": gettext_lazy("the assistant was not confident enough to answer"),
    "out_of_scope": gettext_lazy("the question is not covered by the help center"),
    "mood": gettext_lazy("the customer seems upset"),
    "account_compromised": gettext_lazy("sensitive: the account may be compromised"),
    "funds_stolen_or_missing": gettext_lazy("sensitive: funds reported stolen or missing"),
    "legal_threat": gettext_lazy("sensitive: legal threat"),
    "impersonation": gettext_lazy("sensitive: someone may be posing as us"),
    "lost_access": gettext_lazy("sensitive: the customer lost access to the account"),
    "sensitive_topic": gettext_lazy("sensitive topic"),
    "secret_exposed": gettext_lazy("sensitive: the customer exposed a seed phrase or private key"),
    "diagnosis_needs_agent": gettext_lazy("the transaction check needs a person"),
    "agent_took_over": gettext_lazy("an agent took over"),
    "error": gettext_lazy("the assistant failed on this message"),
    "surge": gettext_lazy("surge mode: the incident answer was sent"),
}
SENSITIVE_REASONS = frozenset(
    {
        "account_compromised",
        "funds_stolen_or_missing",
        "legal_threat",
        "impersonation",
        "lost_access",
        "sensitive_topic",
        "secret_exposed",
    }
)
MOODS: dict[str, Any] = {
    "calm": gettext_lazy("calm"),
    "angry": gettext_lazy("angry or frustrated"),
    "distressed": gettext_lazy("distressed"),
}


def reason_label(reason: str) -> str:
    label = REASONS.get(reason)
    return str(label) if label is not None else reason


def _zone(config: AssistantSettings) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(config.business_timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def in_business_hours(config: AssistantSettings, now: dt.datetime | None = None) -> bool:
    local = (now or timezone.now()).astimezone(_zone(config))
    days = config.business_days or []
    if local.weekday() not in days:
        return False
    return config.business_start <= local.time().replace(tzinfo=None) < config.business_end


def next_opening(config: AssistantSettings, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the team is next at work (local time), or None without any business day."""
    zone = _zone(config)
    local = (now or timezone.now()).astimezone(zone)
    days = set(config.business_days or [])
    if not days:
        return None
    for offset in range(8):
        day = (local + dt.timedelta(days=offset)).date()
        if day.weekday() not in days:
            continue
        opening = dt.datetime.combine(day, config.business_start, tzinfo=zone)
        if opening > local:
            return opening
    return None


def customer_message(
    config: AssistantSettings, *, language: str, sensitive: bool, now: dt.datetime | None = None
) -> str:
    if in_business_hours(config, now) or not config.business_days:
        return phrase("handoff_sensitive" if sensitive else "handoff", language)
    custom = (config.out_of_hours_message or {}).get(language) or ""
    if custom.strip():
        return custom.strip()
    opening = next_opening(config, now)
    if opening is None:
        return phrase("handoff", language)
    return phrase(
        "handoff_out_of_hours",
        language,
        when=opening.strftime("%Y-%m-%d %H:%M"),
        tz=config.business_timezone or "UTC",
    )


# The agent's note, in the agent's interface language; built-in Chinese wordings as in
# phrases.py, so the note reads Chinese before the catalogue is compiled.
NOTE: dict[str, tuple[Any, str]] = {
    "handed_off": (gettext_lazy("Handed off: %(reason)s."), "转人工：%(reason)s。"),
    "wants": (gettext_lazy("Wants: %(wants)s"), "客户诉求：%(wants)s"),
    "unclear": (gettext_lazy("unclear"), "不明确"),
    "not_covered": (
        gettext_lazy("something the help center does not cover"),
        "帮助中心未涵盖的问题",
    ),
    "details": (gettext_lazy("Details: %(details)s"), "关键信息：%(details)s"),
    "tx": (gettext_lazy("tx %(hash)s"), "交易 %(hash)s"),
    "address": (gettext_lazy("address %(address)s"), "地址 %(address)s"),
    "tried": (gettext_lazy("Tried: %(tried)s"), "已尝试：%(tried)s"),
    "nothing_yet": (gettext_lazy("nothing yet"), "尚未尝试"),
    "offered": (gettext_lazy("offered the article “%(title)s”"), "提供了文章《%(title)s》"),
    "clarified": (gettext_lazy("asked a clarifying question"), "追问了一个澄清问题"),
    "diagnosed": (gettext_lazy("checked the transaction on chain"), "查询了链上交易"),
    "diagnosed_agent": (
        gettext_lazy("checked the transaction on chain (it needs a person)"),
        "查询了链上交易（需要人工处理）",
    ),
    "mood": (gettext_lazy("Mood: %(mood)s"), "客户情绪：%(mood)s"),
    "technical": (gettext_lazy("Technical details"), "技术细节"),
    "d_language": (gettext_lazy("Customer language: %(language)s"), "客户语言：%(language)s"),
    "d_intent": (
        gettext_lazy("Intent: %(intent)s, confidence %(confidence)s%%"),
        "意图：%(intent)s，置信度 %(confidence)s%%",
    ),
    "d_candidates": (gettext_lazy("Other candidates: %(list)s"), "其他候选：%(list)s"),
    "d_ranking": (
        gettext_lazy("Articles ranked (intent model + search): %(list)s"),
        "文章排序（意图模型 + 搜索）：%(list)s",
    ),
    "d_entities": (gettext_lazy("Found in the message: %(list)s"), "消息中识别到：%(list)s"),
}


def _note(key: str, language: str, /, **params: Any) -> str:
    text = _note_text(key, language)
    return text % params if params else text


@functools.lru_cache(maxsize=1024)
def _note_text(key: str, language: str) -> str:
    # A note is a dozen lines: each worked out once per language, as phrases are.
    lazy, zh = NOTE[key]
    return localized(lazy, zh, language)


def short(value: str, *, head: int = 6, tail: int = 4) -> str:
    """A hash or address an agent recognises at a glance (the full one is in the message)."""
    value = value.strip()
    return value if len(value) <= head + tail + 1 else f"{value[:head]}…{value[-tail:]}"


def _pct(probability: float) -> str:
    pct = float(probability) * 100
    return f"{pct:.1f}" if 0 < pct < 1 else str(round(pct))


@dataclass(frozen=True)
class NoteFacts:
    """What the agent is told when the assistant hands a case over."""

    reason: str
    wants: str  # what the customer wants in human words; "" unknown
    out_of_scope: bool
    entities: dict[str, list[str]]
    offered: Sequence[str]  # titles of the articles offered in the case
    clarified: bool  # a clarifying question was asked
    diagnosis: str  # "" none, "explained", "needs_agent"
    mood: str
    # Technical detail, folded away in the console:
    customer_language: str
    intent: str
    confidence: float
    alternatives: Sequence[dict[str, Any]] = ()
    ranking: Sequence[dict[str, Any]] = ()


def _details_line(entities: dict[str, list[str]], language: str) -> str:
    parts: list[str] = []
    parts += list(dict.fromkeys(entities.get("amounts") or []))[:3]
    parts += list(dict.fromkeys(entities.get("chains") or []))[:2]
    parts += [_note("tx", language, hash=short(h)) for h in (entities.get("tx_hashes") or [])[:2]]
    parts += [
        _note("address", language, address=short(a)) for a in (entities.get("addresses") or [])[:2]
    ]
    return " · ".join(p for p in parts if p)


def internal_note(facts: NoteFacts, *, language: str) -> tuple[str, list[str]]:
    """The agent's briefing in ``language`` (the agent interface's): a summary read in five
    seconds, and the technical lines the console folds away."""
    with translation.override(language or "en"):
        reason = reason_label(facts.reason)
        mood = str(MOODS.get(facts.mood, facts.mood))
    lines = [_note("handed_off", language, reason=reason)]
    wants = facts.wants or _note("not_covered" if facts.out_of_scope else "unclear", language)
    lines.append(_note("wants", language, wants=wants))
    found = _details_line(facts.entities, language)
    if found:
        lines.append(_note("details", language, details=found))
    tried = [_note("offered", language, title=title) for title in facts.offered]
    if facts.clarified:
        tried.append(_note("clarified", language))
    if facts.diagnosis:
        key = "diagnosed_agent" if facts.diagnosis == "needs_agent" else "diagnosed"
        tried.append(_note(key, language))
    sep = "；" if language.lower().startswith("zh") else "; "
    lines.append(_note("tried", language, tried=sep.join(tried) or _note("nothing_yet", language)))
    if facts.mood:
        lines.append(_note("mood", language, mood=mood))

    details = [_note("d_language", language, language=facts.customer_language)]
    if facts.intent:
        details.append(
            _note("d_intent", language, intent=facts.intent, confidence=_pct(facts.confidence))
        )
    others = [a for a in facts.alternatives[1:3] if a.get("intent")]
    if others:
        listed = ", ".join(f"{a['intent']} ({_pct(a.get('probability', 0))}%)" for a in others)
        details.append(_note("d_candidates", language, list=listed))
    if facts.ranking:
        listed = ", ".join(f"{c['key']} ({_pct(c.get('score', 0))}%)" for c in facts.ranking[:3])
        details.append(_note("d_ranking", language, list=listed))
    found_all = [f"{kind}: {', '.join(v)}" for kind, v in facts.entities.items() if v]
    if found_all:
        details.append(_note("d_entities", language, list="; ".join(found_all)))
    return "\n".join(lines), details
