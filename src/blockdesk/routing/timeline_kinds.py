"""The timeline lines routing writes (conversations/timeline.py): each automatic
assignment with its reason, a reassignment after silence, a case put in the queue."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from blockdesk.conversations.models import ConversationEvent
from blockdesk.conversations.timeline import register_timeline_kind
from blockdesk.routing.services import ASSIGNED_KIND, QUEUED_KIND, REASSIGNED_KIND


def reason_text(data: dict[str, object]) -> str:
    """ "balanced: alice had 2 of 5" / "round robin: alice's turn (2 of 5)", and the skills."""
    values = {
        "agent": data.get("agent_name") or "?",
        "load": data.get("load", 0),
        "capacity": data.get("capacity", 0),
    }
    if data.get("mode") == "round_robin":
        text = _("round robin: %(agent)s's turn (%(load)s of %(capacity)s)") % values
    else:
        text = _("balanced: %(agent)s had %(load)s of %(capacity)s") % values
    skills = [str(s) for s in data.get("skills") or []]  # type: ignore[attr-defined]
    if skills:
        text += "; " + _("skills: %(skills)s") % {"skills": ", ".join(skills)}
    return text


def _assigned(event: ConversationEvent, actor: str) -> str:
    return _("Auto-assigned to %(agent)s — %(reason)s") % {
        "agent": (event.data or {}).get("agent_name") or "?",
        "reason": reason_text(event.data or {}),
    }


def _reassigned(event: ConversationEvent, actor: str) -> str:
    data = event.data or {}
    return _(
        "Reassigned to %(agent)s: %(silent)s did not reply for %(minutes)s min — %(reason)s"
    ) % {
        "agent": data.get("agent_name") or "?",
        "silent": data.get("silent_name") or "?",
        "minutes": data.get("silent_minutes", 0),
        "reason": reason_text(data),
    }


def _queued(event: ConversationEvent, actor: str) -> str:
    return _("Every agent is busy: queued at position %(position)s") % {
        "position": (event.data or {}).get("position", "?")
    }


def register() -> None:
    register_timeline_kind(ASSIGNED_KIND, gettext_lazy("Auto-assigned"), describe=_assigned)
    register_timeline_kind(
        REASSIGNED_KIND, gettext_lazy("Reassigned after silence"), describe=_reassigned
    )
    register_timeline_kind(QUEUED_KIND, gettext_lazy("Queued"), describe=_queued)
