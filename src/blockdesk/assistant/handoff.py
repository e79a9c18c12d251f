"""Handing a conversation to a person: what the customer is told (business-hours
aware) and the internal note that briefs the agent."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from blockdesk.assistant.models import AssistantSettings
from blockdesk.assistant.phrases import phrase

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


def internal_note(
    *,
    language: str,
    intent: str,
    confidence: float,
    alternatives: Sequence[dict[str, Any]],
    entities: dict[str, list[str]],
    offered: Sequence[tuple[str, str]],
    mood: str,
    reason: str,
) -> str:
    """The agent's briefing, in the agent's interface language (the active one)."""
    lines = [_("Handed off by the assistant: %(reason)s.") % {"reason": reason_label(reason)}]
    lines.append(_("Language: %(language)s") % {"language": language})
    if intent:
        lines.append(
            _("Understood intent: %(intent)s (confidence %(confidence)d%%)")
            % {"intent": intent, "confidence": round(confidence * 100)}
        )
    others = [a for a in alternatives[1:3] if a.get("intent")]
    if others:
        lines.append(
            _("Other candidates: %(list)s")
            % {
                "list": ", ".join(
                    f"{a['intent']} ({round(float(a.get('probability', 0)) * 100)}%)"
                    for a in others
                )
            }
        )
    found = [f"{kind}: {', '.join(values)}" for kind, values in entities.items() if values]
    lines.append(
        _("Details found: %(entities)s") % {"entities": "; ".join(found) if found else _("none")}
    )
    tried = ", ".join(f"{title} ({key})" for key, title in offered)
    lines.append(_("Articles offered: %(articles)s") % {"articles": tried or _("none")})
    lines.append(_("Customer mood: %(mood)s") % {"mood": str(MOODS.get(mood, mood))})
    return "\n".join(lines)
