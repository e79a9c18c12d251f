"""`{% service_record_url conversation as url %}`: the public record page of a conversation
the page has already authorised (the console's conversation view), or "" when nothing is
recorded for it yet."""

from __future__ import annotations

from django import template
from django.urls import reverse

from blockdesk.conversations.models import Conversation
from blockdesk.records import selectors

register = template.Library()


@register.simple_tag
def service_record_url(conversation: Conversation) -> str:
    case = selectors.case_for_conversation(
        account_id=conversation.account_id, conversation_id=conversation.pk
    )
    if case is None:
        return ""
    return reverse("records:receipt", args=[case.receipt_id])
