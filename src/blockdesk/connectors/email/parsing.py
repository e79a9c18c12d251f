"""A raw RFC 5322 message to the facts the channel needs, with the standard library's
`email` package (policy.default: RFC-compliant header decoding, lenient with broken
mail: it records defects instead of raising)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from blockdesk.connectors.contract import InboundAttachment
from blockdesk.connectors.email.threading import message_ids
from blockdesk.connectors.email.visible_reply import decode_part

_PARSER = BytesParser(policy=policy.default)
_HEADER_LIMIT = 256 * 1024


class UnreadableMail(ValueError):
    """No sender address could be read: nothing to thread it to or answer."""


@dataclass
class ParsedEmail:
    mail: EmailMessage
    header_id: str  # the Message-ID
    sender: str  # lower-cased address
    display_name: str
    subject: str
    in_reply_to: list[str]
    references: list[str]
    recipients: list[str]  # To, Cc, Delivered-To, X-Original-To
    attachments: list[InboundAttachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


def _header(mail: EmailMessage, name: str) -> str:
    try:
        value = mail.get(name)
    except Exception:  # a header the policy cannot parse at all: keep its raw form
        return ""
    return str(value or "")


def synthetic_message_id(raw: bytes) -> str:
    """For mail without a Message-ID (it happens): the same bytes get the same id."""
    return f"<sha256.{hashlib.sha256(raw).hexdigest()[:40]}@blockdesk.invalid>"


def parse_headers_only(raw: bytes) -> EmailMessage:
    head, _sep, _body = raw[:_HEADER_LIMIT].partition(b"\r\n\r\n")
    if len(head) == len(raw[:_HEADER_LIMIT]):
        head = raw[:_HEADER_LIMIT].partition(b"\n\n")[0]
    return _PARSER.parsebytes(head + b"\r\n\r\n", headersonly=True)


def sender_of(mail: EmailMessage) -> tuple[str, str]:
    raw_from = _header(mail, "From") or _header(mail, "Sender")
    name, address = parseaddr(raw_from)
    return name.strip(), address.strip().lower()


def _attachments(mail: EmailMessage) -> list[InboundAttachment]:
    found: list[InboundAttachment] = []
    body = mail.get_body(preferencelist=("plain", "html"))
    for part in mail.walk():
        if part.is_multipart() or part is body:
            continue
        maintype = part.get_content_maintype()
        disposition = part.get_content_disposition()
        if maintype == "text" and disposition != "attachment":
            continue  # an alternative body, not a file
        if maintype == "message" or part.get_content_type() in (
            "message/delivery-status",
            "text/rfc822-headers",
        ):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        name = part.get_filename() or ("inline" if disposition == "inline" else "attachment")
        if maintype == "text" and disposition == "attachment":
            # Stored as text: decoded to UTF-8 so the widget's text/plain rule holds.
            payload = decode_part(part).encode()
        found.append(InboundAttachment(str(name), part.get_content_type(), payload))
    return found


def parse_email(raw: bytes) -> ParsedEmail:
    mail: EmailMessage = _PARSER.parsebytes(raw)
    name, address = sender_of(mail)
    if not address or "@" not in address:
        raise UnreadableMail("no sender address")
    try:
        Address(addr_spec=address)
    except (ValueError, IndexError) as exc:
        raise UnreadableMail("bad sender address") from exc
    message_id = (message_ids(_header(mail, "Message-ID")) or [synthetic_message_id(raw)])[0]
    recipients = [
        addr.lower()
        for _n, addr in getaddresses(
            [_header(mail, h) for h in ("To", "Cc", "Delivered-To", "X-Original-To")]
        )
        if addr
    ]
    defects = [type(d).__name__ for d in mail.defects]
    for part in mail.walk():
        defects.extend(type(d).__name__ for d in part.defects)
    return ParsedEmail(
        mail=mail,
        header_id=message_id[:255],
        sender=address[:254],
        display_name=name,
        subject=" ".join(_header(mail, "Subject").split()),
        in_reply_to=message_ids(_header(mail, "In-Reply-To")),
        references=message_ids(_header(mail, "References")),
        recipients=recipients,
        attachments=_attachments(mail),
        defects=sorted(set(defects)),
    )
