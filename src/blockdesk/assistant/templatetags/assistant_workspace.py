from __future__ import annotations

from typing import Any

from django import template

from blockdesk.assistant.presenters import message_info
from blockdesk.assistant.selectors import handles_conversation
from blockdesk.conversations.models import Conversation, Message

register = template.Library()


@register.simple_tag
def assistant_info(message: Message) -> dict[str, Any] | None:
    return message_info(message)


@register.simple_tag
def assistant_handles(conversation: Conversation) -> bool:
    """Whether the assistant still handles this (unassigned) case: the console offers
    "Take over". The page already checked the agent may see the conversation."""
    return conversation.assignee_id is None and handles_conversation(conversation)
