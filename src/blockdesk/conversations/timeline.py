"""What each kind of timeline event (ConversationEvent.kind) says in the console.

Each app registers the kinds it writes from its AppConfig.ready(), with a label and,
when the line needs the event's data, a `describe(event, actor)` function; the console
asks `describe_event` and knows no kind itself. `ConversationEvent.Kind` stays the
database vocabulary (its choices are in migrations); tests/conversations/test_timeline.py
fails when one of its kinds has no registration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from blockdesk.conversations.models import ConversationEvent

# (event, who acted, already translated) -> the line agents read, translated.
Describe = Callable[[ConversationEvent, str], str]
# event -> the URL of audio the console plays under the line (a call recording), or None.
AudioUrl = Callable[[ConversationEvent], str | None]


@dataclass(frozen=True)
class TimelineKind:
    kind: str
    label: str | Promise
    describe: Describe | None = None
    # False: the console leaves it out (the opening event says nothing the first
    # message doesn't).
    shown: bool = True
    audio_url: AudioUrl | None = None


_KINDS: dict[str, TimelineKind] = {}


def register_timeline_kind(
    kind: str,
    label: str | Promise,
    *,
    describe: Describe | None = None,
    shown: bool = True,
    audio_url: AudioUrl | None = None,
) -> TimelineKind:
    entry = TimelineKind(
        kind=kind, label=label, describe=describe, shown=shown, audio_url=audio_url
    )
    existing = _KINDS.get(kind)
    if existing is not None and existing != entry:
        raise ImproperlyConfigured(f"timeline kind {kind!r} is registered twice, differently")
    _KINDS[kind] = entry
    return entry


def timeline_kind(kind: str) -> TimelineKind | None:
    return _KINDS.get(kind)


def registered_kinds() -> list[str]:
    return sorted(_KINDS)


def is_shown(event: ConversationEvent) -> bool:
    entry = _KINDS.get(event.kind)
    return entry.shown if entry is not None else True


def actor_name(event: ConversationEvent) -> str:
    """Who acted, as agents read it: the agent, the API token, or Blockdesk itself."""
    if event.actor is not None:
        return event.actor.public_name
    data = event.data or {}
    if data.get("via") == "api":
        # Changes made through the REST API record the token instead of an agent.
        if data.get("api_token_name"):
            return _("API token “%(name)s”") % {"name": data["api_token_name"]}
        return _("The API")
    return _("Blockdesk")


def describe_event(event: ConversationEvent) -> str:
    entry = _KINDS.get(event.kind)
    if entry is None:  # written by an app that has not registered it: still readable
        return str(event.get_kind_display())
    if entry.describe is None:
        return str(entry.label)
    return entry.describe(event, actor_name(event))


def event_audio_url(event: ConversationEvent) -> str | None:
    """Audio agents can play from this line (the console checks who may fetch it)."""
    entry = _KINDS.get(event.kind)
    if entry is None or entry.audio_url is None:
        return None
    return entry.audio_url(event)
