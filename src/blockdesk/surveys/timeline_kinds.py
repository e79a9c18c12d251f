"""The survey lines of a case's timeline, as agents read them."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from blockdesk.conversations.models import ConversationEvent
from blockdesk.conversations.timeline import register_timeline_kind

_ACTIONS = {
    "reopen": gettext_lazy("reopened"),
    "flag": gettext_lazy("flagged for a lead"),
}


def _offered(event: ConversationEvent, actor: str) -> str:
    if (event.data or {}).get("source") == "manual":
        return _("Satisfaction survey sent by an agent")
    return _("Satisfaction survey sent")


def _rated(event: ConversationEvent, actor: str) -> str:
    data = event.data or {}
    line = _("The customer rated this case %(score)s/5") % {"score": data.get("score", "?")}
    if data.get("comment"):
        line += " " + _("(with a comment)")
    return line


def _low(event: ConversationEvent, actor: str) -> str:
    action = _ACTIONS.get(str((event.data or {}).get("action")))
    if action is None:
        return _("Low rating")
    return _("Low rating: %(action)s") % {"action": action}


def _followup(event: ConversationEvent, actor: str) -> str:
    return _("Check-in sent %(days)s days after resolution") % {
        "days": (event.data or {}).get("days", "?")
    }


def register() -> None:
    register_timeline_kind("csat_offered", gettext_lazy("Survey sent"), describe=_offered)
    register_timeline_kind("csat_skipped", gettext_lazy("Survey skipped by an agent"))
    register_timeline_kind("csat_rated", gettext_lazy("Customer rating"), describe=_rated)
    register_timeline_kind("csat_low", gettext_lazy("Low rating"), describe=_low)
    register_timeline_kind("followup_sent", gettext_lazy("Check-in sent"), describe=_followup)
