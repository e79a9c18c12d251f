"""`{% load mood_tags %}{% mood_badge mood %}`: a small badge for a MessageMood (or
nothing). The console's list row and message item can show it (docs/mood.md)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from blockdesk.mood.models import MessageMood

register = template.Library()

_EMOTION_LABELS = {
    "anger": lambda: _("angry"),
    "fear": lambda: _("anxious"),
    "frustration": lambda: _("frustrated"),
    "urgency": lambda: _("urgent"),
}
SHOWN = 0.5  # an emotion at least this strong is named on the badge


@register.inclusion_tag("mood/_badge.html")
def mood_badge(mood: MessageMood | None) -> dict[str, Any]:
    if mood is None:
        return {"mood": None}
    named = [
        str(_EMOTION_LABELS[name]())
        for name, value in sorted(mood.emotions.items(), key=lambda kv: -kv[1])
        if name in _EMOTION_LABELS and value >= SHOWN
    ]
    return {
        "mood": mood,
        "label": mood.get_label_display(),
        "emotions": named,
        "score": f"{mood.score:+.2f}",
    }
