"""What the chat frame needs to show the assistant's article links and quick-reply
buttons: the endpoint and the strings (rendered in the frame's language)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def assistant_widget_config(public_token: str) -> dict[str, Any]:
    return {
        "endpoint": reverse("assistant:widget_quick_reply", args=[public_token]),
        "strings": {
            "article": _("Article"),
            "choose": _("Choose an answer"),
            "failed": _("Your answer could not be sent. Please try again."),
        },
    }
