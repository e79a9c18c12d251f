"""The console's one hook for channels: what each channel shows under a message (a
delivery status with its retry button, an email's authenticity and original text).

Channel packages register a renderer from their AppConfig.ready(); the console's message
template calls `message_extras` (workspace_tags: `{% message_extras m %}`) and never asks
which channel a message came through. A renderer returns HTML it built with autoescaping
templates (or "" for messages it has nothing to say about)."""

from __future__ import annotations

from collections.abc import Callable

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from blockdesk.conversations.channel_registry import channel_label
from blockdesk.conversations.models import Conversation, Message

MessageExtra = Callable[[Message], str]
_EXTRAS: list[MessageExtra] = []


def register_message_extra(render: MessageExtra) -> MessageExtra:
    if render not in _EXTRAS:
        _EXTRAS.append(render)
    return render


def message_extras(message: Message) -> SafeString:
    parts = [part for render in _EXTRAS if (part := render(message))]
    # Each part is a rendered, autoescaped template: safe as a whole.
    return format_html_join("", "{}", ((mark_safe(p),) for p in parts))  # noqa: S308


def reply_route(conversation: Conversation) -> SafeString:
    """Above the composer, for a case the customer continued on another channel: the one
    channel the next reply goes out on (linked_channels.py), and a choice among the case's
    channels. Nothing for a case that never left its channel."""
    from blockdesk.connectors.linked_channels import current_route, route_choices

    choices = route_choices(conversation=conversation)
    if len(choices) < 2:
        return mark_safe("")
    current = current_route(conversation=conversation)
    html = render_to_string(
        "connectors/_reply_route.html",
        {
            "action": reverse("connectors:choose_route", args=[conversation.pk]),
            "current": current.pk,
            "choices": [
                {"id": i.pk, "name": i.name, "channel": channel_label(i.channel_kind)}
                for i in choices
            ],
        },
    )
    return mark_safe(html)  # noqa: S308 - an autoescaped template
