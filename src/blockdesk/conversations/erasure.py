"""Erasing a customer's data at their request (the right to erasure): the contact, its
identities, conversations, messages and attachments are deleted; the events of the log
about them lose their data (events.services.do_redact_events); one `contact.erased` event,
with no personal data, tells the consumers what went. The service records consumer erases
the salts and contents of the cases' records on it (the public log stays verifiable), and
webhook receivers hear it to erase their copies.

Everything in one transaction: a failure leaves the customer's data whole. Files are
deleted after the commit (a file left by a crash is orphaned, never referenced)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.accounts.services import check_admin
from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.common.realtime import inbox_group, publish_on_commit
from blockdesk.conversations import event_types as et
from blockdesk.conversations.models import Attachment, Contact, Conversation, Message
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import do_redact_events, emit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErasedContact:
    contact_id: int
    conversations: int
    messages: int
    attachments: int
    redacted_events: int


def check_can_erase_contact(*, actor: User, contact: Contact, confirmed: bool) -> None:
    check_admin(actor=actor)
    if contact.account_id != actor.account_pk:
        raise NotFound(_("No such customer."))
    if not confirmed:
        raise ValidationFailed.field(
            "confirm", _("Confirm that this customer's data is to be erased for good.")
        )


def do_erase_contact(*, actor: User, contact: Contact, confirmed: bool) -> ErasedContact:
    check_can_erase_contact(actor=actor, contact=contact, confirmed=confirmed)
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        conversations = list(
            Conversation.objects.filter(contact=contact).values_list("pk", "inbox_id")
        )
        conversation_ids = [pk for pk, _inbox in conversations]
        message_ids = list(
            Message.objects.filter(conversation_id__in=conversation_ids).values_list(
                "pk", flat=True
            )
        )
        files = list(
            Attachment.objects.filter(message_id__in=message_ids).values_list("file", flat=True)
        )
        redacted = do_redact_events(
            account_id=contact.account_id,
            subjects={
                "contact": [contact.pk],
                "conversation": conversation_ids,
                "message": message_ids,
            },
        )
        contact_id = contact.pk
        contact.delete()  # identities, conversations, messages, attachments: CASCADE
        # After the redaction, so this event (no personal data) is delivered.
        emit(
            account_id=actor.account_pk,
            name="contact.erased",
            actor=Actor.agent(actor.pk),
            subject=Subject("contact", contact_id),
            payload=et.ContactErased(
                contact_id=contact_id,
                conversation_ids=conversation_ids,
                messages=len(message_ids),
                redacted_events=redacted,
            ),
        )
        for conversation_id, inbox_id in conversations:
            publish_on_commit(
                [inbox_group(inbox_id)],
                {"type": "conversation.deleted", "conversation_id": conversation_id},
            )
        transaction.on_commit(lambda: _delete_files(files))
    return ErasedContact(
        contact_id=contact_id,
        conversations=len(conversation_ids),
        messages=len(message_ids),
        attachments=len(files),
        redacted_events=redacted,
    )


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            # The rows are gone: an undeletable file is an orphan nothing points to.
            logger.warning("erasure: could not delete an attachment file", exc_info=True)
