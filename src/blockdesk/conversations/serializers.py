"""Plain-dict views of conversations and messages, shared by the real-time push,
the widget endpoints and webhooks. Customer-facing views never carry internal data."""

from __future__ import annotations

from typing import Any

from django.db import models

from blockdesk.conversations.models import (
    Attachment,
    Contact,
    Conversation,
    ConversationEvent,
    Message,
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _label(choices: type[models.TextChoices], value: str) -> str:
    """get_FOO_display() without its cost: it hashes every choice's lazy label (one
    translation lookup each) to find one; on every message and timeline push (issue 17)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value  # a value from before its choice was removed, shown as stored


def attachment_dict(att: Attachment) -> dict[str, Any]:
    return {
        "id": att.pk,
        "filename": att.filename,
        "content_type": att.content_type,
        "size": att.size,
        "url": f"/attachments/{att.pk}/",
    }


def sender_name(message: Message) -> str:
    if message.sender_type == Message.SenderType.AGENT and message.sender_user:
        return message.sender_user.public_name
    if message.sender_type == Message.SenderType.CONTACT and message.sender_contact:
        return str(message.sender_contact.display_name)
    return _label(Message.SenderType, message.sender_type)


def message_dict(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "sender_type": message.sender_type,
        "sender_name": sender_name(message),
        "sender_user_id": message.sender_user_id,
        "content": message.content,
        "private": message.is_private,
        "created_at": _iso(message.created_at),
        "attachments": [attachment_dict(a) for a in message.attachments.all()],
        "metadata": message.metadata or {},
    }


def public_message_dict(message: Message, *, full: dict[str, Any] | None = None) -> dict[str, Any]:
    """`full`: this message's message_dict when the caller already built it (the send
    path builds both views of the message it just wrote)."""
    data = dict(full) if full is not None else message_dict(message)
    data.pop("private")
    data.pop("sender_user_id")
    # Agents' extras (confidence, intents) stay internal; only the public part goes out.
    data["metadata"] = dict((message.metadata or {}).get("public") or {})
    return data


def contact_dict(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "name": contact.name,
        "display_name": str(contact.display_name),
        "email": contact.email,
        "locale": contact.locale,
        "attributes": contact.attributes,
        "created_at": _iso(contact.created_at),
    }


def conversation_dict(conv: Conversation, *, tags: list[str] | None = None) -> dict[str, Any]:
    """`tags` when the caller knows them (a case it just opened has none): saves a read."""
    return {
        "id": conv.pk,
        "display_id": conv.display_id,
        "inbox_id": conv.inbox_id,
        "contact_id": conv.contact_id,
        "contact_name": str(conv.contact.display_name),
        "subject": conv.subject,
        "status": conv.status,
        "snoozed_until": _iso(conv.snoozed_until),
        "priority": PRIORITY_NAMES[Conversation.Priority(conv.priority)],
        "assignee_id": conv.assignee_id,
        "assignee_name": conv.assignee.public_name if conv.assignee else None,
        "team_id": conv.team_id,
        "tags": conv.tag_names() if tags is None else sorted(tags),
        "created_at": _iso(conv.created_at),
        "last_activity_at": _iso(conv.last_activity_at),
        "first_response_at": _iso(conv.first_response_at),
        "first_human_response_at": _iso(conv.first_human_response_at),
        "first_bot_response_at": _iso(conv.first_bot_response_at),
        "resolved_at": _iso(conv.resolved_at),
        "last_message_id": conv.last_message_id,
        "secret_exposed": conv.secret_exposed,
    }


PRIORITY_NAMES = {
    Conversation.Priority.URGENT: "urgent",
    Conversation.Priority.HIGH: "high",
    Conversation.Priority.NORMAL: "normal",
    Conversation.Priority.LOW: "low",
}
PRIORITY_BY_NAME = {v: k for k, v in PRIORITY_NAMES.items()}


def public_conversation_dict(conv: Conversation) -> dict[str, Any]:
    return {
        "id": conv.pk,
        "display_id": conv.display_id,
        "status": conv.status,
        "subject": conv.subject,
        "assignee_name": conv.assignee.public_name if conv.assignee else None,
        "created_at": _iso(conv.created_at),
        "last_activity_at": _iso(conv.last_activity_at),
        "resolved_at": _iso(conv.resolved_at),
        "last_message_id": conv.last_message_id,
    }


def event_dict(event: ConversationEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "kind": event.kind,
        "label": _label(ConversationEvent.Kind, event.kind),
        "public": event.is_public,
        "actor_name": event.actor.public_name if event.actor else None,
        "data": event.data,
        "created_at": _iso(event.created_at),
    }
