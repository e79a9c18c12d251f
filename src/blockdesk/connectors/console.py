"""The console's one hook for channels: what each channel shows under a message (a
delivery status with its retry button, an email's authenticity and original text).

Channel packages register a renderer from their AppConfig.ready(); the console's message
template calls `message_extras` (workspace_tags: `{% message_extras m %}`) and never asks
which channel a message came through. A renderer returns HTML it built with autoescaping
templates (or "" for messages it has nothing to say about)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from blockdesk.conversations.models import Message

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
