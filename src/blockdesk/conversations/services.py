"""Writes for conversations, following Zulip's shape: `check_*` validates and
authorises, `do_*` mutates in one transaction and emits events after commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts.models import Team, User
from blockdesk.chain.lookup import is_known_transaction
from blockdesk.common.errors import Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from blockdesk.common.realtime import contact_group, inbox_group, publish_on_commit, user_group
from blockdesk.common.text import has_cjk
from blockdesk.conversations import emitting, numbering, selectors
from blockdesk.conversations.models import (
    Attachment,
    Contact,
    Conversation,
    ConversationEvent,
    Inbox,
    Message,
    ReadMarker,
    Tag,
)
from blockdesk.conversations.serializers import (
    PRIORITY_BY_NAME,
    conversation_dict,
    event_dict,
    message_dict,
    public_conversation_dict,
    public_message_dict,
)
from blockdesk.events.registry import Actor
from blockdesk.safety import scan_inbound, scan_outbound
from blockdesk.safety.fields import check_no_secret, redact_free_text

Status = Conversation.Status


@dataclass(frozen=True)
class SentMessage:
    message: Message
    created: bool  # False when an idempotent retry returned the stored message


# An app that answers customers itself (the assistant) registers predicates here from its
# ready(), so the core does not import it: new cases in an inbox it handles start
# `pending` (waiting on the bot, not on agents), and a customer writing to a case it is
# still handling does not wake it to `open`.
BOT_HANDLES_INBOX: list[Callable[[Inbox], bool]] = []
BOT_HANDLES_CONVERSATION: list[Callable[[Conversation], bool]] = []


# --- checks -----------------------------------------------------------------------


def check_content(*, content: str, attachments: Sequence[UploadedFile] = ()) -> str:
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
        check_attachment(upload=upload)
    return content


def check_attachment(*, upload: UploadedFile) -> None:
    size = upload.size or 0
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise PayloadTooLarge(
            _("The file “%(name)s” is larger than %(mb)d MB.")
            % {"name": upload.name, "mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)},
            fields={"attachments": [_("File too large.")]},
        )
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    if content_type not in settings.ATTACHMENT_ALLOWED_TYPES:
        raise ValidationFailed.field(
            "attachments",
            _("Files of type “%(type)s” are not allowed.") % {"type": content_type or "?"},
        )
    if not _content_matches_type(upload, content_type):
        raise ValidationFailed.field(
            "attachments", _("The file’s content does not match its type.")
        )


_MAGIC = {
    "image/png": [b"\x89PNG\r\n\x1a\n"],
    "image/jpeg": [b"\xff\xd8\xff"],
    "image/gif": [b"GIF87a", b"GIF89a"],
    "image/webp": [b"RIFF"],
    "application/pdf": [b"%PDF-"],
}


def _content_matches_type(upload: UploadedFile, content_type: str) -> bool:
    # The declared type is the client's word; the first bytes are the file's.
    head = upload.read(16)
    upload.seek(0)
    signatures = _MAGIC.get(content_type)
    if signatures is None:  # text/plain: refuse binary blobs posing as text
        return b"\x00" not in head
    return any(head.startswith(sig) for sig in signatures)


def check_agent_can_access(*, user: User, conversation: Conversation) -> None:
    if not selectors.agent_can_access_inbox(user=user, inbox_id=conversation.inbox_id):
        # 404, not 403: an agent outside the inbox must not learn the case exists.
        raise NotFound()


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


# --- helpers ----------------------------------------------------------------------


def _next_display_id(account_id: int) -> int:
    # One statement, and on PostgreSQL its own short transaction (numbering.py).
    return numbering.next_display_id(account_id)


def _record_event(
    *,
    conversation: Conversation,
    kind: str,
    actor: User | None,
    data: dict[str, object] | None = None,
    public: bool = False,
    event_extra: dict[str, object] | None = None,
) -> ConversationEvent:
    # event_extra says who acted when no agent did (e.g. which API token).
    data = {**(data or {}), **(event_extra or {})}
    event = ConversationEvent.objects.create(
        conversation=conversation, kind=kind, actor=actor, data=data, is_public=public
    )
    payload = {
        "type": "conversation.event",
        "conversation_id": conversation.pk,
        "event": event_dict(event),
    }
    groups = [inbox_group(conversation.inbox_id)]
    if public:
        groups.append(contact_group(conversation.contact_id))
    publish_on_commit(groups, payload)
    return event


def _publish_conversation(conversation: Conversation) -> None:
    conversation.refresh_from_db()
    publish_on_commit(
        [inbox_group(conversation.inbox_id)],
        {"type": "conversation.updated", "conversation": conversation_dict(conversation)},
    )
    publish_on_commit(
        [contact_group(conversation.contact_id)],
        {"type": "conversation.updated", "conversation": public_conversation_dict(conversation)},
    )


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


# --- conversations ----------------------------------------------------------------


def do_create_conversation(
    *, inbox: Inbox, contact: Contact, subject: str = "", actor: User | None = None
) -> Conversation:
    if contact.account_id != inbox.account_id:
        raise ValidationFailed.field("contact", _("The contact belongs to another account."))
    with transaction.atomic():
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
        conversation.save()
        _record_event(
            conversation=conversation, kind=ConversationEvent.Kind.OPENED, actor=actor, public=True
        )
        payload = conversation_dict(conversation)
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
    message.save()
    _store_attachments(message, attachments)
    # Known now: every later view of this message (push, webhooks, the HTTP response)
    # reads its attachments from this cache instead of querying again.
    if attachments:
        prefetch_related_objects([message], "attachments")
    else:
        no_attachments = {"attachments": Attachment.objects.none()}
        message._prefetched_objects_cache = no_attachments  # type: ignore[attr-defined]
    now = timezone.now()
    updates: dict[str, object] = {"last_activity_at": now, "last_message_id": message.pk}
    if message.sender_type == Message.SenderType.CONTACT:
        updates["last_incoming_id"] = message.pk
    is_reply = message.sender_type in (Message.SenderType.AGENT, Message.SenderType.ASSISTANT)
    if is_reply and not message.is_private and conversation.first_response_at is None:
        updates["first_response_at"] = now
    Conversation.objects.filter(pk=conversation.pk).update(**updates)
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
) -> SentMessage:
    """A customer writes. Without a conversation (or to a resolved one) a new case opens.
    `metadata` marks structured input (a quick-reply button the customer pressed).

    Seed phrases and private keys are cut out here, before anything is stored, indexed,
    logged or pushed; only the redaction marker remains."""
    guard = scan_inbound(
        content or "",
        is_known_transaction=lambda value: is_known_transaction(
            account_id=inbox.account_id, value=value
        ),
    )
    content = check_content(content=guard.redacted_text, attachments=attachments)
    if idempotency_key:
        existing = Message.objects.filter(
            sender_contact=contact, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return SentMessage(existing, created=False)
    if conversation is not None and conversation.contact_id != contact.pk:
        raise NotFound()
    try:
        with transaction.atomic():
            if conversation is None or conversation.status == Status.RESOLVED:
                conversation = do_create_conversation(inbox=inbox, contact=contact)
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
            Contact.objects.filter(pk=contact.pk).update(last_seen_at=timezone.now())
            if guard.has_secrets:
                _flag_exposed_secret(
                    conversation=conversation,
                    kinds=sorted(kind.value for kind in guard.kinds),
                    language=contact.locale or ("zh-hans" if has_cjk(content) else "en"),
                    warning=guard.warning,
                )
    except IntegrityError:
        # Two retries raced; the other one stored it.
        if idempotency_key:
            existing = Message.objects.filter(
                sender_contact=contact, idempotency_key=idempotency_key
            ).first()
            if existing is not None:
                return SentMessage(existing, created=False)
        raise
    return SentMessage(message, created=True)


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
    content = check_content(content=content, attachments=attachments)
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
        transaction.on_commit(lambda: conversation.inbox.channel.deliver(message))
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
    with transaction.atomic():
        message = Message(
            conversation=conversation,
            sender_type=Message.SenderType.ASSISTANT,
            content=content,
            is_private=private,
            metadata=metadata or {},
        )
        _persist_message(conversation=conversation, message=message, attachments=())
        if not private:
            transaction.on_commit(lambda: conversation.inbox.channel.deliver(message))
    return message


def do_send_system_message(*, conversation: Conversation, content: str) -> Message:
    with transaction.atomic():
        message = Message(
            conversation=conversation, sender_type=Message.SenderType.SYSTEM, content=content
        )
        _persist_message(conversation=conversation, message=message, attachments=())
        # Customers see system messages (a watched deposit arrived): the channel delivers them.
        transaction.on_commit(lambda: conversation.inbox.channel.deliver(message))
        return message


# --- status, assignment, priority, tags -------------------------------------------


def _set_status(
    *,
    conversation: Conversation,
    status: str,
    snoozed_until: dt.datetime | None,
    actor: User | None,
    event_extra: dict[str, object] | None = None,
    event_actor: Actor | None = None,
) -> None:
    old = conversation.status
    conversation.status = status
    conversation.snoozed_until = snoozed_until if status == Status.SNOOZED else None
    if status == Status.RESOLVED:
        conversation.resolved_at = timezone.now()
    elif old == Status.RESOLVED:
        conversation.resolved_at = None
    conversation.save(update_fields=["status", "snoozed_until", "resolved_at"])
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
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        _set_status(
            conversation=conversation,
            status=status,
            snoozed_until=snoozed_until,
            actor=actor,
            event_extra=event_extra,
        )
        _publish_conversation(conversation)
    return conversation


def _assign(
    *,
    conversation: Conversation,
    assignee: User | None,
    actor: User | None,
    event_extra: dict[str, object] | None = None,
) -> None:
    old_assignee_id = conversation.assignee_id
    conversation.assignee = assignee
    conversation.save(update_fields=["assignee"])
    if assignee is None:
        _record_event(
            conversation=conversation,
            kind=ConversationEvent.Kind.UNASSIGNED,
            actor=actor,
            event_extra=event_extra,
        )
    else:
        _record_event(
            conversation=conversation,
            kind=ConversationEvent.Kind.ASSIGNED,
            actor=actor,
            data={"assignee_id": assignee.pk, "assignee_name": assignee.public_name},
            public=True,
            event_extra=event_extra,
        )
        publish_on_commit(
            [user_group(assignee.pk)],
            {"type": "conversation.assigned_to_you", "conversation_id": conversation.pk},
        )
    emitting.emit_conversation(
        conversation,
        "conversation.assigned",
        actor=emitting.actor_of(actor, event_extra),
        old_assignee_id=old_assignee_id,
        new_assignee_id=conversation.assignee_id,
    )
    _publish_conversation(conversation)


def do_assign(
    *,
    actor: User | None,
    conversation: Conversation,
    assignee: User | None = None,
    team: Team | None = None,
    set_team: bool = False,
    event_extra: dict[str, object] | None = None,
) -> Conversation:
    """Assign to an agent (or nobody). With `set_team`, also move it to `team` (or none).
    `actor=None` is a system or API-token action; the caller has scoped the conversation."""
    if actor is not None:
        check_agent_can_access(user=actor, conversation=conversation)
    if assignee is not None:
        if assignee.account_id != conversation.account_id or not assignee.is_active:
            raise ValidationFailed.field("assignee", _("No such agent."))
        if not selectors.agent_can_access_inbox(user=assignee, inbox_id=conversation.inbox_id):
            raise ValidationFailed.field("assignee", _("That agent has no access to this inbox."))
    if team is not None and team.account_id != conversation.account_id:
        raise ValidationFailed.field("team", _("No such team."))
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if set_team and conversation.team_id != (team.pk if team else None):
            old_team_id = conversation.team_id
            conversation.team = team
            conversation.save(update_fields=["team"])
            _record_event(
                conversation=conversation,
                kind=ConversationEvent.Kind.TEAM_CHANGED,
                actor=actor,
                data={
                    "team_id": team.pk if team else None,
                    "team_name": team.name if team else None,
                },
                event_extra=event_extra,
            )
            emitting.emit_conversation(
                conversation,
                "conversation.team_changed",
                actor=emitting.actor_of(actor, event_extra),
                old_team_id=old_team_id,
                new_team_id=conversation.team_id,
            )
        if conversation.assignee_id != (assignee.pk if assignee else None):
            _assign(
                conversation=conversation,
                assignee=assignee,
                actor=actor,
                event_extra=event_extra,
            )
        else:
            _publish_conversation(conversation)
    return conversation


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


def do_set_tags(
    *,
    actor: User | None,
    conversation: Conversation,
    names: Sequence[str],
    event_extra: dict[str, object] | None = None,
) -> Conversation:
    if actor is not None:
        check_agent_can_access(user=actor, conversation=conversation)
    cleaned = sorted({n.strip().lower() for n in names if n.strip()})
    for name in cleaned:
        # A tag is a label, not text to redact: one holding a secret (a Chinese seed phrase
        # fits in a slug) is refused.
        check_no_secret(name, field="tags", account_id=conversation.account_id)
    tags = []
    with transaction.atomic():
        for name in cleaned:
            tag = Tag(account_id=conversation.account_id, name=name)
            try:
                tag.full_clean(validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                raise ValidationFailed.field(
                    "tags", _("“%(t)s” is not a valid tag.") % {"t": name}
                ) from exc
            tags.append(Tag.objects.get_or_create(account_id=conversation.account_id, name=name)[0])
        before = sorted(t.name for t in conversation.tags.all())
        if before == cleaned:
            return conversation
        conversation.tags.set(tags)
        _record_event(
            conversation=conversation,
            kind=ConversationEvent.Kind.TAGS_CHANGED,
            actor=actor,
            data={"from": before, "to": cleaned},
            event_extra=event_extra,
        )
        emitting.emit_conversation(
            conversation,
            "conversation.tags_changed",
            actor=emitting.actor_of(actor, event_extra),
            tags=cleaned,
            old=before,
            new=cleaned,
        )
        _publish_conversation(conversation)
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


def do_reopen_due_snoozed(*, now: dt.datetime | None = None) -> int:
    """Wake snoozed conversations whose time has come; run periodically."""
    now = now or timezone.now()
    count = 0
    for conv in Conversation.objects.filter(status=Status.SNOOZED, snoozed_until__lte=now):
        do_change_status(actor=None, conversation=conv, status=Status.OPEN)
        count += 1
    return count


# --- read state -------------------------------------------------------------------


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


def do_record_event(
    *, conversation: Conversation, kind: str, data: dict[str, object] | None = None
) -> ConversationEvent:
    """An internal event written by another app (no agent acted); agents see it live."""
    with transaction.atomic():
        return _record_event(conversation=conversation, kind=kind, actor=None, data=data)


def require_agent(user: object) -> User:
    if not isinstance(user, User) or not user.is_authenticated or user.account_id is None:
        raise Forbidden()
    return user
