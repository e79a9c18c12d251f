"""Opening a case, the follow-up address a customer leaves, events other apps record."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.common.plain_sql import insert_row
from blockdesk.common.realtime import inbox_group, publish_on_commit
from blockdesk.conversations import emitting, numbering
from blockdesk.conversations.models import (
    Contact,
    Conversation,
    ConversationEvent,
    Inbox,
)
from blockdesk.conversations.serializers import (
    conversation_dict,
)
from blockdesk.conversations.services._common import (
    BOT_HANDLES_INBOX,
    Status,
    _publish_conversation,
    _record_event,
)
from blockdesk.events.registry import Actor
from blockdesk.safety.fields import check_no_secret, redact_free_text


def _next_display_id(account_id: int) -> int:
    # One statement, and on PostgreSQL its own short transaction (numbering.py).
    return numbering.next_display_id(account_id)


def do_create_conversation(
    *, inbox: Inbox, contact: Contact, subject: str = "", actor: User | None = None
) -> Conversation:
    with transaction.atomic():
        return open_conversation(inbox=inbox, contact=contact, subject=subject, actor=actor)


def open_conversation(
    *, inbox: Inbox, contact: Contact, subject: str = "", actor: User | None = None
) -> Conversation:
    """do_create_conversation's work, for a caller already inside its own transaction (a
    first message): a nested atomic block would cost a savepoint and its release."""
    if contact.account_id != inbox.account_id:
        raise ValidationFailed.field("contact", _("The contact belongs to another account."))
    conversation = Conversation(
        account_id=inbox.account_id,
        inbox=inbox,
        contact=contact,
        # Redacted before it is cut to length, so no part of a secret is kept.
        subject=redact_free_text(subject, account_id=inbox.account_id)[0][:200],
        display_id=_next_display_id(inbox.account_id),
        team=inbox.default_team,
    )
    if any(handles(inbox) for handles in BOT_HANDLES_INBOX):
        conversation.status = Status.PENDING
    # Field checks only: the foreign keys are objects we hold, the display number is
    # fresh from the counter, and the database enforces both constraints.
    conversation.full_clean(
        exclude=["account", "inbox", "contact", "team", "assignee"],
        validate_constraints=False,
    )
    insert_row(conversation)
    _record_event(
        conversation=conversation, kind=ConversationEvent.Kind.OPENED, actor=actor, public=True
    )
    payload = conversation_dict(conversation, tags=[])  # a new case has none: no read
    publish_on_commit(
        [inbox_group(inbox.pk)], {"type": "conversation.created", "conversation": payload}
    )
    emitting.emit_conversation(
        conversation,
        "conversation.created",
        actor=emitting.actor_of(actor) if actor else Actor.contact(contact.pk),
        tags=[],
    )
    return conversation


def do_leave_followup_email(*, contact: Contact, conversation: Conversation, email: str) -> None:
    if conversation.contact_id != contact.pk:
        raise NotFound()
    from django.core.validators import validate_email

    # Refused, not redacted: a redacted address is no address, and it would be used as
    # the recipient of the reply mail. The message is the guard's warning to the customer.
    check_no_secret(
        email,
        field="email",
        account_id=conversation.account_id,
        language=contact.locale or None,
    )
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationFailed.field("email", _("Enter a valid email address.")) from exc
    with transaction.atomic():
        conversation.followup_email = email
        conversation.save(update_fields=["followup_email"])
        if not contact.email:
            contact.email = email
            contact.save(update_fields=["email"])
        _record_event(
            conversation=conversation,
            kind=ConversationEvent.Kind.FOLLOWUP_EMAIL,
            actor=None,
            public=True,
        )
        _publish_conversation(conversation)


def do_record_event(
    *, conversation: Conversation, kind: str, data: dict[str, object] | None = None
) -> ConversationEvent:
    """An internal event written by another app (no agent acted); agents see it live."""
    with transaction.atomic():
        return _record_event(conversation=conversation, kind=kind, actor=None, data=data)
