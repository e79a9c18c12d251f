"""The visible reply of an email: quoted history and signature split from the new text.

Pure Python, no models: the email channel calls it on ingest and keeps the full original
one click away; `manage.py email extract-reply` prints it. See docs/email-reply.md.
"""

from __future__ import annotations

from typing import Literal

from blockdesk.connectors.email_reply.html import html_to_text
from blockdesk.connectors.email_reply.message import (
    decode_bytes,
    looks_like_html,
    looks_like_message,
    message_body,
    unquote_body,
)
from blockdesk.connectors.email_reply.text import ReplyParts, normalise, split_plain

ContentType = Literal["text/plain", "text/html"]
MAX_BODY_CHARS = 2_000_000

__all__ = [
    "ReplyParts",
    "extract_from_bytes",
    "extract_from_message",
    "extract_reply",
    "html_to_text",
]


def _keep(parts: ReplyParts) -> ReplyParts:
    if not parts.signature:
        return parts
    reply = f"{parts.reply}\n\n{parts.signature}" if parts.reply else parts.signature
    return ReplyParts(reply=reply, signature=None, quoted=parts.quoted)


def extract_reply(
    text: str, *, content_type: ContentType = "text/plain", keep_signature: bool = False
) -> ReplyParts:
    """Split a body (plain text or HTML) into reply, signature and hidden history.

    With `keep_signature` the signature stays at the end of `reply` and `signature` is None.
    """
    # The reply is at the top: past MAX_BODY_CHARS a body is history (kept in the original).
    text = text[:MAX_BODY_CHARS]
    plain = html_to_text(text) if content_type == "text/html" else text
    parts = split_plain(plain)
    return _keep(parts) if keep_signature else parts


def extract_from_message(raw: bytes, *, keep_signature: bool = False) -> ReplyParts:
    """The reply of a whole RFC 5322 message (text/plain part, else HTML)."""
    body, ctype = message_body(raw)
    return extract_reply(
        body,
        content_type="text/html" if ctype == "text/html" else "text/plain",
        keep_signature=keep_signature,
    )


def extract_from_bytes(
    raw: bytes, *, keep_signature: bool = False, content_type: ContentType | None = None
) -> ReplyParts:
    """A file's reply: a whole message or a bare body, plain text or HTML, any charset.

    `content_type` says what a bare body is (e.g. from a file's extension); without it the
    body is sniffed.
    """
    if looks_like_message(raw):
        return extract_from_message(raw, keep_signature=keep_signature)
    text = normalise(decode_bytes(unquote_body(raw.removeprefix(b"\xef\xbb\xbf")), None))
    if content_type is None:
        content_type = "text/html" if looks_like_html(text) else "text/plain"
    return extract_reply(text, content_type=content_type, keep_signature=keep_signature)
