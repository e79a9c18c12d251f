"""A case's priority."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import ValidationFailed
from blockdesk.conversations import emitting
from blockdesk.conversations.models import (
    Conversation,
    ConversationEvent,
)
from blockdesk.conversations.serializers import (
    PRIORITY_BY_NAME,
)
from blockdesk.conversations.services._common import (
    _publish_conversation,
    _record_event,
    check_agent_can_access,
)


def do_change_priority(
    *,
    actor: User | None,
    conversation: Conversation,
    priority: str,
    event_extra: dict[str, object] | None = None,
) -> Conversation:
    if actor is not None:
        check_agent_can_access(user=actor, conversation=conversation)
    if priority not in PRIORITY_BY_NAME:
        raise ValidationFailed.field("priority", _("Unknown priority “%(p)s”.") % {"p": priority})
    value = PRIORITY_BY_NAME[priority]
    if conversation.priority == value:
        return conversation
    with transaction.atomic():
        old = conversation.priority
        conversation.priority = value
        conversation.save(update_fields=["priority"])
        _record_event(
            conversation=conversation,
            kind=ConversationEvent.Kind.PRIORITY_CHANGED,
            actor=actor,
            data={"from": int(old), "to": int(value)},
            event_extra=event_extra,
        )
        emitting.emit_conversation(
            conversation,
            "conversation.priority_changed",
            actor=emitting.actor_of(actor, event_extra),
            old=emitting.priority_name(old),
            new=emitting.priority_name(value),
        )
        _publish_conversation(conversation)
    return conversation
