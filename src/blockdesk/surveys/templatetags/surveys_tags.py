"""Template tags: the chat frame's rating-card configuration (endpoint and strings in the
frame's language), and the survey card of a conversation in the console."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from blockdesk.surveys import selectors
from blockdesk.surveys.public_views import scale_choices

register = template.Library()


@register.simple_tag
def surveys_widget_config(public_token: str) -> dict[str, Any]:
    return {
        "endpoint": reverse("surveys_public:widget_rate", args=[public_token]),
        "scales": {s: scale_choices(s) for s in ("five", "emoji", "thumbs")},
        "strings": {
            "title": _("How did we do?"),
            "comment": _("Anything you want to tell us? (optional)"),
            "send": _("Send my rating"),
            "thanks": _("Thank you for your rating!"),
            "already": _("This survey was already answered. Thank you!"),
            "failed": _("Your rating could not be sent. Please try again."),
        },
    }


@register.simple_tag
def conversation_survey(conversation: Any) -> dict[str, Any]:
    found = selectors.conversation_survey(conversation_id=conversation.pk)
    return {
        **found,
        "skip_url": reverse("surveys:skip", args=[conversation.pk]),
        "send_url": reverse("surveys:send", args=[conversation.pk]),
    }
