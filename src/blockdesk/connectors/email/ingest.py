"""One raw mail into an email inbox: the entry point of `manage.py email ingest` (an MTA
pipe) and of the IMAP sync. Every mail leaves an EmailReceipt, stored or not.

Order matters: too large → refused before it is parsed; a Message-ID already received →
nothing (a redelivery, an IMAP re-sync); our own mail looping back → ignored; a storm
from one sender → rate-limited; then the mail is stored as a customer message through
the channel contract (secret guard first), with automatic mail (auto-replies, bounces,
lists) flagged so nothing automatic ever answers it."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from blockdesk.common.errors import BlockdeskError, RateLimited
from blockdesk.common.ratelimit import check_rate_limit
from blockdesk.connectors.contract import InboundMessage
from blockdesk.connectors.contract_delivery import do_record_platform_report
from blockdesk.connectors.contract_inbound import do_receive
from blockdesk.connectors.email import threading
from blockdesk.connectors.email.authenticity import check_authenticity
from blockdesk.connectors.email.loops import automatic_reason
from blockdesk.connectors.email.models import EmailChannel, EmailReceipt
from blockdesk.connectors.email.parsing import (
    ParsedEmail,
    UnreadableMail,
    parse_email,
    parse_headers_only,
    sender_of,
    synthetic_message_id,
)
from blockdesk.connectors.email.visible_reply import body_text, extract_from_message
from blockdesk.conversations.models import ContactIdentity, Conversation
from blockdesk.safety.fields import redact_free_text

logger = logging.getLogger(__name__)

Status = EmailReceipt.Status
ORIGINAL_MAX_CHARS = 100_000


@dataclass(frozen=True)
class IngestOutcome:
    status: str  # an EmailReceipt.Status, or "duplicate"
    reason: str
    header_id: str
    conversation_id: int | None = None
    message_pk: int | None = None


def _record(
    channel: EmailChannel,
    *,
    header_id: str,
    status: str,
    reason: str = "",
    sender: str = "",
    subject: str = "",
    size: int = 0,
    conversation_id: int | None = None,
    message_pk: int | None = None,
) -> IngestOutcome:
    account_id = channel.inbox.account_id
    try:
        with transaction.atomic():
            EmailReceipt.objects.create(
                channel=channel,
                header_id=header_id,
                status=status,
                reason=reason[:300],
                # Headers of a refused mail are text a stranger wrote: guarded too.
                sender=redact_free_text(sender, account_id=account_id)[0][:254],
                subject=redact_free_text(subject, account_id=account_id)[0][:200],
                size=min(size, 2**31 - 1),
                conversation_id=conversation_id,
                message_id=message_pk,
            )
    except IntegrityError:
        return IngestOutcome("duplicate", "", header_id)
    return IngestOutcome(status, reason, header_id, conversation_id, message_pk)


def _already(channel: EmailChannel, header_id: str) -> bool:
    return EmailReceipt.objects.filter(channel=channel, header_id=header_id).exists()


def _thread(channel: EmailChannel, parsed: ParsedEmail) -> tuple[int | None, bool]:
    """(conversation id, whether the sender proved the case's address)."""
    account_id = channel.inbox.account_id
    headers = [*parsed.in_reply_to, *parsed.references, *parsed.recipients, parsed.subject]
    candidates = threading.tokens_in(headers)
    for conversation_id in candidates:
        conversation = (
            Conversation.objects.select_related("contact")
            .filter(pk=conversation_id, account_id=account_id)
            .first()
        )
        if conversation is not None:
            return conversation.pk, _sender_owns(conversation, parsed.sender)
    for conversation_id in threading.legacy_roots([*parsed.in_reply_to, *parsed.references]):
        # A reply email sent before the token: trusted only from the address it went to.
        conversation = Conversation.objects.filter(
            pk=conversation_id, account_id=account_id
        ).first()
        if conversation is not None and conversation.followup_email.lower() == parsed.sender:
            return conversation.pk, True
    refs = [*parsed.in_reply_to, *reversed(parsed.references)]
    if refs:
        receipt = (
            EmailReceipt.objects.filter(
                channel=channel, header_id__in=refs[:50], conversation__isnull=False
            )
            .order_by("-pk")
            .first()
        )
        if receipt is not None:
            return receipt.conversation_id, False
    return None, False


def _sender_owns(conversation: Conversation, sender: str) -> bool:
    """The case token went to this address: the conversation's follow-up address or an
    email identity of its contact."""
    if conversation.followup_email and conversation.followup_email.lower() == sender:
        return True
    if (conversation.contact.email or "").lower() == sender:
        return True
    return ContactIdentity.objects.filter(
        contact_id=conversation.contact_id, kind=ContactIdentity.Kind.EMAIL, value=sender
    ).exists()


def _own_domains(channel: EmailChannel) -> set[str]:
    return {threading.mail_domain(channel.from_address), threading.mail_domain()}


def _email_metadata(channel: EmailChannel, parsed: ParsedEmail, raw: bytes) -> dict[str, Any]:
    mail = parsed.mail
    auth = check_authenticity(
        mail,
        from_domain=parsed.sender.rpartition("@")[2],
        own_domains=_own_domains(channel),
        trusted_authserv_id=channel.trusted_authserv_id,
    )
    parts = extract_from_message(raw)
    original = body_text(mail)
    return {
        "reply": parts.reply,
        "signature": parts.signature,
        "email": {
            "message_id": parsed.header_id,
            "subject": parsed.subject[:300],
            "from": parsed.sender,
            "to": parsed.recipients[:20],
            "date": str(mail.get("Date", ""))[:100],
            "auth": auth.as_dict(),
            # The full text, one click away for agents (redacted with the rest).
            "original": original[:ORIGINAL_MAX_CHARS],
            "has_quote": bool(parts.quoted),
            "defects": parsed.defects[:20],
        },
    }


_DSN_STATUS = re.compile(rb"(?im)^Status:\s*([245]\.\d{1,3}\.\d{1,3})")
_DSN_ACTION = re.compile(rb"(?im)^Action:\s*(failed|delivered|delayed|relayed|expanded)")


def _apply_report(channel: EmailChannel, parsed: ParsedEmail, raw: bytes) -> None:
    """A delivery report (RFC 3464) about a mail we sent: the delivery becomes failed with
    the DSN status (a bounce), or delivered when the report says so."""
    head = raw[:1_000_000]
    action = _DSN_ACTION.search(head)
    if action is None or action.group(1).lower() not in (b"failed", b"delivered"):
        return  # delayed, relayed: nothing final
    delivered = action.group(1).lower() == b"delivered"
    status = _DSN_STATUS.search(head)
    code = status.group(1).decode() if status else ""
    reason = _("Bounced by the recipient's mail server (%(code)s).") % {"code": code or "?"}
    text = head.decode("latin-1")
    for own_id in threading.own_message_ids(text):
        do_record_platform_report(
            account_id=channel.inbox.account_id,
            platform_message_id=own_id,
            delivered=delivered,
            reason=reason,
        )


def ingest_raw(*, channel: EmailChannel, raw: bytes) -> IngestOutcome:
    """Stores one mail (see the module docstring). Never raises for bad mail: the
    outcome says what happened and the receipt keeps it."""
    size = len(raw)
    if size > settings.EMAIL_INGEST_MAX_BYTES:
        head = parse_headers_only(raw)
        from_name, sender = sender_of(head)
        ids = threading.message_ids(str(head.get("Message-ID", "")))
        return _record(
            channel,
            header_id=(ids or [synthetic_message_id(raw[:65536])])[0][:255],
            status=Status.REFUSED,
            reason=_("Too large: %(mb).1f MB (the limit is %(limit)d MB).")
            % {"mb": size / 2**20, "limit": settings.EMAIL_INGEST_MAX_BYTES // 2**20},
            sender=sender or from_name,
            subject=str(head.get("Subject", "")),
            size=size,
        )
    try:
        parsed = parse_email(raw)
    except UnreadableMail as exc:
        return _record(
            channel,
            header_id=synthetic_message_id(raw),
            status=Status.REFUSED,
            reason=_("Unreadable mail: %(what)s.") % {"what": str(exc)},
            size=size,
        )
    if _already(channel, parsed.header_id):
        return IngestOutcome("duplicate", "", parsed.header_id)
    record = partial(
        _record,
        channel,
        header_id=parsed.header_id,
        sender=parsed.sender,
        subject=parsed.subject,
        size=size,
    )
    if threading.is_own_message_id(parsed.header_id):
        return record(status=Status.OWN)
    automatic = automatic_reason(parsed.mail)
    try:
        check_rate_limit(
            scope="email-sender",
            key=f"{channel.pk}:{parsed.sender}",
            limit=settings.EMAIL_SENDER_LIMIT,
            window=settings.EMAIL_SENDER_WINDOW,
        )
    except RateLimited:
        return record(
            status=Status.RATE_LIMITED,
            reason=_("More than %(n)d mails from this sender in %(s)d seconds.")
            % {"n": settings.EMAIL_SENDER_LIMIT, "s": settings.EMAIL_SENDER_WINDOW},
        )
    conversation_id, proven = _thread(channel, parsed)
    metadata = _email_metadata(channel, parsed, raw)
    reply = str(metadata.pop("reply")).strip()
    signature = str(metadata.pop("signature"))
    inbound = InboundMessage(
        identity_kind=ContactIdentity.Kind.EMAIL,
        identity_value=parsed.sender,
        display_name=parsed.display_name,
        text=reply or metadata["email"]["original"],
        subject=parsed.subject,
        platform_message_id=parsed.header_id,
        thread_conversation_id=conversation_id,
        attachments=parsed.attachments,
        metadata={**metadata, **({"signature": signature} if signature else {})},
        no_reply=bool(automatic),
        identity_proven=proven,
    )
    if automatic:
        inbound.metadata["automatic"] = automatic
    try:
        received = do_receive(channel=channel, inbound=inbound)
    except BlockdeskError as exc:
        return record(status=Status.REFUSED, reason=exc.message)
    message = received.message
    if parsed.mail.get_content_type() == "multipart/report":
        _apply_report(channel, parsed, raw)
    return record(
        status=Status.AUTOMATIC if automatic else Status.STORED,
        reason=automatic,
        conversation_id=message.conversation_id,
        message_pk=message.pk,
    )
