"""The console's lines for a call's timeline events (conversations/timeline.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from blockdesk.conversations.models import ConversationEvent
from blockdesk.conversations.timeline import register_timeline_kind

KIND_STARTED = "call_started"
KIND_ENDED = "call_ended"


def format_duration(seconds: int) -> str:
    """3:07, or 1:02:03 past an hour: how a call's length reads on a phone."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def _started(event: ConversationEvent, actor: str) -> str:
    data = event.data or {}
    video = bool(data.get("video"))
    if data.get("started_by") == "agent":
        text = (
            _("%(agent)s called the customer (video); they answered")
            if video
            else _("%(agent)s called the customer (audio); they answered")
        )
    else:
        text = (
            _("The customer called (video); %(agent)s answered")
            if video
            else _("The customer called (audio); %(agent)s answered")
        )
    line = text % {"agent": data.get("agent_name") or "?"}
    if data.get("recording_consent"):
        line += " · " + _("the customer agreed to recording")
    return line


def _ended(event: ConversationEvent, actor: str) -> str:
    data = event.data or {}
    outcome = data.get("outcome")
    if outcome == "completed":
        return _("Call ended · duration %(duration)s") % {
            "duration": format_duration(int(data.get("duration") or 0))
        }
    if outcome == "declined":
        return _("Call declined")
    if outcome == "missed":
        return _("Missed call")
    if outcome == "cancelled":
        return _("Call cancelled before it was answered")
    return _("Call failed")


def register() -> None:
    register_timeline_kind(KIND_STARTED, gettext_lazy("Call started"), describe=_started)
    register_timeline_kind(KIND_ENDED, gettext_lazy("Call ended"), describe=_ended)
