"""The console's lines for a call's timeline events (conversations/timeline.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from blockdesk.conversations.models import ConversationEvent

if TYPE_CHECKING:
    from blockdesk.calls.models import CallRecording
from blockdesk.conversations.timeline import register_timeline_kind

KIND_STARTED = "call_started"
KIND_ENDED = "call_ended"
KIND_RECORDED = "call_recorded"
KIND_CONSENT_WITHDRAWN = "call_consent_withdrawn"


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


def _recording(event: ConversationEvent) -> CallRecording | None:
    from blockdesk.calls.models import CallRecording

    raw = (event.data or {}).get("recording_id")
    if not isinstance(raw, int):
        return None
    return CallRecording.objects.select_related("call").filter(pk=raw).first()


def _recorded(event: ConversationEvent, actor: str) -> str:
    found = _recording(event)
    if found is None:
        return _("Call recording deleted (its retention period ended)")
    # The call's own duration: the upload can reach the server just before the hang-up.
    return _("Call recorded · %(duration)s") % {
        "duration": format_duration(found.call.duration_seconds)
    }


def _recording_url(event: ConversationEvent) -> str | None:
    found = _recording(event)
    return reverse("call_recordings:file", args=[found.pk]) if found is not None else None


def register() -> None:
    register_timeline_kind(KIND_STARTED, gettext_lazy("Call started"), describe=_started)
    register_timeline_kind(KIND_ENDED, gettext_lazy("Call ended"), describe=_ended)
    register_timeline_kind(
        KIND_RECORDED,
        gettext_lazy("Call recorded"),
        describe=_recorded,
        audio_url=_recording_url,
    )
    register_timeline_kind(
        KIND_CONSENT_WITHDRAWN,
        gettext_lazy("Recording consent withdrawn"),
        describe=lambda event, actor: _(
            "The customer withdrew their consent: this call is not recorded"
        ),
    )
