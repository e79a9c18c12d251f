"""Mood badges for the console (docs/mood.md):

- `{% message_mood_badge message %}` in a message of the conversation view;
- `{% conversation_mood_badge conversation %}` in a row of the conversation list (the
  mood of its latest scored customer message).

Each loads the moods of the whole page in one query the first time it is asked (the
`items` / `rows` of the template context) and keeps them on the request, so a page of 50
messages costs one query, not 50. The templates that call them only show conversations
the agent may see: nothing here widens access."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import template
from django.utils.translation import gettext as _

from blockdesk.mood import selectors
from blockdesk.mood.models import MessageMood

register = template.Library()

_EMOTION_LABELS: dict[str, Callable[[], str]] = {
    "anger": lambda: _("angry"),
    "fear": lambda: _("anxious"),
    "frustration": lambda: _("frustrated"),
    "urgency": lambda: _("urgent"),
}
SHOWN = 0.5  # an emotion at least this strong is named on the badge


def badge(mood: Any) -> dict[str, Any]:
    if not isinstance(mood, MessageMood):
        return {"mood": None}
    named = [
        _EMOTION_LABELS[name]()
        for name, value in sorted(mood.emotions.items(), key=lambda kv: -kv[1])
        if name in _EMOTION_LABELS and value >= SHOWN
    ]
    return {
        "mood": mood,
        "label": mood.get_label_display(),
        "emotions": named,
        "score": f"{mood.score:+.2f}",
    }


@register.inclusion_tag("mood/_badge.html")
def mood_badge(mood: MessageMood | None) -> dict[str, Any]:
    return badge(mood)


def _cached(
    context: template.Context,
    kind: str,
    key: int,
    page_keys: Iterable[int],
    load: Callable[[set[int]], dict[int, MessageMood]],
) -> MessageMood | None:
    request = context.get("request")
    holder: Any = request if request is not None else context
    caches: dict[str, dict[int, MessageMood | None]] = getattr(holder, "_mood_badges", None) or {}
    if not caches:
        holder._mood_badges = caches
    cache = caches.setdefault(kind, {})
    if key not in cache:
        wanted = ({key} | set(page_keys)) - set(cache)
        found = load(wanted)
        for k in wanted:
            cache[k] = found.get(k)
    return cache[key]


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


@register.inclusion_tag("mood/_badge.html", takes_context=True)
def message_mood_badge(context: template.Context, message: Any) -> dict[str, Any]:
    if _field(message, "sender_type") != "contact" or _field(message, "pk") is None:
        return {"mood": None}
    page = [_field(item, "message") for item in context.get("items") or []]
    page_ids = [m.pk for m in page if m is not None and _field(m, "sender_type") == "contact"]
    mood = _cached(
        context,
        "messages",
        message.pk,
        page_ids,
        lambda ids: selectors.moods_for_messages(message_ids=ids),
    )
    return badge(mood)


@register.inclusion_tag("mood/_badge.html", takes_context=True)
def conversation_mood_badge(context: template.Context, conversation: Any) -> dict[str, Any]:
    key = _field(conversation, "pk")
    if key is None:
        return {"mood": None}
    page_ids = []
    for entry in context.get("rows") or []:
        row = entry[0] if isinstance(entry, tuple | list) else entry
        if _field(row, "pk") is not None:
            page_ids.append(_field(row, "pk"))
    mood = _cached(
        context,
        "conversations",
        key,
        page_ids,
        lambda ids: selectors.latest_moods(conversation_ids=ids),
    )
    return badge(mood)
