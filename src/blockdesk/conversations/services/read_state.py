"""How far agents and customers have read."""

from __future__ import annotations

from django.db import transaction

from blockdesk.accounts.models import User
from blockdesk.common.realtime import publish_on_commit, user_group
from blockdesk.conversations.models import (
    Conversation,
    ReadMarker,
)
from blockdesk.conversations.services._common import (
    check_agent_can_access,
)


def _mark_read(*, user: User, conversation: Conversation, message_id: int) -> None:
    marker, _created = ReadMarker.objects.get_or_create(user=user, conversation=conversation)
    if message_id > marker.last_read_message_id:
        marker.last_read_message_id = message_id
        marker.save(update_fields=["last_read_message_id"])
        publish_on_commit(
            [user_group(user.pk)],
            {
                "type": "conversation.read",
                "conversation_id": conversation.pk,
                "message_id": message_id,
            },
        )


def do_mark_read(*, user: User, conversation: Conversation) -> None:
    check_agent_can_access(user=user, conversation=conversation)
    with transaction.atomic():
        _mark_read(user=user, conversation=conversation, message_id=conversation.last_message_id)


def do_mark_read_by_contact(*, contact_id: int, conversation_id: int, message_id: int) -> bool:
    """The customer saw the conversation up to ``message_id`` (widget open and visible).
    One UPDATE, scoped to the contact's own conversation; never moves backwards."""
    updated = Conversation.objects.filter(
        pk=conversation_id,
        contact_id=contact_id,
        contact_read_message_id__lt=message_id,
        last_message_id__gte=message_id,
    ).update(contact_read_message_id=message_id)
    return bool(updated)
