"""The one place the email channel asks for a mail's text: the visible reply (quoted
history and signature split off, by `connectors/email_reply`, see docs/email-reply.md) and
the decoded full text for "Show the full mail"."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage, Message

from blockdesk.connectors import email_reply
from blockdesk.connectors.email_reply.message import decode_bytes


@dataclass(frozen=True)
class ReplyParts:
    reply: str
    signature: str
    quoted: str


def decode_part(part: Message) -> str:
    """A text part's content as text, whatever its charset label says; never raises."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload() or "")
    return decode_bytes(payload, part.get_content_charset())


def body_text(mail: EmailMessage) -> str:
    """The mail's text: the plain part, else the HTML part as safe text."""
    body = mail.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = decode_part(body)
    if body.get_content_type() == "text/html":
        text = email_reply.html_to_text(text)
    return text.replace("\r\n", "\n").strip()


def extract_from_message(raw: bytes) -> ReplyParts:
    parts = email_reply.extract_from_message(raw)
    return ReplyParts(reply=parts.reply, signature=parts.signature or "", quoted=parts.quoted or "")
