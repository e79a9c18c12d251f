"""Status changes: open, pending, snoozed (with a time), resolved."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common import plain_sql
from blockdesk.common.errors import ValidationFailed
from blockdesk.conversations import emitting
from blockdesk.conversations.models import (
    Conversation,
    ConversationEvent,
)
from blockdesk.conversations.services._common import (
    Status,
    _one_unit,
    _publish_conversation,
    _record_event,
    check_agent_can_access,
)
from blockdesk.events.registry import Actor


def check_status_change(
    *, conversation: Conversation, status: str, snoozed_until: dt.datetime | None
) -> None:
    if status not in Status.values:
        raise ValidationFailed.field("status", _("Unknown status “%(s)s”.") % {"s": status})
    if status == Status.SNOOZED:
        if snoozed_until is None:
            raise ValidationFailed.field("snoozed_until", _("Choose until when to snooze."))
        if snoozed_until <= timezone.now():
            raise ValidationFailed.field(
                "snoozed_until", _("The snooze time must be in the future.")
            )
    elif snoozed_until is not None:
        raise ValidationFailed.field(
            "snoozed_until", _("Only snoozed conversations have a snooze time.")
        )


def _set_status(
    *,
    conversation: Conversation,
    status: str,
    snoozed_until: dt.datetime | None,
    actor: User | None,
    event_extra: dict[str, object] | None = None,
    event_actor: Actor | None = None,
    tags: list[str] | None = None,
) -> None:
    old = conversation.status
    conversation.status = status
    conversation.snoozed_until = snoozed_until if status == Status.SNOOZED else None
    if status == Status.RESOLVED:
        conversation.resolved_at = timezone.now()
    elif old == Status.RESOLVED:
        conversation.resolved_at = None
    plain_sql.save_row(conversation, fields=("status", "snoozed_until", "resolved_at"))
    _record_event(
        conversation=conversation,
        kind=ConversationEvent.Kind.STATUS_CHANGED,
        actor=actor,
        data={
            "from": old,
            "to": status,
            "until": snoozed_until.isoformat() if snoozed_until else None,
        },
        public=True,
        event_extra=event_extra,
    )
    emitting.emit_conversation(
        conversation,
        "conversation.status_changed",
        actor=event_actor or emitting.actor_of(actor, event_extra),
        old=old,
        new=status,
        snoozed_until=conversation.snoozed_until,
        tags=tags,
    )


def do_change_status(
    *,
    actor: User | None,
    conversation: Conversation,
    status: str,
    snoozed_until: dt.datetime | None = None,
    event_extra: dict[str, object] | None = None,
) -> Conversation:
    if actor is not None:
        check_agent_can_access(user=actor, conversation=conversation)
    check_status_change(conversation=conversation, status=status, snoozed_until=snoozed_until)
    if status == conversation.status and snoozed_until == conversation.snoozed_until:
        return conversation
    with _one_unit():
        locked = plain_sql.fetch_one(
            Conversation,
            where={"pk": conversation.pk},
            related=("contact", "assignee"),  # what the push shows: no re-read below
            for_update=True,
        )
        if locked is None:
            raise Conversation.DoesNotExist(f"conversation {conversation.pk}")
        conversation = locked
        tags = conversation.tag_names()  # for the event and the push: read once
        _set_status(
            conversation=conversation,
            status=status,
            snoozed_until=snoozed_until,
            actor=actor,
            event_extra=event_extra,
            tags=tags,
        )
        _publish_conversation(conversation, tags=tags, reread=False)
    return conversation


def do_reopen_due_snoozed(*, now: dt.datetime | None = None) -> int:
    """Wake snoozed conversations whose time has come; run periodically."""
    now = now or timezone.now()
    count = 0
    for conv in Conversation.objects.filter(status=Status.SNOOZED, snoozed_until__lte=now):
        do_change_status(actor=None, conversation=conv, status=Status.OPEN)
        count += 1
    return count
