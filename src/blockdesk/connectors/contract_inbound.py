"""Receive: an `InboundMessage` (contract.py) becomes a customer message.

In order: the secret guard over everything stored besides the message text (the sender's
name, the subject, the metadata; the text itself is guarded by the conversations service
before it stores anything, and a text too long is cut where no secret is split); the
contact found or created by its channel identity; the conversation the platform proved
(a thread token), else the sender's newest open case for chat channels, else a new case;
the attachments that pass the widget's limits stored, the others listed with the reason;
the channel noted as the customer's latest on that case (linked_channels.py: replies go
there).
All through the conversations app's services, so its events and real-time pushes are the
same as the widget's."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.common.errors import BlockdeskError
from blockdesk.connectors.contract import InboundAttachment, InboundMessage
from blockdesk.connectors.linked_channels import do_note_customer_channel
from blockdesk.connectors.models import BaseChannel
from blockdesk.conversations import contact_services
from blockdesk.conversations.models import Contact, ContactIdentity, Conversation, Message
from blockdesk.conversations.services import (
    check_attachment,
    do_create_conversation,
    do_send_contact_message,
)
from blockdesk.events.registry import Actor
from blockdesk.safety.fields import check_no_secret, redact_free_text, redact_json

MAX_ATTACHMENTS = 10


@dataclass(frozen=True)
class Received:
    message: Message
    created: bool  # False: the platform redelivered a message already stored


def idempotency_key(channel: BaseChannel, platform_message_id: str) -> str | None:
    if not platform_message_id:
        return None
    raw = f"{channel.kind}:{channel.inbox_id}:{platform_message_id}"
    return hashlib.sha256(raw.encode()).hexdigest()  # 64 characters, the column's size


def _find_contact(
    *, account_id: int, inbound: InboundMessage, thread: Conversation | None, name: str
) -> tuple[Contact, Conversation | None]:
    identity = (
        ContactIdentity.objects.select_related("contact")
        .filter(account_id=account_id, kind=inbound.identity_kind, value=inbound.identity_value)
        .first()
    )
    if identity is not None:
        return identity.contact, thread
    actor = Actor.system()
    if thread is not None and inbound.identity_proven:
        # The sender answered a message we sent to this address: proven, so linked.
        linked = contact_services.do_link_identity(
            contact=thread.contact,
            kind=inbound.identity_kind,
            value=inbound.identity_value,
            actor=actor,
            proof="email_reply",
        )
        if linked is not None:
            return thread.contact, thread
    is_email = inbound.identity_kind == ContactIdentity.Kind.EMAIL
    contact = contact_services.do_create_contact(
        account_id=account_id,
        name=name,
        email=inbound.identity_value if is_email else "",
        identities=[
            contact_services.IdentitySpec(kind=inbound.identity_kind, value=inbound.identity_value)
        ],
        actor=actor,
        source="channel",
    )
    return contact, None  # a new contact has no case yet


def _uploads(
    attachments: list[InboundAttachment], account_id: int
) -> tuple[list[SimpleUploadedFile], list[dict[str, str]]]:
    """The widget's limits (size, types, content matching the type), plus the types only
    channels bring (voice notes: CHANNEL_ATTACHMENT_EXTRA_TYPES); refused files are listed
    for the agent instead of failing the whole message."""
    kept: list[SimpleUploadedFile] = []
    skipped: list[dict[str, str]] = []
    for item in attachments:
        name = redact_free_text(item.filename or "file", account_id=account_id)[0][:200]
        upload = SimpleUploadedFile(name or "file", item.data, content_type=item.content_type)
        if len(kept) >= MAX_ATTACHMENTS:
            skipped.append({"name": name, "reason": _("Too many attachments.")})
            continue
        try:
            check_attachment(upload=upload, extra_types=settings.CHANNEL_ATTACHMENT_EXTRA_TYPES)
        except BlockdeskError as exc:
            skipped.append({"name": name, "reason": str(exc.message)[:200]})
            continue
        kept.append(upload)
    return kept, skipped


def _content(text: str, *, account_id: int, has_files: bool) -> tuple[str, bool]:
    text = text.replace("\x00", "").strip()
    if not text and not has_files:
        text = _("(This message has no text.)")
    limit = settings.MESSAGE_MAX_LENGTH
    if len(text) <= limit:
        return text, False
    # Cut where no secret is split (a cut secret would no longer be recognised); the kept
    # text still goes through the guard of the conversations service, which then redacts
    # and flags the case. Room is left for markers longer than what they replace.
    note = "\n" + _("[… cut: the full text is in the original]")
    room = max(0, limit - len(note) - 100)
    cut = max(0, room - 100)
    for finding in redact_free_text(text, account_id=account_id)[1]:
        if finding.start < cut < finding.end:
            # Kept whole when it fits (then redacted and flagged), else left out whole.
            cut = finding.end if finding.end <= room else finding.start
    return text[:cut].rstrip() + note, True


def do_receive(*, channel: BaseChannel, inbound: InboundMessage) -> Received:
    """Stores one inbound message (see the module docstring). Raises ValidationFailed for
    an identity that is no identity (a secret pasted as an address)."""
    inbox = channel.inbox
    account_id = inbox.account_id
    check_no_secret(inbound.identity_value, field="identity", account_id=account_id)
    name = redact_free_text(inbound.display_name.strip(), account_id=account_id)[0][:160]
    subject = redact_free_text(inbound.subject.strip(), account_id=account_id)[0][:200]
    key = idempotency_key(channel, inbound.platform_message_id)
    if key is not None:
        existing = Message.objects.filter(
            conversation__inbox__account_id=account_id, idempotency_key=key
        ).first()
        if existing is not None:
            return Received(existing, created=False)
    metadata: dict[str, Any] = dict(inbound.metadata)
    uploads, skipped = _uploads(inbound.attachments, account_id)
    content, cut = _content(inbound.text, account_id=account_id, has_files=bool(uploads))
    if skipped:
        metadata["skipped_attachments"] = skipped
    if cut:
        metadata["cut"] = True
    if inbound.no_reply:
        metadata["no_reply"] = True
    metadata = {
        "channel": {"kind": channel.kind, **redact_json(metadata, account_id=account_id)[0]}
    }
    thread = None
    if inbound.thread_conversation_id is not None:
        thread = (
            Conversation.objects.select_related("contact")
            .filter(pk=inbound.thread_conversation_id, account_id=account_id)
            .first()
        )
    with transaction.atomic():
        contact, thread = _find_contact(
            account_id=account_id, inbound=inbound, thread=thread, name=name
        )
        conversation = thread if thread is not None and thread.contact_id == contact.pk else None
        if conversation is None and inbound.continue_latest:
            conversation = (
                Conversation.objects.filter(inbox=inbox, contact=contact)
                .exclude(status=Conversation.Status.RESOLVED)
                .order_by("-last_activity_at")
                .first()
            )
        if conversation is None:
            conversation = do_create_conversation(inbox=inbox, contact=contact, subject=subject)
        sent = do_send_contact_message(
            contact=contact,
            inbox=conversation.inbox,
            conversation=conversation,
            content=content,
            idempotency_key=key,
            attachments=uploads,
            metadata=metadata,
            extra_attachment_types=settings.CHANNEL_ATTACHMENT_EXTRA_TYPES,
        )
        if sent.created:
            # The customer's latest channel on this case: replies go there (one delivery).
            do_note_customer_channel(
                conversation=conversation, inbox=inbox, message_id=sent.message.pk
            )
    return Received(sent.message, created=sent.created)
