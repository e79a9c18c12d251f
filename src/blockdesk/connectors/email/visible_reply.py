"""The one place the email channel asks for a mail's text: the visible reply (quoted
history and signature split off) and the decoded full text.

The real work is `blockdesk.connectors.email_reply` (reply extraction for the clients
crypto users use, HTML to safe text, charsets), written in parallel; until it is there
this module falls back to a minimal stand-in with the same names, so the channel works
and its tests run either way."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from typing import Any

import nh3

# Labels that mail clients use for a superset they actually send.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "x-mac-roman": "mac_roman",
    "iso-8859-8-i": "iso-8859-8",
    "big5": "big5hkscs",
}


@dataclass(frozen=True)
class ReplyParts:
    reply: str
    signature: str
    quoted: str


def _real() -> Any | None:
    try:
        return importlib.import_module("blockdesk.connectors.email_reply")
    except ImportError:
        return None


def decode_part(part: Message) -> str:
    """A text part's content as text, whatever its charset label says; never raises."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload() or "")
    label = (part.get_content_charset() or "utf-8").strip().lower()
    charset = _CHARSET_ALIASES.get(label, label)
    try:
        return payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        pass
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(payload).best()
    return str(best) if best is not None else payload.decode("utf-8", errors="replace")


def html_to_text(html: str) -> str:
    real = _real()
    if real is not None and hasattr(real, "html_to_text"):
        return str(real.html_to_text(html))
    # Stand-in: line breaks where blocks end, every tag removed (scripts and styles with
    # their content), entities decoded; nothing remote is ever loaded.
    html = re.sub(r"(?i)<br\s*/?>|</(p|div|li|tr|h\d|blockquote)>", "\n", html)
    text = nh3.clean(html, tags=set())
    import html as html_lib

    text = html_lib.unescape(text)
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t\r\f\v]+\n", "\n", text)).strip()


def body_text(mail: EmailMessage) -> str:
    """The mail's text: the plain part, else the HTML part as text."""
    body = mail.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = decode_part(body)
    if body.get_content_type() == "text/html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n").strip()


_QUOTE_HEADER = re.compile(
    r"^(On .{1,200} wrote:?|-{2,}\s*Original Message\s*-{2,}|-{2,}\s*原始邮件\s*-{2,}"
    r"|在.{1,200}写道[:：]|(From|发件人)\s*[:：].*|_{10,})\s*$",
    re.MULTILINE,
)
_SIGNATURE = re.compile(r"^(-- |Sent from my .{1,40}|发自我的.{1,20})$", re.MULTILINE)


def _stand_in(text: str) -> ReplyParts:
    quoted = ""
    match = _QUOTE_HEADER.search(text)
    if match and match.start() > 0:
        text, quoted = text[: match.start()], text[match.start() :]
    lines = text.rstrip().split("\n")
    while lines and lines[-1].startswith(">"):
        quoted = lines.pop() + "\n" + quoted
    text = "\n".join(lines)
    signature = ""
    sig = _SIGNATURE.search(text)
    if sig and sig.start() > 0:
        text, signature = text[: sig.start()], text[sig.start() :]
    return ReplyParts(reply=text.strip(), signature=signature.strip(), quoted=quoted.strip())


def extract_from_message(raw: bytes, mail: EmailMessage | None = None) -> ReplyParts:
    real = _real()
    if real is not None:
        parts = real.extract_from_message(raw)
        return ReplyParts(reply=parts.reply, signature=parts.signature, quoted=parts.quoted)
    if mail is None:
        from email import policy
        from email.parser import BytesParser

        mail = BytesParser(policy=policy.default).parsebytes(raw)
    assert mail is not None
    return _stand_in(body_text(mail))
