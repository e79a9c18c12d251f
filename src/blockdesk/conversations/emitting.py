"""Writes conversation and message events to the event log (events.services.emit), in the
caller's transaction. Kept apart from services.py so the services read as the change."""

from __future__ import annotations

from typing import Any

from blockdesk.accounts.models import User
from blockdesk.conversations import event_types as et
from blockdesk.conversations.models import Conversation, Message
from blockdesk.conversations.serializers import PRIORITY_NAMES
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit


def actor_of(user: User | None, event_extra: dict[str, object] | None = None) -> Actor:
    """Who acted: the agent, else what event_extra says (an API token, the assistant),
    else the system (a periodic job, another app)."""
    if user is not None:
        return Actor.agent(user.pk)
    extra = event_extra or {}
    token_id = extra.get("api_token_id")
    if isinstance(token_id, int):
        return Actor.api_token(token_id)
    if extra.get("by") == "assistant":
        return Actor.assistant()
    return Actor.system()


def priority_name(value: int) -> str:
    return PRIORITY_NAMES[Conversation.Priority(value)]


def facts(conversation: Conversation, *, tags: list[str] | None = None) -> et.ConversationFacts:
    """`tags` when the caller knows them (a new conversation has none): saves a query."""
    if tags is None:
        tags = conversation.tag_names()
    return et.ConversationFacts(
        id=conversation.pk,
        number=conversation.display_id,
        inbox_id=conversation.inbox_id,
        contact_id=conversation.contact_id,
        status=conversation.status,  # type: ignore[arg-type]
        snoozed_until=conversation.snoozed_until,
        assignee_id=conversation.assignee_id,
        team_id=conversation.team_id,
        priority=priority_name(conversation.priority),  # type: ignore[arg-type]
        tags=tags,
    )


def emit_conversation(
    conversation: Conversation,
    name: str,
    *,
    actor: Actor,
    tags: list[str] | None = None,
    **data: Any,
) -> None:
    emit(
        account_id=conversation.account_id,
        name=name,
        payload={"conversation": facts(conversation, tags=tags), **data},
        actor=actor,
        subject=Subject("conversation", conversation.pk),
    )


_SENDER_ACTOR = {
    Message.SenderType.ASSISTANT: Actor.assistant(),
    Message.SenderType.SYSTEM: Actor.system(),
}


def emit_message(message: Message, conversation: Conversation) -> None:
    """message.created. The message's attachments are already cached (no query)."""
    sender_id: int | None = None
    if message.sender_type == Message.SenderType.CONTACT:
        sender_id = message.sender_contact_id
        actor = Actor("contact", sender_id)
    elif message.sender_type == Message.SenderType.AGENT:
        sender_id = message.sender_user_id
        actor = Actor("agent", sender_id)
    else:
        actor = _SENDER_ACTOR[Message.SenderType(message.sender_type)]
    payload = et.MessageCreated(
        id=message.pk,
        conversation_id=conversation.pk,
        inbox_id=conversation.inbox_id,
        sender=et.Sender(kind=message.sender_type, id=sender_id),  # type: ignore[arg-type]
        private=message.is_private,
        content=message.content,
        attachments=[
            et.AttachmentFacts(
                id=a.pk, filename=a.filename, content_type=a.content_type, size=a.size
            )
            for a in message.attachments.all()
        ],
        created_at=message.created_at,
    )
    emit(
        account_id=conversation.account_id,
        name="message.created",
        payload=payload,
        actor=actor,
        subject=Subject("message", message.pk),
    )
