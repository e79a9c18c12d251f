"""Customers, agents, the assistant and the system write messages."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.chain.lookup import is_known_transaction
from blockdesk.common.errors import NotFound, PayloadTooLarge, ValidationFailed
from blockdesk.common.plain_sql import insert_row, update_row
from blockdesk.common.realtime import contact_group, inbox_group, publish_on_commit
from blockdesk.common.text import has_cjk
from blockdesk.conversations import emitting
from blockdesk.conversations.models import (
    Attachment,
    Contact,
    Conversation,
    ConversationEvent,
    Inbox,
    Message,
)
from blockdesk.conversations.serializers import (
    message_dict,
    public_message_dict,
)
from blockdesk.conversations.services._common import (
    BOT_HANDLES_CONVERSATION,
    Status,
    _one_unit,
    _publish_conversation,
    _record_event,
    check_agent_can_access,
)
from blockdesk.conversations.services.assignment import _assign
from blockdesk.conversations.services.conversations import open_conversation
from blockdesk.conversations.services.read_state import _mark_read
from blockdesk.conversations.services.status import _set_status
from blockdesk.events.registry import Actor
from blockdesk.safety import scan_inbound, scan_outbound
from blockdesk.safety.fields import redact_free_text


@dataclass(frozen=True)
class SentMessage:
    message: Message
    created: bool  # False when an idempotent retry returned the stored message


def check_content(
    *,
    content: str,
    attachments: Sequence[UploadedFile] = (),
    extra_attachment_types: Collection[str] = (),
) -> str:
    content = (content or "").strip()
    if not content and not attachments:
        raise ValidationFailed.field("content", _("A message cannot be empty."))
    if len(content) > settings.MESSAGE_MAX_LENGTH:
        raise ValidationFailed.field(
            "content",
            _("A message can be at most %(max)d characters long.")
            % {"max": settings.MESSAGE_MAX_LENGTH},
        )
    if "\x00" in content:
        raise ValidationFailed.field("content", _("The message contains invalid characters."))
    for upload in attachments:
        check_attachment(upload=upload, extra_types=extra_attachment_types)
    return content


def check_attachment(*, upload: UploadedFile, extra_types: Collection[str] = ()) -> None:
    """The size, the type (settings.ATTACHMENT_ALLOWED_TYPES, plus `extra_types` a caller
    accepts besides, e.g. voice notes from chat channels) and the content against it."""
    size = upload.size or 0
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise PayloadTooLarge(
            _("The file “%(name)s” is larger than %(mb)d MB.")
            % {"name": upload.name, "mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)},
            fields={"attachments": [_("File too large.")]},
        )
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    if content_type not in settings.ATTACHMENT_ALLOWED_TYPES and content_type not in extra_types:
        raise ValidationFailed.field(
            "attachments",
            _("Files of type “%(type)s” are not allowed.") % {"type": content_type or "?"},
        )
    if not content_matches_type(upload, content_type):
        raise ValidationFailed.field(
            "attachments", _("The file’s content does not match its type.")
        )


_MAGIC = {
    "image/png": [b"\x89PNG\r\n\x1a\n"],
    "image/jpeg": [b"\xff\xd8\xff"],
    "image/gif": [b"GIF87a", b"GIF89a"],
    "image/webp": [b"RIFF"],
    "application/pdf": [b"%PDF-"],
    # Voice notes (Telegram's are Ogg Opus): an Ogg page starts every Ogg stream.
    "audio/ogg": [b"OggS"],
    "audio/opus": [b"OggS"],
    # MP3: an ID3v2 tag, else an MPEG audio frame sync (MPEG-1/2/2.5, layer III).
    "audio/mpeg": [b"ID3", b"\xff\xfb", b"\xff\xfa", b"\xff\xf3", b"\xff\xf2", b"\xff\xe3"],
    # Raw AAC in ADTS frames (MPEG-4 or MPEG-2 sync word, no CRC or with it).
    "audio/aac": [b"\xff\xf1", b"\xff\xf9"],
}
# ISO base media (m4a voice memos of iOS): a box size, then "ftyp" at byte 4.
_ISO_MEDIA = frozenset({"audio/mp4", "audio/x-m4a", "audio/m4a"})
# RIFF containers: "RIFF", a size, then the form type at byte 8.
_RIFF_FORMS = {
    "audio/wav": b"WAVE",
    "audio/x-wav": b"WAVE",
    "audio/wave": b"WAVE",
}
# Matroska/WebM: the EBML header, whose DocType says "webm" within its first bytes.
_EBML = b"\x1a\x45\xdf\xa3"
_WEBM = frozenset({"audio/webm"})

# Audio an agent may attach to a reply (a voice message, a recorded walkthrough), besides
# settings.ATTACHMENT_ALLOWED_TYPES; every one is checked against its signature above.
AGENT_AUDIO_TYPES = frozenset(
    {
        "audio/mpeg",
        "audio/mp4",
        "audio/x-m4a",
        "audio/m4a",
        "audio/aac",
        "audio/ogg",
        "audio/opus",
        "audio/wav",
        "audio/x-wav",
        "audio/wave",
        "audio/webm",
    }
)


def content_matches_type(upload: UploadedFile, content_type: str) -> bool:
    """Whether the first bytes are those of `content_type` (a type without a known
    signature, such as text/plain, matches anything without a NUL byte)."""
    # The declared type is the client's word; the first bytes are the file's.
    head = upload.read(64)
    upload.seek(0)
    if content_type in _ISO_MEDIA:
        return head[4:8] == b"ftyp"
    if content_type in _RIFF_FORMS:
        return head.startswith(b"RIFF") and head[8:12] == _RIFF_FORMS[content_type]
    if content_type in _WEBM:
        return head.startswith(_EBML) and b"webm" in head
    signatures = _MAGIC.get(content_type)
    if signatures is None:  # text/plain: refuse binary blobs posing as text
        return b"\x00" not in head[:16]
    return any(head.startswith(sig) for sig in signatures)


def _store_attachments(message: Message, attachments: Sequence[UploadedFile]) -> None:
    for upload in attachments:
        content_type = (upload.content_type or "").split(";")[0].strip().lower()
        # A file name is free text too (and becomes part of the stored path).
        account_id = message.conversation.account_id
        name = redact_free_text(upload.name or "file", account_id=account_id)[0] or "file"
        att = Attachment(
            message=message,
            filename=name[:200],
            content_type=content_type,
            size=upload.size or 0,
        )
        att.file.save(name, upload, save=False)
        att.full_clean(exclude=["file"])
        att.save()


def _persist_message(
    *,
    conversation: Conversation,
    message: Message,
    attachments: Sequence[UploadedFile],
) -> Message:
    # The hot path of every message: field checks only. The foreign keys are objects we
    # hold and the constraints (idempotency key, contact never private) are enforced by
    # the database; validating them here cost ~8 statements per message.
    message.full_clean(
        exclude=["conversation", "sender_user", "sender_contact"], validate_constraints=False
    )
    insert_row(message)
    _store_attachments(message, attachments)
    # Known now: every later view of this message (push, webhooks, the HTTP response)
    # reads its attachments from this cache instead of querying again.
    if attachments:
        prefetch_related_objects([message], "attachments")
    else:
        # Filled in as prefetch_related fills it: an empty result already fetched (a bare
        # none() still runs the SQL compiler each time it is iterated, issue 17).
        none = Attachment.objects.none()
        none._result_cache = []
        none._prefetch_done = True  # type: ignore[attr-defined]
        message._prefetched_objects_cache = {"attachments": none}  # type: ignore[attr-defined]
    now = timezone.now()
    updates: dict[str, object] = {"last_activity_at": now, "last_message_id": message.pk}
    if message.sender_type == Message.SenderType.CONTACT:
        updates["last_incoming_id"] = message.pk
    if not message.is_private:
        # A person's first reply and the assistant's are measured apart (docs/triage.md).
        if message.sender_type == Message.SenderType.AGENT:
            if conversation.first_human_response_at is None:
                updates["first_human_response_at"] = now
            if conversation.first_response_at is None:
                updates["first_response_at"] = now
        elif (
            message.sender_type == Message.SenderType.ASSISTANT
            and conversation.first_bot_response_at is None
        ):
            updates["first_bot_response_at"] = now
    update_row(Conversation, pk=conversation.pk, values=updates)
    for key, value in updates.items():
        setattr(conversation, key, value)

    full = message_dict(message)
    publish_on_commit(
        [inbox_group(conversation.inbox_id)], {"type": "message.created", "message": full}
    )
    if not message.is_private:
        publish_on_commit(
            [contact_group(conversation.contact_id)],
            {"type": "message.created", "message": public_message_dict(message, full=full)},
        )
    emitting.emit_message(message, conversation)
    return message


def do_send_contact_message(
    *,
    contact: Contact,
    inbox: Inbox,
    conversation: Conversation | None,
    content: str,
    idempotency_key: str | None = None,
    attachments: Sequence[UploadedFile] = (),
    metadata: dict[str, object] | None = None,
    extra_attachment_types: Collection[str] = (),
    subject: str = "",
    opened_by: User | None = None,
) -> SentMessage:
    """A customer writes. Without a conversation (or to a resolved one) a new case opens
    (with `subject`; `opened_by` is the agent who opened it on the customer's behalf).
    `metadata` marks structured input (a quick-reply button the customer pressed);
    `extra_attachment_types` are accepted besides the configured ones (a channel's voice
    notes), still checked against their signature.

    Seed phrases and private keys are cut out here, before anything is stored, indexed,
    logged or pushed; only the redaction marker remains."""
    guard = scan_inbound(
        content or "",
        is_known_transaction=lambda value: is_known_transaction(
            account_id=inbox.account_id, value=value
        ),
    )
    content = check_content(
        content=guard.redacted_text,
        attachments=attachments,
        extra_attachment_types=extra_attachment_types,
    )
    if conversation is not None and conversation.contact_id != contact.pk:
        raise NotFound()
    if conversation is not None and conversation.inbox_id == inbox.pk:
        # The caller's inbox is the case's: what reads it below (the bot hooks) uses it
        # instead of a read of its own (the widget's inbox is kept between requests).
        Conversation.inbox.field.set_cached_value(conversation, inbox)
    # A retry with a key already stored is found by the unique constraint, not a read
    # before every write (one statement less per message): its insert fails, everything
    # this attempt did (a new case, events, pushes) rolls back, and the stored message is
    # returned, even if its case was resolved in between.
    try:
        with transaction.atomic():
            if conversation is None or conversation.status == Status.RESOLVED:
                conversation = open_conversation(
                    inbox=inbox, contact=contact, subject=subject, actor=opened_by
                )
            elif conversation.status == Status.SNOOZED or (
                conversation.status == Status.PENDING
                and not any(handles(conversation) for handles in BOT_HANDLES_CONVERSATION)
            ):
                # A customer writing back wakes a snoozed or waiting case.
                _set_status(
                    conversation=conversation,
                    status=Status.OPEN,
                    snoozed_until=None,
                    actor=None,
                    event_actor=Actor.contact(contact.pk),
                )
            message = Message(
                conversation=conversation,
                sender_type=Message.SenderType.CONTACT,
                sender_contact=contact,
                content=content,
                idempotency_key=idempotency_key or None,
                metadata=metadata or {},
            )
            _persist_message(conversation=conversation, message=message, attachments=attachments)
            _touch_last_seen(contact)
            if guard.has_secrets:
                _flag_exposed_secret(
                    conversation=conversation,
                    kinds=sorted(kind.value for kind in guard.kinds),
                    language=contact.locale or ("zh-hans" if has_cjk(content) else "en"),
                    warning=guard.warning,
                )
    except IntegrityError:
        # Two retries raced; the other one stored it.
        existing = _already_sent(contact=contact, idempotency_key=idempotency_key)
        if existing is not None:
            return existing
        raise
    return SentMessage(message, created=True)


# A contact's "last seen" is a minute-level fact (API `last_seen_at`): written at most
# this often, not on every message (one statement less per follow-up, issue 17).
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


def _touch_last_seen(contact: Contact) -> None:
    now = timezone.now()
    if contact.last_seen_at is None or now - contact.last_seen_at >= LAST_SEEN_RESOLUTION:
        update_row(Contact, pk=contact.pk, values={"last_seen_at": now})
        contact.last_seen_at = now


def _already_sent(*, contact: Contact, idempotency_key: str | None) -> SentMessage | None:
    """The message a retry with the same key already stored, if any."""
    if not idempotency_key:
        return None
    existing = list(
        Message.objects.filter(sender_contact=contact, idempotency_key=idempotency_key)[:1]
    )
    return SentMessage(existing[0], created=False) if existing else None


def _flag_exposed_secret(
    *,
    conversation: Conversation,
    kinds: list[str],
    language: str,
    warning: Callable[[str], str],
) -> None:
    """The customer is warned at once in their language; the case is flagged urgent."""
    conversation.secret_exposed = True
    conversation.priority = Conversation.Priority.URGENT
    conversation.save(update_fields=["secret_exposed", "priority"])
    _record_event(
        conversation=conversation,
        kind=ConversationEvent.Kind.SECRET_REDACTED,
        actor=None,
        data={"kinds": kinds},
    )
    system = Message(
        conversation=conversation,
        sender_type=Message.SenderType.SYSTEM,
        content=warning(language),
    )
    _persist_message(conversation=conversation, message=system, attachments=())
    _publish_conversation(conversation)


def check_outbound(*, content: str, private: bool) -> None:
    """Support never asks for a seed phrase, private key, password or 2FA code."""
    if private:
        return  # a note between agents reaches no customer
    result = scan_outbound(content)
    if result.blocked:
        raise ValidationFailed(
            result.explanation, code="unsafe_request", fields={"content": [result.explanation]}
        )


def do_send_agent_message(
    *,
    agent: User,
    conversation: Conversation,
    content: str,
    private: bool = False,
    idempotency_key: str | None = None,
    attachments: Sequence[UploadedFile] = (),
) -> SentMessage:
    check_agent_can_access(user=agent, conversation=conversation)
    # An agent pasting what a customer sent elsewhere (a note, a reply) stores no secret
    # either; the outbound check below still sees the request wording.
    content, _findings = redact_free_text(content or "", account_id=conversation.account_id)
    content = check_content(
        content=content, attachments=attachments, extra_attachment_types=AGENT_AUDIO_TYPES
    )
    check_outbound(content=content, private=private)
    if idempotency_key:
        existing = Message.objects.filter(
            sender_user=agent, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return SentMessage(existing, created=False)
    with transaction.atomic():
        message = Message(
            conversation=conversation,
            sender_type=Message.SenderType.AGENT,
            sender_user=agent,
            content=content,
            is_private=private,
            idempotency_key=idempotency_key or None,
        )
        _persist_message(conversation=conversation, message=message, attachments=attachments)
        if not private and conversation.assignee_id is None:
            # Whoever answers an unassigned case takes it, as agents expect.
            _assign(conversation=conversation, assignee=agent, actor=agent)
        _mark_read(user=agent, conversation=conversation, message_id=message.pk)
    return SentMessage(message, created=True)


def do_send_assistant_message(
    *,
    conversation: Conversation,
    content: str,
    private: bool = False,
    metadata: dict[str, object] | None = None,
) -> Message:
    """The assistant writes (a reply, or with `private` a note for agents). Same outbound
    checks as an agent's reply: it never asks for secrets."""
    content = check_content(content=content)
    check_outbound(content=content, private=private)
    with _one_unit():
        message = Message(
            conversation=conversation,
            sender_type=Message.SenderType.ASSISTANT,
            content=content,
            is_private=private,
            metadata=metadata or {},
        )
        _persist_message(conversation=conversation, message=message, attachments=())
    return message


def do_send_system_message(
    *, conversation: Conversation, content: str, metadata: dict[str, object] | None = None
) -> Message:
    # metadata: e.g. {"public": {"csat": ...}} for the widget's rating card (surveys app).
    with _one_unit():
        message = Message(
            conversation=conversation,
            sender_type=Message.SenderType.SYSTEM,
            content=content,
            metadata=metadata or {},
        )
        _persist_message(conversation=conversation, message=message, attachments=())
        return message
