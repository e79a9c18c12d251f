from __future__ import annotations

from typing import Any

from django import template

from blockdesk.assistant.presenters import message_info
from blockdesk.conversations.models import Message

register = template.Library()


@register.simple_tag
def assistant_info(message: Message) -> dict[str, Any] | None:
    return message_info(message)
