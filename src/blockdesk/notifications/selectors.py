"""Reads for customer notifications."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from blockdesk.connectors.models import OutboundDelivery
from blockdesk.conversations.models import Conversation, Message

# Who writes the replies a customer is waiting for (notes are private and never included).
REPLY_SENDERS = (Message.SenderType.AGENT, Message.SenderType.ASSISTANT, Message.SenderType.SYSTEM)
MAX_MESSAGES_PER_EMAIL = 20


def unseen_replies(*, conversation: Conversation, after: int) -> list[Message]:
    """Public replies newer than both the last emailed one and what the customer saw live,
    less those a channel delivers (the customer continued the case on Telegram, email…:
    one delivery per reply, connectors/linked_channels.py)."""
    floor = max(after, conversation.contact_read_message_id)
    delivered = OutboundDelivery.objects.filter(message_id=OuterRef("pk"))
    return list(
        Message.objects.filter(
            conversation=conversation,
            is_private=False,
            sender_type__in=REPLY_SENDERS,
            pk__gt=floor,
        )
        .exclude(Exists(delivered))
        .select_related("sender_user")
        .order_by("pk")[:MAX_MESSAGES_PER_EMAIL]
    )
