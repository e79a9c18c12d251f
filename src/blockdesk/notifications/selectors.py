"""Reads for customer notifications."""

from __future__ import annotations

from blockdesk.conversations.models import Conversation, Message

# Who writes the replies a customer is waiting for (notes are private and never included).
REPLY_SENDERS = (Message.SenderType.AGENT, Message.SenderType.ASSISTANT, Message.SenderType.SYSTEM)
MAX_MESSAGES_PER_EMAIL = 20


def unseen_replies(*, conversation: Conversation, after: int) -> list[Message]:
    """Public replies newer than both the last emailed one and what the customer saw live."""
    floor = max(after, conversation.contact_read_message_id)
    return list(
        Message.objects.filter(
            conversation=conversation,
            is_private=False,
            sender_type__in=REPLY_SENDERS,
            pk__gt=floor,
        )
        .select_related("sender_user")
        .order_by("pk")[:MAX_MESSAGES_PER_EMAIL]
    )
