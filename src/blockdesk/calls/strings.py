"""The call UI's strings, handed to its scripts as JSON (templatetags/calls_tags.py)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CALL_STRINGS: dict[str, Promise] = {
    "audio_call": _("Voice call"),
    "video_call": _("Video call"),
    "calling": _("Calling…"),
    "incoming_audio": _("Incoming voice call"),
    "incoming_video": _("Incoming video call"),
    "incoming_from": _("%(name)s is calling"),
    "accept": _("Accept"),
    "decline": _("Decline"),
    "hang_up": _("Hang up"),
    "connecting": _("Connecting…"),
    "connected": _("Connected"),
    "ended": _("Call ended"),
    "ended_after": _("Call ended · %(duration)s"),
    "declined": _("The call was declined."),
    "missed": _("Nobody answered."),
    "cancelled": _("The call was cancelled."),
    "failed": _("The call could not connect."),
    "no_media": _("Your camera or microphone could not be used. Check the browser's permission."),
    "unavailable": _("A call is not possible right now."),
    "mute": _("Mute"),
    "unmute": _("Unmute"),
    "recording_notice": _(
        "This support team records calls if you agree. Nothing is recorded otherwise."
    ),
    "recording_consent": _("I agree that this call is recorded"),
    "recording_agreed": _("The customer agreed to recording"),
    "recording_withdraw": _("Stop recording"),
    "recording_withdrawn": _("Recording stopped: nothing of this call is kept."),
    "recording_on": _("Recording this call (the customer agreed)"),
    "recording_saved": _("The call recording was saved on the case."),
    "recording_failed": _("The call recording could not be saved: %(reason)s"),
    "remote_video": _("The other person's video"),
    "local_video": _("Your video"),
}
