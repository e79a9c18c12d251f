"""Template helpers for the console: labels and times shaped as the list script shapes
them, and the two-factor QR code."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from blockdesk.connectors.console import message_extras as _message_extras
from blockdesk.connectors.console import reply_route as _reply_route
from blockdesk.conversations.channel_registry import channel_label as registry_channel_label
from blockdesk.conversations.models import Conversation, Message
from blockdesk.conversations.serializers import sender_name as _sender_name
from blockdesk.workspace import selectors as ui

register = template.Library()


@register.filter
def time_label(value: dt.datetime | None) -> str:
    return ui.time_label(value)


@register.filter
def full_time(value: dt.datetime | None) -> str:
    return ui.full_time_label(value)


@register.filter
def priority_name(value: int) -> str:
    return ui.priority_name(value)


@register.filter
def priority_label(value: int) -> str:
    return ui.priority_label(value)


@register.filter
def status_label(value: str) -> str:
    return ui.status_label(value)


@register.filter
def sender_name(message: Message) -> str:
    return _sender_name(message)


@register.filter
def initials(name: Any) -> str:
    # Words that start with a letter or digit: "Alice (Support)" gives "AS", not "A(".
    words = [w.strip("()[]{}\"'.,-_") for w in str(name or "").split()]
    words = [w for w in words if w and w[0].isalnum()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[-1][0]).upper()


@register.simple_tag
def qr_svg(data: str | None) -> SafeString:
    """An inline SVG QR code, rendered on the server so no script or CDN is needed.

    `segno` is optional: without it the page still shows the key to type in."""
    if not data:
        return mark_safe("")
    try:
        import segno
    except ImportError:
        return mark_safe("")
    svg = segno.make(data, error="m").svg_inline(
        scale=5, border=2, dark="#0d1117", light="#ffffff", omitsize=True
    )
    # segno writes the SVG itself from the QR matrix: no user text ends up in it.
    return mark_safe(svg)  # noqa: S308


@register.simple_tag
def reply_route(conversation: Conversation) -> SafeString:
    return _reply_route(conversation)


@register.simple_tag
def message_extras(message: Message) -> SafeString:
    """What the message's channel shows under it (connectors/console.py)."""
    return _message_extras(message)


@register.filter
def channel_label(kind: str) -> str:
    """The channel kind of an inbox as people read it ("Email", "Telegram")."""
    return registry_channel_label(kind)
